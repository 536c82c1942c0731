"""`choice` and `diagnosis`: option letters, with per-option feedback and partial credit.

A diagnosis is a choice about a training scenario (usually with a figure) whose default is
"select all that apply"; both are checked the same way."""

from __future__ import annotations

from ..checking.choice import read_letters, score_fraction
from ..checking.verdict import Verdict
from .base import PartType


class Choice(PartType):
    response = "options"

    def __init__(self, name: str, default_select: str, default_partial: dict):
        self.name = name
        self.default_select = default_select
        self.default_partial = default_partial  # select -> partial-credit mode

    def check(self, variant, part, answer) -> Verdict:
        letters = [o.letter for o in part.options]
        chosen = read_letters(str(answer), letters, part.select)
        correct = {o.letter for o in part.options if o.correct}
        mode = part.spec.get("partial", self.default_partial[part.select])
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
