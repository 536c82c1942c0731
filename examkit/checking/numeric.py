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
from decimal import Decimal
from fractions import Fraction

import mpmath
import sympy as sp

from .evaluate import Overflow, Undefined, evaluate, short
from .parse import AnswerError, Equation, Reading, UnsafeInput, normalize, read_math

DEFAULT_TOLERANCE = {"rel": 0.001, "sigfigs": 3}
_SAME = Fraction(1, 10**12)  # relative agreement that counts as the key itself
_APPROX = re.compile(r"≈|\\approx|~=|\\simeq")
_UNITS = ("nats", "nat", "nats/image", "nats per image")  # the bank's unit; bits would be a wrong answer
_DECIMAL = re.compile(r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$")


@dataclass
class NumericAnswer:
    value: float
    sigfigs: int | None  # None when typed as an exact expression (e.g. 50 + 4*2, -log(4))
    expr: object = None  # the parsed sympy value
    most_figures: int | None = None  # '1000' gives 1 to 4 figures: trailing zeros of a whole number
    reading: Reading | None = None  # what was read, as typed (trailing zeros kept: '-1.00'), for the echo

    @property
    def figure_range(self) -> range:
        return range(self.sigfigs, (self.most_figures or self.sigfigs) + 1) if self.sigfigs else range(0)

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
    counts = figure_counts(text)
    return counts[0] if counts else None


def figure_counts(text: str) -> tuple[int, int] | None:
    """(fewest, most) significant figures a typed decimal can mean: '1000' is 1 to 4 (its
    trailing zeros may or may not be significant, as STACK also reads them), '1000.' and '1.000e3'
    are 4. None for anything but a plain decimal."""
    m = _DECIMAL.match(text.replace("−", "-"))
    if not m:
        return None
    digits = m.group(1)
    if "." in digits:
        n = max(1, len(digits.replace(".", "").lstrip("0")))
        return n, n
    stripped = digits.lstrip("0")
    return max(1, len(stripped.rstrip("0"))), max(1, len(stripped))


def read_number(text: str, symbols=None, unit: str = "") -> NumericAnswer:
    """A typed number as students write it: '0.2', 'D = 0.2', 'D(x) ≈ 0.2', '1.39 nats', '25%'."""
    text = _APPROX.sub("=", text)
    if "=" in text:
        text = text.rpartition("=")[2]  # 'D = 0.2': the value is the right-hand side
    text = text.strip().lstrip("~")  # ~1.7 for about 1.7
    if re.fullmatch(r".*\d\.\d+\.", text):  # a full stop after a decimal: 1.7365.
        text = text[:-1]
    text, scale = _without_unit(re.sub(r"\((\s*[A-Za-z/ ]+\s*)\)\s*$", r"\1", text), unit)  # 1.7 (nats)
    reading = read_math(text, symbols or {}, allow_new_symbols=False)
    value, shape = reading.value, reading.shape
    if isinstance(value, Equation):
        value, shape = value.rhs, shape[2]
    if not value.is_number:
        raise AnswerError("expected a number")
    if scale != 1:
        value, shape = value * scale, ("percent", shape)
    reading = Reading(value, shape, reading.notes)
    number = _evaluated(value)
    if abs(number.imag) > 1e-12 * max(1.0, abs(number.real)):
        raise AnswerError("the answer is not a real number")
    if not math.isfinite(number.real):
        raise UnsafeInput(f"too large: the number is {short(value)}, beyond what can be compared")
    fewest, most = figure_counts(normalize(text)) or (None, None)
    return NumericAnswer(number.real, fewest, value, most, reading)


def _evaluated(value) -> complex:
    """The value with the checker's own 30-digit evaluation, which refuses magnitudes beyond
    10^1200 at once (sympy's evalf would compute exp(exp(exp(exp(e)))) until the time limit)."""
    with mpmath.workdps(30):
        try:
            return complex(evaluate(value, {}))
        except Overflow:
            raise UnsafeInput(f"too large: the number is {short(value)}, beyond what can be compared") from None
        except Undefined:
            raise AnswerError("the answer is undefined (a division by zero or a log of 0?)") from None


_SIDES = re.compile(r"^\s*\(?\s*(\d+)\s*(?:×|x|X|\*|\\times|by|,)\s*(\d+)\s*\)?\s*(?:pixels?|px)?\s*$")


def square_side(text: str) -> str:
    """A square map's size as students write it, '7 × 7', '7x7', '7 by 7' or '(7, 7)', as its side
    '7'; other text unchanged. Unequal sides cannot be the side of a square, so they are refused."""
    m = _SIDES.match(text.replace("−", "-"))
    if not m:
        return re.sub(r"\s*(?:pixels?|px)\s*$", "", text)
    if m.group(1) != m.group(2):
        raise AnswerError(f"the map is square: give its side once, not {m.group(1)} × {m.group(2)}")
    return m.group(1)


def _without_unit(text: str, unit: str) -> tuple[str, sp.Rational]:
    """The number without a trailing unit ('nats', 'bits', the part's own) or '%' (a hundredth)."""
    stripped = text.strip()
    if stripped.endswith("%") and unit.strip() != "%":
        return stripped[:-1], sp.Rational(1, 100)
    words = {w.lower() for w in _UNITS} | ({unit.strip().lower()} if unit.strip() else set())
    for word in sorted(words, key=len, reverse=True):
        if stripped.lower().endswith(word) and stripped[: -len(word)].rstrip()[-1:].isdigit():
            return stripped[: -len(word)], sp.Integer(1)
    return text, sp.Integer(1)


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


def accepted_interval(expected: float, tolerance: dict) -> tuple[Fraction, Fraction]:
    """The closed interval of values `judge` marks correct (given enough figures): the key ± its
    abs/rel tolerance, joined with every value that rounds as the key does at `sigfigs` figures.
    Exports whose numeric answers are intervals (QTI) or key ± width (Moodle) take theirs from it."""
    key = as_fraction(expected)
    if _whole_number(key, tolerance):
        return key, key
    width = max(as_fraction(tolerance.get("abs", 0.0)), as_fraction(tolerance.get("rel", 0.0)) * abs(key))
    low, high = key - width, key + width
    figures = tolerance.get("sigfigs")
    if figures and key != 0:
        for rounded in roundings(key, figures):
            cell_low, cell_high = _rounding_cell(rounded, figures)
            low, high = min(low, cell_low), max(high, cell_high)
    return low, high


def _rounding_cell(rounded: Fraction, figures: int) -> tuple[Fraction, Fraction]:
    """The values that round to `rounded` at `figures` significant figures, half away from zero
    as `_same_rounding` rounds an answer: the lower end is in, the upper one just out (a hair
    below the 15th figure is taken off, so that written ends stay inside)."""
    if rounded < 0:
        low, high = _rounding_cell(-rounded, figures)
        return -high, -low
    unit = Fraction(10) ** (_exponent(rounded) - figures + 1)
    below = unit / 10 if rounded == Fraction(10) ** _exponent(rounded) else unit  # 1.00 is reached from 0.9995
    return rounded - below / 2, rounded + unit / 2 - Fraction(10) ** (_exponent(rounded) - 15)


def decimal_inside(x: Fraction, figures: int, up: bool) -> str:
    """`x` written with at most `figures` significant figures, rounded toward the inside of an
    interval (up for a lower end, down for an upper one), so the written end is still accepted."""
    if x == 0:
        return "0"
    shift = _exponent(x) - figures + 1
    scaled = x / Fraction(10) ** shift
    n = math.ceil(scaled) if up else math.floor(scaled)
    return f"{float(Fraction(n) * Fraction(10) ** shift):.{figures}g}"


def tolerance_width(expected: float, tolerance: dict, center: str | None = None) -> Fraction:
    """The largest w with center ± w inside `accepted_interval`, for exports whose numeric answers
    are a written key ± width (Moodle); the center defaults to the key itself."""
    middle = Fraction(center) if center is not None else as_fraction(expected)
    low, high = accepted_interval(expected, tolerance)
    return max(Fraction(0), min(middle - low, high - middle))


def _within(key: Fraction, given: Fraction, tolerance: dict) -> bool:
    width = max(as_fraction(tolerance.get("abs", 0.0)), as_fraction(tolerance.get("rel", 0.0)) * abs(key))
    return abs(given - key) <= width


def judge(expected: float, answer: NumericAnswer, tolerance: dict | None) -> tuple[str, str]:
    """('correct' | 'imprecise' | 'incorrect', message)."""
    tolerance = tolerance or DEFAULT_TOLERANCE
    if _far(expected, answer, tolerance):
        return "incorrect", "incorrect"
    key, given, figures = as_fraction(expected), answer.exact, answer.sigfigs
    needed = tolerance.get("sigfigs")
    if abs(given - key) <= _SAME * abs(key):
        return "correct", "correct"
    if _whole_number(key, tolerance):
        return "incorrect", "incorrect"  # a count or a size: only the whole number itself is right
    enough = figures is None or needed is None or answer.figure_range[-1] >= needed
    rounds_at = [f for f in answer.figure_range if given in roundings(key, f)]  # the key rounded, to f figures
    rounded_enough = any(f >= needed for f in rounds_at) if needed else False
    if enough and (
        _within(key, given, tolerance) or (needed and (rounded_enough or _same_rounding(key, given, needed)))
    ):
        return "correct", "correct (within tolerance)"
    if rounds_at:
        figures = rounds_at[-1]
        if needed and figures < needed:
            return "imprecise", f"right to {figures} significant figure(s); give at least {needed}"
        return "imprecise", f"right to {figures} significant figure(s); carry more digits through the calculation"
    return "incorrect", "incorrect"


def figures_asked(expected: float, tolerance: dict | None) -> int | None:
    """The significant figures `judge` requires for this key, where they matter, so that every
    surface can say so: None for a whole-number size and for a key exact at those figures (0.2)."""
    tolerance = tolerance or DEFAULT_TOLERANCE
    needed, key = tolerance.get("sigfigs"), as_fraction(expected)
    if not needed or _whole_number(key, tolerance) or key in roundings(key, needed):
        return None
    return needed


def _far(expected: float, answer: NumericAnswer, tolerance: dict) -> bool:
    """A cheap float test that no rule below can accept the answer, not even as imprecise: each
    accepts at most the tolerance, one unit in the last of `sigfigs` places, or half a unit in the
    last place the answer gives. Most slips and misconceptions a wrong answer is compared with end
    here, before exact arithmetic."""
    key, needed, figures = abs(expected), tolerance.get("sigfigs"), answer.sigfigs
    reach = max(
        tolerance.get("abs", 0.0),
        tolerance.get("rel", 0.0) * key,
        key * 10.0 ** (1 - needed) if needed else 0.0,
        0.5 * key * 10.0 ** (1 - figures) if figures else 0.0,
    )
    return abs(answer.value - expected) > 1.01 * reach + 1e-300


def _whole_number(key: Fraction, tolerance: dict) -> bool:
    """A count or a size: an integer key whose only tolerance is 'the nearest whole number'."""
    return key.denominator == 1 and set(tolerance) == {"abs"} and 0.5 <= tolerance["abs"] < 1


def _same_rounding(key: Fraction, given: Fraction, figures: int) -> bool:
    """The answer, rounded half away from zero as a student rounds, is the key rounded (either
    neighbour when the key lies exactly half-way): 0.14295 is 0.1430, not 1/7's 0.1429."""
    return max(roundings(given, figures), key=abs) in roundings(key, figures)


def written(x: Fraction, figures: int) -> str:
    """`x` as a student writes it to `figures` figures, without an exponent: 0.15, 15, 1000."""
    return format(Decimal(f"{float(x):.{figures - 1}e}"), "f")


def half_credit_answers(expected: float, tolerance: dict | None) -> list[tuple[float, int]]:
    """(value, figures): the key rounded to too few figures, each of which `judge` marks
    'imprecise'. Exports that can only list answers (Moodle) list these at half credit, so they
    apply the same rule as the checker."""
    tolerance = tolerance or DEFAULT_TOLERANCE
    key, found = as_fraction(expected), []
    for figures in range(1, 16):
        for rounded in sorted(roundings(key, figures)):
            status = judge(expected, read_number(written(rounded, figures)), tolerance)[0]
            if status == "correct":
                return found
            if status == "imprecise" and all(value != float(rounded) for value, _ in found):
                found.append((float(rounded), figures))
    return found
