"""One part's mark for one student: what every output of `exam grade` (grades, feedback, the
marking sheet, item statistics, gradebooks) is written from."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Mark:
    student_id: str
    number: int
    qid: str
    part: str
    label: str
    answer: str
    status: str
    score: float
    max_score: float
    message: str
    misconception: str | None
    feedback: list
    chosen: list = field(default_factory=list)  # texts of the options picked, for the distractor tables
    options: dict = field(default_factory=dict)  # a choice part's option texts -> correct


UNMARKED = "unmarked"  # a part a person marks, with no marker score yet: never counted as a blank


def printed(number, label) -> str:
    """A part as the paper prints it: Q3(b), or Q3 for a one-part question."""
    return f"Q{number}({label})" if label else f"Q{number}"
