"""`short`: a written answer, marked by a person against the rubric (the checker only validates it)."""

from __future__ import annotations

from ..checking.parse import AnswerError
from ..checking.verdict import Verdict
from .base import PartType

MAX_LENGTH = 20_000


class Short(PartType):
    name = "short"
    response = "text"

    def build(self, template, spec, context, rng, path, part) -> None:
        part.rubric = [
            {"points": r["points"], "criterion": template.render(r["criterion"], context, path + ("rubric", j))}
            for j, r in enumerate(spec["rubric"])
        ]
        part.answer_text = template.render(spec["model_answer"], context, path + ("model_answer",))

    def check(self, variant, part, answer) -> Verdict:
        text = str(answer)
        if not text.strip():
            raise AnswerError("empty answer")
        if len(text) > MAX_LENGTH:
            raise AnswerError(f"answer is too long (limit {MAX_LENGTH} characters)")
        rubric = [f"[{r['points']}] {r['criterion']}" for r in part.rubric]
        message = "needs manual marking against the rubric"
        return Verdict("manual", 0.0, part.points, message, feedback=rubric, details={"model_answer": part.answer_text})


PART = Short()
