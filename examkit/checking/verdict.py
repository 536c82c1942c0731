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

    @property
    def correct(self) -> bool:
        return self.status == "correct"

    def to_json(self) -> dict:
        return asdict(self)
