"""The result of checking one answer to one part: what a student, a grade book and a script read."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

STATUSES = ("correct", "imprecise", "partial", "incorrect", "invalid", "unsafe", "manual")


@dataclass
class Verdict:
    status: str
    score: float
    max_score: float
    message: str
    misconception: str | None = None
    feedback: list = field(default_factory=list)
    details: dict = field(default_factory=dict)
    # What the checker understood the answer to be (STACK's "your answer was interpreted as"):
    # {"text": plain math, "latex": LaTeX}, for typed math answers; None otherwise.
    interpreted: dict | None = None

    @property
    def correct(self) -> bool:
        return self.status == "correct"

    def to_json(self) -> dict:
        return asdict(self)
