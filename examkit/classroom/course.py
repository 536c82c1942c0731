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
ROSTER_CLAIMS = ("sub", "person_sourcedid", "email")  # what of an LTI launch names the member (lti.py reads it)


@dataclass(frozen=True)
class Member:
    id: str  # the key of the member's rows in the store (a student number, an LMS user id)
    name: str
    email: str = ""


@dataclass(frozen=True)
class Platform:
    """An LMS (Canvas, Moodle) registered to launch the tool with LTI 1.3, as its admin page lists it."""

    issuer: str
    client_id: str
    deployment_ids: tuple[str, ...]
    auth_login_url: str  # where the OIDC authentication request goes
    auth_token_url: str  # the platform's OAuth2 token URL (for its services; a launch does not use it)
    key_set: dict | None = None  # its public keys as a JWKS, read from a file: never fetched at launch
    public_key: str = ""  # or its one public key (PEM), whatever `kid` its tokens name


@dataclass
class Lti:
    """Sign-in from an LMS: the platforms trusted, the tool's own key, and how a launch names a member."""

    platforms: list[Platform]
    tool_key: str = field(repr=False)  # the tool's private key (PEM); its public half is at /lti/jwks
    roster_claim: str = "sub"  # one of ROSTER_CLAIMS


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
    lti: Lti | None = None  # sign-in from an LMS, where CLASS.yaml has an `lti:` section
    _students: dict = field(init=False, repr=False)
    _instructors: dict = field(init=False, repr=False)
    _emails: dict = field(init=False, repr=False)

    def __post_init__(self):
        self._students = {m.id: m for m in self.students}
        self._instructors = {m.id: m for m in self.instructors}
        self._emails = {m.email.lower(): m for m in [*self.students, *self.instructors] if m.email}

    def member(self, member_id) -> Member | None:
        """Anyone who may sign in: an instructor or a student on the roster."""
        return self.instructor(member_id) or self.student(member_id)

    def student(self, member_id) -> Member | None:
        return self._students.get(member_id) if isinstance(member_id, str) else None

    def instructor(self, member_id) -> Member | None:
        return self._instructors.get(member_id) if isinstance(member_id, str) else None

    def member_by_email(self, email) -> Member | None:
        """The member with this e-mail address (config.py refuses an address listed twice where
        launches name members by e-mail)."""
        return self._emails.get(email.strip().lower()) if isinstance(email, str) and email.strip() else None
