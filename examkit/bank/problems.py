"""A problem in a bank file, tied to its `file:line`, and the error that carries a list of them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self):
        return f"{self.file}:{self.line}: {self.message}"


class Problems(Exception):
    """An error that is a list of `Problem`s, its message one `file:line: message` per line (a bad
    bank, exam spec or CLASS.yaml is reported whole, not at its first mistake)."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class BankError(Problems):
    """Question files (or their syllabus) that cannot be used."""
