"""`numeric`: one number, judged with a tolerance; named misconceptions, then generic slips."""

from __future__ import annotations

from ..checking.numeric import DEFAULT_TOLERANCE, judge, read_number
from ..checking.slips import numeric_slips
from ..checking.verdict import Verdict
from .base import Computed, mistake_verdict, numeric_symbols
from .fields import COMPUTED, TEXT, TOLERANCE

IMPRECISE_CREDIT = 0.5


class Numeric(Computed):
    name = "numeric"
    response = "number"
    fields = COMPUTED | {"unit": TEXT, "tolerance": TOLERANCE}

    def build(self, template, spec, context, rng, path, part) -> None:
        super().build(template, spec, context, rng, path, part)
        part.tolerance = spec.get("tolerance") or DEFAULT_TOLERANCE

    def value(self, template, text, context, path, variables):
        return template.numeric_value(text, context, path)

    def check(self, variant, part, answer) -> Verdict:
        number = read_number(str(answer), numeric_symbols(variant), part.unit)
        verdict = self.judge(part, number, variant.context)
        verdict.understood = number.expr
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
        return Verdict("imprecise", part.points * IMPRECISE_CREDIT, part.points, message, details=details)

    def own_answer(self, part) -> str:
        return repr(part.answer)

    def misconception_answer(self, part, misconception) -> str:
        return repr(misconception.value)


PART = Numeric()
