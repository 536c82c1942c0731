"""`short`: a written answer, marked by a person against the rubric (the checker only validates it)."""

from __future__ import annotations

from ..checking.parse import AnswerError
from ..checking.verdict import Verdict
from .base import PartType, Response
from .fields import LINES, NUMBER, TEXT

MAX_LENGTH = 20_000
ANSWER_LINES = 5  # ruled lines of answer space, unless the part says `lines:`


class Short(PartType):
    name = "short"
    response = Response.TEXT
    fields = {
        "rubric": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"points": NUMBER, "criterion": TEXT},
                "required": ["points", "criterion"],
                "additionalProperties": False,
            },
            "minItems": 1,
        },
        "model_answer": TEXT,
        "lines": LINES,
    }
    required = ("rubric", "model_answer")

    def build(self, template, spec, context, rng, path, part) -> None:
        part.lines = spec.get("lines", ANSWER_LINES)
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


def self_marked(rubric, marks: dict, points: float) -> Verdict:
    """The student's own mark of a written answer (drill, practice app, mock exams): `marks` maps a
    rubric item's index to the share of it the answer made (1, 0.5 or 0); capped at the part's points."""
    from ..markup.numbers import format_number

    earned = min(points, sum(float(r["points"]) * marks.get(i, 0.0) for i, r in enumerate(rubric)))
    status = "correct" if earned >= points else ("partial" if earned > 0 else "incorrect")
    message = (
        f"self-marked: {format_number(earned)} of {format_number(points)} points against {len(rubric)} rubric items"
    )
    return Verdict(status, earned, points, message)


def ticked(values, rubric) -> dict:
    """Rubric item indices ticked in a form (strings, untrusted) as marks for `self_marked`."""
    return {int(v): 1.0 for v in values if str(v).isdigit() and int(v) < len(rubric)}


PART = Short()
