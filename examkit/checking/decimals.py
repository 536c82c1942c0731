"""Is a wrong expression only the right one with an exact constant typed as a rounded decimal?

`(V + 1.386294)/2` for `(V + log 4)/2` is not equal to the key, but the student's mistake is one
of form, not of understanding, and they should be told so. The test: at sampled points, the gap
to the key is no larger than what rounding the typed decimals could cause. Each decimal is nudged
by half a unit in its last place to measure that, so no derivative or symbolic work is needed.
"""

from __future__ import annotations

import random

import mpmath

from .equivalence import Variables
from .evaluate import Undefined, evaluate
from .parse import AnswerError, normalize, parse_math
from .tokens import tokenize

_POINTS = 8


def decimal_literals(text: str) -> list[tuple[int, int, str]]:
    """(start, end, text) of every typed number with digits after its point, in the normalized text."""
    found = []
    for token in tokenize(text)[:-1]:  # positions refer to the normalized text
        if token.kind == "num" and "." in token.text:
            mantissa = token.text.split("e")[0].split("E")[0]
            if mantissa.rstrip("0").split(".")[1:] != [""]:  # 2.0 is a whole number
                found.append((token.pos, token.pos + len(token.text), token.text))
    return found


def _nudged(text: str, literal: tuple[int, int, str]) -> str:
    """The text with one decimal moved up by half a unit in its last place."""
    start, end, number = literal
    mantissa, _, exponent = number.replace("E", "e").partition("e")
    places = len(mantissa.split(".")[1])
    value = mpmath.mpf(mantissa) + mpmath.mpf(5) / mpmath.mpf(10) ** (places + 1)
    shifted = mpmath.nstr(value, places + 25, strip_zeros=False)
    return text[:start] + "(" + shifted + (f"e{exponent}" if exponent else "") + ")" + text[end:]


def only_rounded(expected, answer_text: str, symbols: dict, variables: Variables) -> bool:
    """True when the answer misses the key only by the rounding of its typed decimals."""
    text = normalize(answer_text)
    literals = decimal_literals(answer_text)
    if not literals:
        return False
    try:
        answer = parse_math(text, symbols, allow_new_symbols=False)
        nudged = [parse_math(_nudged(text, lit), symbols, allow_new_symbols=False) for lit in literals]
    except AnswerError:
        return False
    syms = sorted(expected.free_symbols | answer.free_symbols, key=lambda s: s.name)
    rng, agreed = random.Random(20240603), 0
    with mpmath.workdps(40):
        for _ in range(10 * _POINTS):
            point = {s: mpmath.mpf(repr(variables.domain_of(s).sample(rng))) for s in syms}
            try:
                want, got = evaluate(expected, point), evaluate(answer, point)
                reach = sum(abs(evaluate(n, point) - got) for n in nudged)
            except Undefined:  # undefined here: try another point
                continue
            if abs(want - got) > 1.5 * reach + mpmath.mpf("1e-30"):
                return False
            agreed += 1
            if agreed >= _POINTS:
                return True
    return False
