"""`numeric`: one number, judged with a tolerance; named misconceptions, then generic slips."""

from __future__ import annotations

import re

from ..checking.numeric import DEFAULT_TOLERANCE, figures_asked, judge, read_number, square_side
from ..checking.slips import numeric_slips
from ..checking.verdict import Verdict
from .base import Computed, Response, mistake_verdict, numeric_symbols
from .fields import COMPUTED, NAME, TEXT, TOLERANCE

IMPRECISE_CREDIT = 0.5


class Numeric(Computed):
    name = "numeric"
    response = Response.NUMBER
    # square: the answer is the side of a square feature map, so '7 × 7' and '7x7' read as 7
    # fraction_of: the key is a count out of this parameter, so any m/n reads as a miscount
    # half_credit: false gives a key rounded to too few figures nothing, not half the points
    fields = COMPUTED | {
        "unit": TEXT,
        "tolerance": TOLERANCE,
        "square": {"type": "boolean"},
        "fraction_of": NAME,
        "half_credit": {"type": "boolean"},
    }

    def build(self, template, spec, context, rng, path, part) -> None:
        super().build(template, spec, context, rng, path, part)
        part.tolerance = spec.get("tolerance") or DEFAULT_TOLERANCE
        part.half_credit = spec.get("half_credit", True)
        needed = figures_asked(part.answer, part.tolerance)  # said in the prompt: no hidden requirement
        if needed and not re.search(r"significant figure|s\.f\.", part.prompt, re.I):
            part.prompt = f"{part.prompt} Give at least {needed} significant figures.".strip()

    def value(self, template, text, context, path, variables):
        return template.numeric_value(text, context, path)

    def check(self, variant, part, answer) -> Verdict:
        text = square_side(str(answer)) if part.spec.get("square") else str(answer)
        number = read_number(text, numeric_symbols(variant), part.unit)
        verdict = self.judge(part, number, variant.context)
        verdict.understood = number.reading
        return verdict

    def judge(self, part, number, context) -> Verdict:
        tolerance = part.tolerance
        status, message = judge(part.answer, number, tolerance)
        details = {"expected": part.answer, "given": number.value, "sigfigs": number.sigfigs}
        if status == "correct":
            return Verdict("correct", part.points, part.points, message, details=details)
        matches = lambda v: judge(v, number, tolerance)[0] == "correct"
        hit = mistake_verdict(part, numeric_slips(part, context), matches)
        if hit:
            hit.details = details
            return hit
        if status == "incorrect":
            return Verdict("incorrect", 0.0, part.points, message, details=details)
        if not part.half_credit:
            message = f"incorrect: {message} (a rounded answer earns nothing on this question)"
            return Verdict("incorrect", 0.0, part.points, message, details=details)
        return Verdict("imprecise", part.points * IMPRECISE_CREDIT, part.points, message, details=details)

    def own_answer(self, part) -> str:
        return repr(part.answer)

    def misconception_answer(self, part, misconception) -> str:
        return repr(misconception.value)


PART = Numeric()
