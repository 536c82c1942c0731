"""How a parsed answer is shown back to the student (STACK's "your answer was interpreted as").

Plain text and LaTeX of the sympy value, with terminating fractions written as the decimals a
student types (0.138, not 69/500), so the echo reads like the answer and differs only where the
checker understood something else.
"""

from __future__ import annotations

from decimal import Decimal

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter

from .parse import Equation


def _terminating(q: int) -> bool:
    for factor in (2, 5):
        while q % factor == 0:
            q //= factor
    return q == 1


def _decimal(r: sp.Rational) -> str | None:
    if r.is_Integer or not _terminating(int(r.q)) or r.q > 10**12:
        return None
    return format(Decimal(int(r.p)) / Decimal(int(r.q)), "f")


class _Text(StrPrinter):
    def _print_Rational(self, expr):
        return _decimal(expr) or super()._print_Rational(expr)


class _Latex(LatexPrinter):
    def _print_Rational(self, expr):
        return _decimal(expr) or super()._print_Rational(expr)


_SETTINGS = {"order": "none"}  # the terms as sympy holds them: half the time of sorting them


def _text(expr) -> str:
    return _Text(_SETTINGS).doprint(expr).replace("**", "^")


def interpretation(value) -> dict:
    """{"text": plain math, "latex": LaTeX} of a parsed answer (an expression or an equation), or
    of a plain decimal kept as typed (its trailing zeros are figures the student gave)."""
    if isinstance(value, str):
        return {"text": value, "latex": value}
    if isinstance(value, Equation):
        return {
            "text": f"{_text(value.lhs)} = {_text(value.rhs)}",
            "latex": f"{_Latex(_SETTINGS).doprint(value.lhs)} = {_Latex(_SETTINGS).doprint(value.rhs)}",
        }
    return {"text": _text(value), "latex": _Latex(_SETTINGS).doprint(value)}
