"""Numeric answers: tolerance, significant figures, and the 'right but too imprecise' verdict."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .parse import AnswerError, Equation, parse_math

DEFAULT_TOLERANCE = {"rel": 0.001, "sigfigs": 3}
IMPRECISE_FACTOR = 10  # within 10x the tolerance: right idea, too imprecise
_DECIMAL = re.compile(r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$")


@dataclass
class NumericAnswer:
    value: float
    sigfigs: int | None  # None when typed as an exact expression (e.g. 50 + 4*2, -log(4))


def significant_figures(text: str) -> int | None:
    m = _DECIMAL.match(text)
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
    return NumericAnswer(number.real, significant_figures(text))


def half_unit(value: float, sigfigs: int) -> float:
    """Half a unit in the last place when `value` is written with `sigfigs` significant figures."""
    if value == 0:
        return 0.5 * 10 ** (-sigfigs)
    return 0.5 * 10 ** (math.floor(math.log10(abs(value))) - sigfigs + 1)


def tolerance_width(expected: float, tolerance: dict) -> float:
    width = max(tolerance.get("abs", 0.0), tolerance.get("rel", 0.0) * abs(expected))
    if "sigfigs" in tolerance:
        width = max(width, half_unit(expected, tolerance["sigfigs"]) * 1.0000001)
    return width


def judge(expected: float, answer: NumericAnswer, tolerance: dict | None) -> tuple[str, str]:
    """('correct' | 'imprecise' | 'incorrect', message)."""
    tolerance = tolerance or DEFAULT_TOLERANCE
    error = abs(answer.value - expected)
    width = tolerance_width(expected, tolerance)
    exact = error <= 1e-9 * max(1.0, abs(expected))
    needed = tolerance.get("sigfigs")
    if exact:
        return "correct", "correct"
    if error <= width:
        if needed and answer.sigfigs is not None and answer.sigfigs < needed:
            return "imprecise", f"right, but give at least {needed} significant figures"
        return "correct", "correct (within tolerance)"
    if needed and answer.sigfigs is not None and answer.sigfigs < needed:
        if error <= half_unit(expected, answer.sigfigs) * 1.0000001:
            return "imprecise", f"right to {answer.sigfigs} significant figure(s); give at least {needed}"
    if error <= IMPRECISE_FACTOR * width:
        return "imprecise", "close, but outside the tolerance: carry more digits through the calculation"
    return "incorrect", "incorrect"
