"""The result of checking one answer to one part: what a student, a grade book and a script read."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from functools import cached_property

from .echo import interpretation


class Status(StrEnum):
    """A verdict's status (a str: stored, printed and compared as text)."""

    CORRECT = "correct"
    IMPRECISE = "imprecise"  # right, but rounded more than the question allows
    PARTIAL = "partial"
    INCORRECT = "incorrect"
    INVALID = "invalid"  # unreadable
    UNSAFE = "unsafe"  # too large, too long, or code
    MANUAL = "manual"  # a person marks it


STATUSES = tuple(Status)
# The checker could not (or would not) read the answer: no verdict on it, so nothing is recorded
# or revealed, and the student is asked to write it again.
REFUSED = (Status.INVALID, Status.UNSAFE)


@dataclass
class Verdict:
    status: str
    score: float
    max_score: float
    message: str
    misconception: str | None = None
    feedback: list = field(default_factory=list)
    details: dict = field(default_factory=dict)
    # The parsed answer (a sympy value), for typed math answers; None otherwise.
    understood: object = field(default=None, repr=False, compare=False)

    @property
    def correct(self) -> bool:
        return self.status == "correct"

    @property
    def refused(self) -> bool:
        return self.status in REFUSED

    @cached_property
    def interpreted(self) -> dict | None:
        """What the checker understood the answer to be (STACK's "your answer was interpreted as"):
        {"text": plain math, "latex": LaTeX}. Printed on demand: batch grading never pays for it."""
        return None if self.understood is None else interpretation(self.understood)

    def to_json(self) -> dict:
        data = asdict(replace(self, understood=None))  # the sympy value is shown as `interpreted`
        del data["understood"]
        data["interpreted"] = self.interpreted
        return data
