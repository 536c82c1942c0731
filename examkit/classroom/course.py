"""A course as class mode serves it: who may sign in (the roster, the instructors), what they
practise (the bank, the mocks) and toward what (the exam date), and where progress is kept (one
database for every student). Read from CLASS.yaml; the server, the sign-in links and the
instructor's dashboard all take this one object."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Member:
    id: str  # the key of the member's rows in the store (a student number, an LMS user id)
    name: str
    email: str = ""


@dataclass
class Course:
    title: str
    database: str  # a SQLAlchemy URL (postgresql://...) or, for a trial run, an SQLite file
    students: list[Member]
    instructors: list[Member]
    bank: object  # bank.loader.Bank, with its merged syllabus (bank.syllabus)
    exam_date: date | None = None
    mocks: list[str] = field(default_factory=list)  # bundled mock names or spec paths, offered first

    def student(self, member_id: str) -> Member | None:
        return next((m for m in self.students if m.id == member_id), None)

    def instructor(self, member_id: str) -> Member | None:
        return next((m for m in self.instructors if m.id == member_id), None)
