"""A course as class mode serves it: who may sign in (the roster, the instructors), what they
practise (the bank, the mocks) and toward what (the exam date), where progress is kept (one
database for every student) and how the server guards it (the secret that signs links and
sessions, cookies, proxies, rate limits). Read from CLASS.yaml (config.py); the server, the
sign-in links and the instructor's dashboard all take this one object."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

LINK_DAYS = 14.0  # a sign-in link's lifetime unless CLASS.yaml or `class links --days` says otherwise
SESSION_DAYS = 30.0  # how long a browser stays signed in
CHECKS_PER_MINUTE = 30  # answer checks a student may ask for in a minute


@dataclass(frozen=True)
class Member:
    id: str  # the key of the member's rows in the store (a student number, an LMS user id)
    name: str
    email: str = ""


@dataclass
class Course:
    title: str
    database: str = field(
        repr=False
    )  # a SQLAlchemy URL (which may carry a password) (postgresql://...) or, for a trial, an SQLite file
    students: list[Member]
    instructors: list[Member]
    bank: object  # bank.loader.Bank, with its merged syllabus (bank.syllabus); None where not read
    exam_date: date | None = None
    mocks: dict = field(default_factory=dict)  # name -> study.mock.MockChoice: the only mocks offered
    secret: str = field(default="", repr=False)  # signs links and session cookies; never in CLASS.yaml
    link_days: float = LINK_DAYS
    session_days: float = SESSION_DAYS
    secure_cookies: bool = True  # the session cookie travels over HTTPS only
    proxies: int = 0  # reverse proxies in front whose X-Forwarded-* headers are trusted (ProxyFix)
    checks_per_minute: int = CHECKS_PER_MINUTE
    source: Path | None = None  # the CLASS.yaml it was read from
    _students: dict = field(init=False, repr=False)
    _instructors: dict = field(init=False, repr=False)

    def __post_init__(self):
        self._students = {m.id: m for m in self.students}
        self._instructors = {m.id: m for m in self.instructors}

    def member(self, member_id) -> Member | None:
        """Anyone who may sign in: an instructor or a student on the roster."""
        return self.instructor(member_id) or self.student(member_id)

    def student(self, member_id) -> Member | None:
        return self._students.get(member_id) if isinstance(member_id, str) else None

    def instructor(self, member_id) -> Member | None:
        return self._instructors.get(member_id) if isinstance(member_id, str) else None
