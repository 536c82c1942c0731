"""Numeric answers: tolerance, significant figures, and the 'right but too imprecise' verdict.

Everything is compared in exact rational arithmetic: the key as the decimal it prints as, a typed
decimal as the decimal it is, so a 5 % tolerance accepts 1.05 for 1 and 1e-33 is not 0.

The rules, in the order they apply:
- an answer equal to the key (to 12 digits, as `-log(4)` or `50 + 4*2` is) is correct;
- an integer key whose only tolerance is `abs` between 0.5 and 1 (a count, a size: 'the nearest
  whole number') must be matched exactly;
- an answer within the tolerance (`abs`, `rel`), or one that rounds to the key at `sigfigs`
  significant figures (or equals the key rounded to its own, longer, precision) is correct, provided
  it gives at least `sigfigs` figures;
- an answer that is the key rounded to the figures given, but fewer figures than the part asks for
  (or than its tolerance needs), is 'imprecise' (half credit: carry more digits);
- anything else is incorrect.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction

import sympy as sp

from .parse import AnswerError, Equation, parse_math

DEFAULT_TOLERANCE = {"rel": 0.001, "sigfigs": 3}
_SAME = Fraction(1, 10**12)  # relative agreement that counts as the key itself
_DECIMAL = re.compile(r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$")


@dataclass
class NumericAnswer:
    value: float
    sigfigs: int | None  # None when typed as an exact expression (e.g. 50 + 4*2, -log(4))
    expr: object = None  # the parsed sympy value, for echoing what was understood

    @property
    def exact(self) -> Fraction:
        """The answer as an exact rational: a typed decimal exactly, anything else via its float."""
        if isinstance(self.expr, sp.Rational):
            return Fraction(int(self.expr.p), int(self.expr.q))
        return as_fraction(self.value)


def as_fraction(x: float) -> Fraction:
    """A float as the shortest decimal that prints as it (0.1, not 0.1000000000000000055...)."""
    return Fraction(repr(float(x)))


def significant_figures(text: str) -> int | None:
    m = _DECIMAL.match(text.replace("−", "-"))
    if not m:
        return None
    digits = m.group(1)
    if "." in digits:
        return max(1, len(digits.replace(".", "").lstrip("0")))
    stripped = digits.lstrip("0")
    return max(1, len(stripped.rstrip("0")) or 1)


def read_number(text: str, symbols=None) -> NumericAnswer:
    value = parse_math(text, symbols or {}, allow_new_symbols=False)
    if isinstance(value, Equation):
        value = value.rhs
    if not value.is_number:
        raise AnswerError("expected a number")
    number = complex(value.evalf(30))
    if abs(number.imag) > 1e-12 * max(1.0, abs(number.real)) or not math.isfinite(number.real):
        raise AnswerError("the answer is not a finite real number")
    return NumericAnswer(number.real, significant_figures(text), value)


def _exponent(x: Fraction) -> int:
    """floor(log10 |x|) for x != 0, exactly."""
    e = math.floor(math.log10(abs(float(x)))) if float(x) != 0 else -325
    while Fraction(10) ** e > abs(x):
        e -= 1
    while Fraction(10) ** (e + 1) <= abs(x):
        e += 1
    return e


def roundings(x: Fraction, figures: int) -> set[Fraction]:
    """x rounded to `figures` significant figures; both neighbours when x lies exactly half-way."""
    if x == 0:
        return {Fraction(0)}
    unit = Fraction(10) ** (_exponent(x) - figures + 1)
    scaled = abs(x) / unit
    low = math.floor(scaled)
    picks = {low, low + 1} if scaled - low == Fraction(1, 2) else {math.floor(scaled + Fraction(1, 2))}
    sign = 1 if x > 0 else -1
    return {sign * n * unit for n in picks}


def half_unit(value: float, sigfigs: int) -> float:
    """Half a unit in the last place when `value` is written with `sigfigs` significant figures."""
    if value == 0:
        return 0.5 * 10 ** (-sigfigs)
    return 0.5 * 10 ** (math.floor(math.log10(abs(value))) - sigfigs + 1)


def tolerance_width(expected: float, tolerance: dict) -> float:
    """The half-width of the accepted interval, for exports whose numeric answers are key ± width."""
    width = max(tolerance.get("abs", 0.0), tolerance.get("rel", 0.0) * abs(expected))
    if "sigfigs" in tolerance:
        width = max(width, half_unit(expected, tolerance["sigfigs"]))
    return width


def _within(key: Fraction, given: Fraction, tolerance: dict) -> bool:
    width = max(as_fraction(tolerance.get("abs", 0.0)), as_fraction(tolerance.get("rel", 0.0)) * abs(key))
    return abs(given - key) <= width


def judge(expected: float, answer: NumericAnswer, tolerance: dict | None) -> tuple[str, str]:
    """('correct' | 'imprecise' | 'incorrect', message)."""
    tolerance = tolerance or DEFAULT_TOLERANCE
    key, given, figures = as_fraction(expected), answer.exact, answer.sigfigs
    needed = tolerance.get("sigfigs")
    if abs(given - key) <= _SAME * abs(key):
        return "correct", "correct"
    if key.denominator == 1 and set(tolerance) == {"abs"} and 0.5 <= tolerance["abs"] < 1:
        return "incorrect", "incorrect"  # a count or a size: only the whole number itself is right
    enough = figures is None or needed is None or figures >= needed
    rounds = figures is not None and given in roundings(key, figures)
    if enough and (_within(key, given, tolerance) or (needed and (rounds or _same_rounding(key, given, needed)))):
        return "correct", "correct (within tolerance)"
    if rounds:
        if needed and figures < needed:
            return "imprecise", f"right to {figures} significant figure(s); give at least {needed}"
        return "imprecise", f"right to {figures} significant figure(s); carry more digits through the calculation"
    return "incorrect", "incorrect"


def _same_rounding(key: Fraction, given: Fraction, figures: int) -> bool:
    return bool(roundings(key, figures) & roundings(given, figures))


def half_credit_answers(expected: float, tolerance: dict | None) -> list[tuple[float, int]]:
    """(value, figures): the key rounded to too few figures, each of which `judge` marks
    'imprecise'. Exports that can only list answers (Moodle) list these at half credit, so they
    apply the same rule as the checker."""
    tolerance = tolerance or DEFAULT_TOLERANCE
    key, found = as_fraction(expected), []
    for figures in range(1, 16):
        for rounded in sorted(roundings(key, figures)):
            answer = NumericAnswer(float(rounded), figures, sp.Rational(rounded.numerator, rounded.denominator))
            status = judge(expected, answer, tolerance)[0]
            if status == "correct":
                return found
            if status == "imprecise" and all(value != float(rounded) for value, _ in found):
                found.append((float(rounded), figures))
    return found
