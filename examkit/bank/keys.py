"""Keys proved as printed: every form of a part's key that the outputs print (`parts/printed.py`),
and its worked solution's final value, typed back into the checker as a student would copy them.
`validate` refuses a template whose printed key or solution does not earn full marks, naming the
seed and the text, and, where the tolerance is the cause, the tolerance to widen."""

from __future__ import annotations

import re
from fractions import Fraction

from ..checking.numeric import DEFAULT_TOLERANCE, as_fraction, roundings, significant_figures
from ..parts.base import Response
from ..parts.check import check_answer
from ..parts.printed import printed_keys

SOLVED = (Response.NUMBER, Response.FORMULA)  # parts whose worked solution ends with `= value`
_MATH = re.compile(r"\$\$?(.+?)\$\$?", re.S)


def final_value(solution: str) -> str | None:
    """The final value of a worked solution: the right-hand side of the last `=` in the last
    `$...$` (or `$$...$$`) span that has one. Authors end the computation with `= value`."""
    spans = [s for s in _MATH.findall(solution) if "=" in s]
    if not spans:
        return None
    return spans[-1].rsplit("=", 1)[1].strip().rstrip(".,;")


def printed_answers(part) -> list[tuple[str, str, str]]:
    """(what, text, the YAML field it comes from): each printed key, then the solution's value
    (None where a solution has no final value)."""
    found = [(f"the key as {where} print it", text, "answer") for where, text in printed_keys(part)]
    if part.response in SOLVED and part.solution.strip():
        found.append(("the worked solution's final value", final_value(part.solution), "solution"))
    return found


def printed_key_problem(variant, part, own: str, proved: set, timeout: float) -> tuple[tuple[str, tuple] | None, int]:
    """((message, YAML path within the part) of the first printed answer that does not earn
    full marks, or None; answer checks made). `own`: the own answer, already checked; `proved`:
    (part, key, text) that earned full marks on an earlier seed, where the text is not typed again
    (seeds often draw the same key: this keeps `validate` fast)."""
    checks, typed = 0, {own}
    for what, text, field in printed_answers(part):
        if text is None:
            return (f"{what} is missing: end the worked solution with `$... = value$`", (field,)), checks
        known = (part.id, str(part.answer), str(part.definitions), text)
        if text in typed or known in proved:
            continue
        typed.add(text)
        verdict = check_answer(variant, part.id, text, timeout=timeout)
        checks += 1
        if verdict.status == "correct":
            proved.add(known)
            continue
        narrow = _narrower_tolerance(part, what, text)
        if narrow:
            fix = "widen it or print more figures" if field == "solution" else "widen it"
            where = field if field == "solution" or "tolerance" not in part.spec else "tolerance"
            return (f"{narrow}: {fix}", (where,)), checks
        return (f"{what}, {text!r}, is judged {verdict.status}: {verdict.message}", (field,)), checks
    return None, checks


def _narrower_tolerance(part, what: str, text: str) -> str | None:
    """Why a printed number misses the key, where the tolerance is the cause: the text is the key
    rounded to the figures it shows, so a tolerance that refuses it is narrower than half a unit
    in its last place, or asks for more figures than it has."""
    figures = significant_figures(text)
    if part.response != Response.NUMBER or figures is None:
        return None
    if Fraction(text.replace("−", "-")) not in roundings(as_fraction(part.answer), figures):
        return None  # not the key rounded: a wrong value, whatever the tolerance
    named = ", ".join(f"{name} {value:g}" for name, value in (part.tolerance or DEFAULT_TOLERANCE).items())
    return f"tolerance {named} is narrower than {what} ({figures} significant figures: {text})"
