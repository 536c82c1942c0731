"""`derivation`: steps from a printed start to a target, each following from the one before.

Credit is for work between the printed start and the target: a model solution with intermediate
steps means the target alone (or start and target) is not a derivation."""

from __future__ import annotations

from ..checking.derivation import check_derivation
from ..checking.parse import parse_math
from ..checking.verdict import Verdict
from .base import Response, student_symbols
from .expression import Expression
from .fields import MATH

STEP_CREDIT = 0.5  # the share of the points that valid steps earn when the target is not reached


class Derivation(Expression):
    """Built like an expression (the target is its key), plus the printed start and model steps."""

    name = "derivation"
    response = Response.STEPS
    fields = Expression.fields | {"start": MATH, "steps": {"type": "array", "items": MATH, "minItems": 1}}
    required = ("answer", "start", "steps")
    answer_lines = 8  # lines of the answer box, unless the part says `lines:`

    def build(self, template, spec, context, rng, path, part) -> None:
        super().build(template, spec, context, rng, path, part)

        def written(text, where):  # a parameter named in a line is written as its value, as in the key
            return template.written_out(template.render(text, context, where), context, part.variables)

        part.start = written(spec["start"], path + ("start",))
        part.steps = [written(s, path + ("steps", j)) for j, s in enumerate(spec["steps"])]

    def check(self, variant, part, answer) -> Verdict:
        symbols = student_symbols(variant, part)
        start = parse_math(part.start, symbols, allow_new_symbols=False)
        result = check_derivation(start, part.answer, answer, part.variables, symbols, part.unknown or None)
        details = {"first_bad_step": result.first_bad_step, "steps": result.steps, "work": result.work}
        needs_work = len(part.steps) > 1
        if result.ok and (result.work or not needs_work):
            return Verdict("correct", part.points, part.points, result.message, details=details)
        if result.ok:
            message = "only the given start and the target: show the steps that lead from one to the other"
            return Verdict("incorrect", 0.0, part.points, message, details=details)
        if result.first_bad_step is None:  # all steps valid, target not reached
            score = part.points * STEP_CREDIT if result.work else 0.0
            return Verdict("partial" if score else "incorrect", score, part.points, result.message, details=details)
        score = part.points * STEP_CREDIT * result.work / max(result.steps, 1)
        return Verdict("partial" if score > 0 else "incorrect", score, part.points, result.message, details=details)

    def own_answer(self, part) -> str:
        return "\n".join(part.steps)


PART = Derivation()
