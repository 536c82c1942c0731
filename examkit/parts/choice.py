"""`choice` and `diagnosis`: option letters, with per-option feedback and partial credit.

A diagnosis is a choice about a training scenario (usually with a figure) whose default is
"select all that apply"; both are checked the same way."""

from __future__ import annotations

from ..checking.choice import read_letters, score_fraction
from ..checking.verdict import Verdict
from .base import PartType, Response
from .fields import OPTION

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _truthy(text: str) -> bool:
    return text.strip().lower() in ("true", "1", "yes")


class Choice(PartType):
    response = Response.OPTIONS
    fields = {
        "select": {"enum": ["single", "multiple"]},
        "partial": {"enum": ["all_or_nothing", "right_minus_wrong", "per_option"]},
        "sample": {"type": "integer", "minimum": 2},
        "shuffle": {"type": "boolean"},
        "options": {"type": "array", "items": OPTION, "minItems": 2},
    }
    required = ("options",)

    def __init__(self, name: str, default_select: str, default_partial: dict):
        self.name = name
        self.default_select = default_select
        self.default_partial = default_partial  # select -> partial-credit mode

    def build(self, template, spec, context, rng, path, part) -> None:
        part.select = spec.get("select", self.default_select)
        part.partial = spec.get("partial", self.default_partial[part.select])
        part.options = self.options(template, spec, context, rng, path, select=part.select)
        part.answer = [o.letter for o in part.options if o.correct]
        part.answer_text = ", ".join(part.answer)

    def options(self, template, spec, context, rng, path, select):
        """The variant's options: those whose `when` holds, sampled (`sample: n`) and shuffled."""
        candidates = []
        for j, opt in enumerate(spec["options"]):
            where = path + ("options", j)
            if "when" in opt and not _truthy(template.render(opt["when"], context, where + ("when",))):
                continue
            correct = opt["correct"]
            if isinstance(correct, str):
                correct = _truthy(template.render(correct, context, where + ("correct",)))
            text = template.render(opt["text"], context, where + ("text",))
            feedback = template.render(opt["feedback"], context, where + ("feedback",))
            candidates.append(template.option(str(j), text, correct, feedback, opt.get("role", "other")))
        single = select == "single" and self.name == "choice"  # a diagnosis may name several causes
        if "sample" in spec and spec["sample"] < len(candidates):
            right = [o for o in candidates if o.correct]
            wrong = [o for o in candidates if not o.correct]
            n = spec["sample"]
            if single:
                keep = [rng.choice(right)] + rng.sample(wrong, min(n - 1, len(wrong)))
            else:
                n_right = max(1, min(len(right), rng.randint(1, max(1, n - 1))))
                keep = rng.sample(right, n_right) + rng.sample(wrong, min(n - n_right, len(wrong)))
            candidates = [o for o in candidates if o in keep]
        if not any(o.correct for o in candidates):
            template.fail("no option is correct for this variant", path + ("options",))
        if single and sum(o.correct for o in candidates) != 1:
            template.fail("single-select part must have exactly one correct option", path + ("options",))
        if spec.get("shuffle", True):
            rng.shuffle(candidates)
        for letter, option in zip(LETTERS, candidates):
            option.letter = letter
        return candidates

    def check(self, variant, part, answer) -> Verdict:
        letters = [o.letter for o in part.options]
        chosen = read_letters(str(answer), letters, part.select)
        correct = {o.letter for o in part.options if o.correct}
        mode = part.partial
        fraction = score_fraction(set(chosen), correct, letters, mode)
        feedback = []
        for o in part.options:
            if o.letter in chosen:
                feedback.append(f"{o.letter} ({'right' if o.correct else 'wrong'}): {o.feedback}")
            elif o.correct:
                feedback.append(f"{o.letter} (missed): {o.feedback}")
        status = "correct" if fraction == 1.0 else ("partial" if fraction > 0 else "incorrect")
        message = {"correct": "correct", "partial": "partly correct", "incorrect": "incorrect"}[status]
        details = {"chosen": chosen, "correct": sorted(correct), "mode": mode}
        return Verdict(
            status, round(part.points * fraction, 4), part.points, message, feedback=feedback, details=details
        )

    def own_answer(self, part) -> str:
        return ", ".join(part.answer)


CHOICE = Choice("choice", "single", {"single": "all_or_nothing", "multiple": "right_minus_wrong"})
DIAGNOSIS = Choice("diagnosis", "multiple", {"single": "per_option", "multiple": "per_option"})
