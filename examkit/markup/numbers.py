"""Numbers as every surface prints them: exact decimals as drawn, other values to a number of
significant figures. Low in the stack (beside the markup it feeds), so part types, the bank's
renderer and every front end format numbers the one way."""

from __future__ import annotations

from decimal import Decimal

import sympy as sp

KEY_FIGURES = 6  # a key that is not an exact decimal prints to this many significant figures


def format_number(value, sig: int = 4) -> str:
    """Exact decimals stay as drawn (52.5); other values show `sig` significant digits."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(format_number(v, sig) for v in value) + ")"
    if isinstance(value, sp.Basic):
        if value.is_Integer:
            return str(int(value))
        if value.is_Rational:
            q = int(value.q)
            while q % 2 == 0:
                q //= 2
            while q % 5 == 0:
                q //= 5
            if q == 1:  # terminating decimal
                return _trim(str(Decimal(int(value.p)) / Decimal(int(value.q))))
        if not value.is_number:
            return sp.sstr(value)
        value = float(value.evalf(20))
        kept = f"{value:#.{sig}g}"
        if value != int(value) and "e" not in kept:
            # a rounded value keeps its `sig` figures (0.81000, not 0.81): typed back, it is as
            # precise as the checker asks, so a worked solution never shows an "imprecise" key
            return kept.rstrip(".")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value == int(value) and abs(value) < 1e12:
            return str(int(value))
        text = f"{value:.{sig}g}"
        if "e" in text:
            mantissa, exp = text.split("e")
            return f"{mantissa}\\times 10^{{{int(exp)}}}"
        return text
    return str(value)


def _trim(text: str) -> str:
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def machine_number(value) -> str:
    """A number as importers parse it (no LaTeX, no thousands separators): the LMS exports' keys."""
    return f"{float(value):.12g}"
