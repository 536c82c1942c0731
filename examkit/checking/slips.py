"""Generic slips: the mistakes any computed answer invites, diagnosed without per-question YAML.

A wrong answer that equals the key after one of these transformations gets that slip's feedback:
a sign, a factor 2 or ½, the reciprocal, log base 10 or 2 for the natural log, and (where the part
declares `dimension:`, the parameter that counts what is summed) a sum for a mean or a mean for a
sum. Named misconceptions in the bank are tried first; a slip that coincides with the key itself is
never offered.

A generic slip never contradicts a more specific reading. Where the key is a count out of n (the
part declares `fraction_of: n`, e.g. modes covered out of 8), every m/n is first of all a miscount:
such answers get the miscount feedback, and no slip whose value is some m/n is offered (2/8 for a
key of 1/8 is one mode too many, not "a factor ½ missing").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import sympy as sp

LN10 = math.log(10)
LN2 = math.log(2)


@dataclass(frozen=True)
class Slip:
    name: str
    feedback: str


SIGN = Slip("sign", "The size is right but the sign is not: check each minus sign.")
DOUBLE = Slip("factor_two", "Your answer is twice the expected one: is a factor ½ missing?")
HALF = Slip("factor_half", "Your answer is half the expected one: was a factor 2 dropped?")
RECIPROCAL = Slip("reciprocal", "Your answer is the reciprocal of the expected one: numerator and denominator swapped?")
LOG10 = Slip("log10", "It looks like a base-10 logarithm was used; the natural logarithm (ln) is meant.")
LOG2 = Slip("log2", "It looks like a base-2 logarithm (bits) was used; the natural logarithm (ln, nats) is meant.")
MISCOUNT = Slip(
    "miscount", "That is {m} of the {n}, a different count: recount, using the question's definition of what counts."
)
# Said without assuming which of the two the key is (a part declares only the count): both always true.
SUM_FOR_MEAN = Slip(
    "sum_for_mean",
    "Your answer is {n} times the expected one: check whether the question sums or averages over the {n} items.",
)
MEAN_FOR_SUM = Slip(
    "mean_for_sum",
    "Your answer is 1/{n} of the expected one: check whether the question sums or averages over the {n} items.",
)


def _mentions_log(part) -> bool:
    """Whether the key involves a logarithm: its formula, or (for a derived key) its prompt or solution."""
    text = f"{part.formula} {part.prompt} {part.solution}"
    return "log" in text or "ln" in text


def numeric_slips(part, context) -> list[tuple[Slip, float]]:
    """(slip, the value a student who made it would give) for a numeric part's key."""
    key = float(part.answer)
    found = []
    if key != 0:
        found += [(SIGN, -key), (DOUBLE, 2 * key), (HALF, key / 2)]
        if abs(abs(key) - 1) > 1e-9:
            found.append((RECIPROCAL, 1 / key))
        if _mentions_log(part):
            found += [(LOG10, key / LN10), (LOG2, key / LN2)]
    n = _dimension(part, context)
    if n and n != 1 and key != 0:
        found += [(_named(SUM_FOR_MEAN, n), key * n), (_named(MEAN_FOR_SUM, n), key / n)]
    total = _count(part, context)
    if total:
        counts = {m: m / total for m in range(total + 1)}
        found = [(slip, v) for slip, v in found if not any(math.isclose(v, c, abs_tol=1e-9) for c in counts.values())]
        found = [(_miscount(m, total), c) for m, c in counts.items() if not math.isclose(c, key, abs_tol=1e-9)] + found
    return found


def expression_slips(part, context) -> list[tuple[Slip, sp.Expr]]:
    """(slip, the expression a student who made it would give) for an expression part's key."""
    key = part.answer
    if not isinstance(key, sp.Expr) or key == 0:
        return []
    found = [(SIGN, -key), (DOUBLE, 2 * key), (HALF, key / 2)]
    if key not in (1, -1):
        found.append((RECIPROCAL, 1 / key))
    if key.has(sp.log):
        for slip, base in ((LOG10, 10), (LOG2, 2)):
            found.append((slip, key.replace(sp.log, lambda arg, b=base: sp.log(arg) / sp.log(b))))
    n = _dimension(part, context)
    if n and n != 1:
        found += [(_named(SUM_FOR_MEAN, n), key * n), (_named(MEAN_FOR_SUM, n), key / n)]
    return found


def _dimension(part, context):
    name = part.dimension
    if not name:
        return None
    value = context.get(name)
    try:
        return int(value) if float(value).is_integer() else float(value)
    except (TypeError, ValueError):
        return None


def _count(part, context) -> int | None:
    """The whole number n of a part whose key is a count out of n (`fraction_of:`)."""
    value = context.get(part.fraction_of) if part.fraction_of else None
    try:
        return int(value) if value is not None and float(value).is_integer() and int(value) > 0 else None
    except (TypeError, ValueError):
        return None


def _named(slip: Slip, n) -> Slip:
    return Slip(slip.name, slip.feedback.format(n=n))


def _miscount(m: int, n: int) -> Slip:
    return Slip(MISCOUNT.name, MISCOUNT.feedback.format(m=m, n=n))
