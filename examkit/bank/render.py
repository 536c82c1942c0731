"""Jinja2 rendering of stems, answers and solutions with the drawn parameters.

Delimiters are `[[ x ]]` and `[% ... %]` because LaTeX already owns `{` and `}`. The environment
is sandboxed: bank files are data, not code.
"""

from __future__ import annotations

import functools
import re

import sympy as sp
from jinja2 import StrictUndefined, TemplateAssertionError, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment

from ..checking.parse import AnswerError, Equation, parse_math
from ..errors import did_you_mean
from ..markup.numbers import format_number


def _num(value, sig: int = 4):
    return format_number(value, sig)


def _signed(value, sig: int = 4):
    """'+ 3' or '- 3', for writing `a [[ b|signed ]]` without '+ -3'."""
    text = format_number(value, sig)
    return f"- {text[1:]}" if text.startswith("-") else f"+ {text}"


def _latex(value):
    return sp.latex(value) if isinstance(value, sp.Basic) else str(value)


def _finalize(value):
    if isinstance(value, (sp.Basic, float, list, tuple)) and not isinstance(value, bool):
        return format_number(value)
    return value


ENV = SandboxedEnvironment(
    variable_start_string="[[",
    variable_end_string="]]",
    block_start_string="[%",
    block_end_string="%]",
    comment_start_string="[#",
    comment_end_string="#]",
    undefined=StrictUndefined,
    autoescape=False,
    keep_trailing_newline=False,
    finalize=_finalize,
)
ENV.filters.update(num=_num, signed=_signed, latex=_latex)
ENV.globals.update(float=float, round=round, abs=abs)


_SLOT = re.compile(r"\[\[(.+?)\]\]", re.S)
_NAME = re.compile(r"\s*[A-Za-z_][A-Za-z0-9_.]*\s*")


def _math_slots(text: str, context: dict):
    """Let `[[ sigma^2 ]]` or `[[ (beta-1)*kl | num(5) ]]` use math syntax, as stems do.

    Slots that read as arithmetic over numeric parameters are computed with the safe math parser
    and handed to Jinja as values; anything else (names, string logic) is left to Jinja.
    """
    symbols = {k: v for k, v in context.items() if isinstance(v, sp.Basic)}
    values = {}

    def replace(match):
        expr, bar, filters = match.group(1).partition("|")
        if _NAME.fullmatch(expr):
            return match.group(0)
        try:
            value = parse_math(expr, symbols, allow_new_symbols=False)
        except AnswerError:
            return match.group(0)
        if isinstance(value, Equation) or not value.is_number:
            return match.group(0)
        name = f"math_slot_{len(values)}"
        values[name] = value
        return "[[ " + name + (" |" + filters if bar else "") + " ]]"

    return _SLOT.sub(replace, text), values


@functools.lru_cache(maxsize=8192)
def _compiled(text: str):
    """Bank texts repeat across seeds: compiling each once halves the time `validate` takes."""
    return ENV.from_string(text)


BANK_FILTERS = ("num", "signed", "latex")


def explain_render_error(exc, text: str, context: dict) -> str:
    """A rendering error in words: the math slot that cannot be read (Jinja would only say
    "unexpected char '^'"), or the filter or name most likely meant."""
    message = str(exc)
    if isinstance(exc, TemplateAssertionError) and (bad := re.search(r"No filter named '(\w+)'", message)):
        name = bad.group(1)
        return f"no filter {name!r}{did_you_mean(name, ENV.filters)} (the bank's filters: {', '.join(BANK_FILTERS)})"
    if isinstance(exc, TemplateSyntaxError):
        symbols = {k: v for k, v in context.items() if isinstance(v, sp.Basic)}
        for expr in _SLOT.findall(text):
            expr = expr.partition("|")[0]
            if _NAME.fullmatch(expr):
                continue
            try:
                parse_math(expr, symbols, allow_new_symbols=False)
            except AnswerError as why:
                return f"cannot read [[{expr}]]: {why}"
        for opening, closing in (("[[", "]]"), ("[%", "%]")):
            if text.count(opening) != text.count(closing):
                return f"a `{opening}` is not closed with `{closing}` ({message})"
        return message
    if isinstance(exc, UndefinedError) and (bad := re.search(r"'(\w+)' is undefined", message)):
        name = bad.group(1)
        names = [k for k in context if not k.startswith("_")]
        return f"unknown name {name!r}{did_you_mean(name, names)} (names here: {', '.join(sorted(names))})"
    return message


def render(text, context: dict) -> str:
    if not isinstance(text, str):
        return format_number(text) if not isinstance(text, bool) else str(text)
    if "[[" not in text and "[%" not in text:
        return text
    text, values = _math_slots(text, context)
    return _compiled(text).render(**context, **values)
