"""A formula's parameters written as their values, for the student who never sees their names.

An `expression` or `derivation` part's math may name a parameter or derived value (`m*x`): the key
is computed with its value, as for `[[m]]*x`. Its text must say the value too, since the printed key
and the answer a student is checked against may use only the part's variables (and parameters the
stem shows). The formula is read by the safe parser and printed back from its shape (`echo.py`),
so every name is replaced where the parser read it (`mx`, `mu_1`, `\\frac{m}{2}`).
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.str import StrPrinter

from ..checking.echo import text_of
from ..checking.parse import AnswerError, read_math
from ..markup.numbers import format_number


def values_written(text: str, context: dict, variables: dict) -> str:
    """A formula that names parameters or derived values (not the part's `variables`) written with
    their values: `m*x` with m drawn as 3 is `3*x`, as `[[m]]*x` prints. The key is computed with
    the values either way; written out, it reads (and checks) where the student sees no `m`. A
    formula that names none stays as the author wrote it."""
    values = {k: v for k, v in context.items() if isinstance(v, sp.Basic) and v.is_number and k not in variables}
    try:
        reading = read_math(text, {**values, **variables}, allow_new_symbols=False)
    except AnswerError:
        return text  # read (and reported) where the formula is used
    named = {name: _value_shape(values[name]) for name in _names(reading.shape) if name in values}
    return text_of(_replaced(reading.shape, named)) if named else text


def _names(shape):
    """The names a parsed formula's shape reads (a call's arguments are a tuple of shapes)."""
    if shape[0] == "sym":
        yield shape[1]
    for child in shape[1:]:
        for node in [child] if _is_shape(child) else child if isinstance(child, tuple) else ():
            yield from _names(node)


def _replaced(shape, named):
    if shape[0] == "sym":
        return named.get(shape[1], shape)
    return tuple(
        _replaced(c, named) if _is_shape(c) else tuple(_replaced(a, named) for a in c) if isinstance(c, tuple) else c
        for c in shape
    )


def _is_shape(node) -> bool:
    return isinstance(node, tuple) and bool(node) and isinstance(node[0], str)


class _ExactText(StrPrinter):
    def _print_Exp1(self, expr):
        return "e"


def _value_shape(value):
    """A value as the parser's shape: a decimal as drawn, else exact (1/3, log(2)), bracketed."""
    text = format_number(value)
    if not (value.is_Rational and sp.Rational(text) == value):
        text = _ExactText().doprint(value)
    shape = read_math(text, {}, allow_new_symbols=False).shape
    return shape if shape[0] in ("num", "const", "call") else ("group", "(", shape)
