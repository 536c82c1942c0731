"""A student's progress: every attempt, each question's Leitner box, mock exams and settings.

One store class on SQLAlchemy Core (the tables in tables.py) for two engines: an SQLite file for one
student, kept under the XDG data directory ($XDG_DATA_HOME/examkit/drill.sqlite, by default
~/.local/share/examkit/drill.sqlite) so progress survives reinstalls and is per user; or a PostgreSQL
URL (postgresql+psycopg://...) for a class, one database for every student. A store reads and writes
only its own student's rows (`student`; `for_student` gives another's view of the same database).
Opening one creates or migrates the schema (migrate.py). Every write is committed before it returns.
"""

from __future__ import annotations

import copy
import functools
import json
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, delete, exc, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url

from . import migrate
from .tables import attempts, boxes, finished_variants, mocks, settings

# Leitner boxes: a question answered right moves up a box and waits longer before it is due again;
# answered wrong, it goes back to box 1 and is due at once. Redoing a variant already finished (its
# solution seen) is practice, not evidence: it can send a question down, never up.
INTERVAL_DAYS = {1: 0.0, 2: 1.0, 3: 3.0, 4: 7.0, 5: 21.0}
TOP_BOX = max(INTERVAL_DAYS)
DAY_S = 86400.0
BUSY_S = 30.0  # how long an SQLite write waits for another one to finish
ME = "me"  # the student of a single-user store
ATTEMPT_KEYS = (
    "at",
    "session",
    "qid",
    "seed",
    "part",
    "objectives",
    "status",
    "score",
    "max_score",
    "hints",
    "answer",
    "misconception",
    "feedback",
)
MOCK_KEYS = ("id", "spec", "seed", "started", "minutes", "answers", "finished", "report")
UPSERT = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}  # INSERT ... ON CONFLICT, as each engine spells it


class ProgressError(Exception):
    """The progress database cannot be used; the message names the file (or the server's URL)."""


def default_path() -> Path:
    root = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(root) / "examkit" / "drill.sqlite"


def database_url(db=None) -> URL:
    """The URL of `db`: a file path (the default file when None), or a URL (sqlite:///..., or
    postgresql://... which is read with psycopg 3)."""
    text = str(db) if db else str(default_path())
    if "://" not in text:
        return URL.create("sqlite", database=text)
    try:
        url = make_url(text)
    except exc.ArgumentError:
        raise ProgressError(f"{text}: not a progress database URL (give a file, or postgresql+psycopg://...)") from None
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() not in UPSERT:
        raise ProgressError(f"{text}: not a progress database URL (give a file, or postgresql+psycopg://...)")
    return url


@dataclass
class BoxState:
    box: int
    due: float
    seen: int
    redo: bool = False  # this answer was to a variant done before, so it could not move the question up

    @property
    def note(self) -> str:
        """Why a right answer left the box where it was; shown by the drill and the practice app."""
        if not self.redo:
            return ""
        return "You had done this variant before, so it counts as practice: only a fresh variant moves a question up."


class ProgressStore:
    def __init__(self, db=None, writable: bool = True, student: str = ME):
        """`db`: a file path or a database URL (see database_url). `writable`: check now that answers
        can be saved (a read-only file fails here, before a session starts, not after the student's
        first answer)."""
        url = database_url(db)
        self.student = _checked_student(student)
        self.path = Path(url.database) if url.get_backend_name() == "sqlite" else None
        self.where = str(self.path) if self.path else url.render_as_string(hide_password=True)
        self._owner = True  # this object made the engine; views from for_student share it
        self._pinned = None  # the connection of a `pinned` block, while one runs
        try:
            if self.path:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self.engine = create_engine(url, connect_args={"timeout": BUSY_S})  # a pool of connections to the file
                if writable:  # readers never wait on a writer (the practice server's threads, a drill beside it)
                    with self.engine.connect() as connection:
                        connection.exec_driver_sql("PRAGMA journal_mode=WAL")
            else:
                self.engine = create_engine(url, pool_pre_ping=True)
            migrate.upgrade(self.engine, writable)
        except (OSError, exc.SQLAlchemyError) as error:
            hint = "move it aside or pass --db to use another file" if self.path else "check the URL and the server"
            raise ProgressError(f"{self.where}: cannot use this progress database ({_reason(error)}); {hint}") from None

    def for_student(self, student: str) -> ProgressStore:
        """The same database seen by another student: their rows only (one engine for a whole class)."""
        view = copy.copy(self)
        view.student, view._owner, view._pinned = _checked_student(student), False, None
        return view

    @contextmanager
    def pinned(self):
        """Every read and write of the block on one connection: a page's request checks one out of
        the pool once (and checks that it is alive once) instead of once per query, and its reads
        run without a transaction around each (a round trip to the server fewer before and after
        every one). Writes are still transactions of their own, each committed when it returns."""
        with self.reading() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT")  # the pool resets it on return
            self._pinned = connection
            try:
                yield self
            finally:
                self._pinned = None

    @contextmanager
    def transaction(self):
        """A connection in a transaction, committed when the block ends; a database that cannot be
        written (read-only, full, gone) is a ProgressError naming it."""
        try:
            if self._pinned is None:
                with self.engine.begin() as connection:
                    yield connection
                return
            connection = self._pinned
            connection.execution_options(isolation_level=connection.default_isolation_level)
            try:
                with connection.begin():
                    yield connection
            finally:
                connection.execution_options(isolation_level="AUTOCOMMIT")
        except exc.SQLAlchemyError as error:
            hint = "make the file writable or pass --db to use another file" if self.path else "check the server"
            raise ProgressError(f"{self.where}: cannot save progress ({_reason(error)}); {hint}") from None

    @contextmanager
    def reading(self):
        """A connection for reads; a database that cannot be read is a ProgressError naming it."""
        try:
            if self._pinned is None:
                with self.engine.connect() as connection:
                    yield connection
                return
            try:
                yield self._pinned
            finally:
                self._pinned.commit()  # ends SQLAlchemy's own record of the read (nothing is sent in autocommit)
        except exc.SQLAlchemyError as error:
            raise ProgressError(f"{self.where}: cannot read progress ({_reason(error)})") from None

    def _rows(self, query) -> list:
        with self.reading() as connection:
            return connection.execute(query).all()

    def _mine(self, table):
        return table.c.student == self.student

    def _upsert(self, connection, table, values: dict, replace: bool = True):
        """Insert a row, or where its key is taken replace it (`replace`) or leave it."""
        keys = [c.name for c in table.primary_key]
        statement = UPSERT[self.engine.dialect.name](table).values(student=self.student, **values)
        if replace:
            changed = {k: statement.excluded[k] for k in values if k not in keys}
            statement = statement.on_conflict_do_update(index_elements=keys, set_=changed)
        else:
            statement = statement.on_conflict_do_nothing(index_elements=keys)
        connection.execute(statement)

    def record(
        self,
        session: str,
        qid: str,
        seed: int,
        part: str,
        objectives,
        verdict,
        hints: int,
        answer: str,
        at: float | None = None,
    ):
        """Keep one checked answer, with the named mistake the verdict matched and the feedback it
        gave; committed when this returns (a server worker killed after its response loses nothing
        it acknowledged)."""
        row = dict(
            at=at or time.time(),
            session=session,
            qid=qid,
            seed=int(seed),
            part=part,
            objectives=json.dumps(list(objectives)),
            status=str(verdict.status),
            score=float(verdict.score),
            max_score=float(verdict.max_score),
            hints=int(hints),
            answer=answer[:2000],
            misconception=verdict.misconception,
            feedback=json.dumps([str(f) for f in verdict.feedback]) if verdict.feedback else None,
        )
        with self.transaction() as connection:
            connection.execute(insert(attempts).values(student=self.student, **row))

    def box(self, qid: str) -> BoxState | None:
        rows = self._rows(select(boxes.c.box, boxes.c.due, boxes.c.seen).where(self._mine(boxes), boxes.c.qid == qid))
        return BoxState(*rows[0]) if rows else None

    def boxes(self) -> dict:
        query = select(boxes.c.qid, boxes.c.box, boxes.c.due, boxes.c.seen).where(self._mine(boxes))
        return {qid: BoxState(box, due, seen) for qid, box, due, seen in self._rows(query)}

    def finish_question(self, qid: str, seed: int, fraction: float, hints: int, at: float | None = None) -> BoxState:
        """Move the question between boxes: up when fully right without hints on a variant not done
        before, back to 1 when wrong."""
        at = at or time.time()
        state, redo = self.box(qid), self.finished_before(qid, seed)
        box = state.box if state else 1
        if fraction >= 1.0 and not hints and not redo:
            box = min(box + 1, TOP_BOX)
        elif fraction < 0.5:
            box = 1
        new = BoxState(box, at + INTERVAL_DAYS[box] * DAY_S, (state.seen if state else 0) + 1, redo)
        with self.transaction() as connection:
            self._upsert(connection, boxes, dict(qid=qid, box=new.box, due=new.due, seen=new.seen, last=at))
            self._upsert(connection, finished_variants, dict(qid=qid, seed=int(seed)), replace=False)
        return new

    def finished_before(self, qid: str, seed: int) -> bool:
        query = select(finished_variants.c.qid).where(
            self._mine(finished_variants), finished_variants.c.qid == qid, finished_variants.c.seed == int(seed)
        )
        return bool(self._rows(query))

    def recorded(self, session: str, qid: str, seed: int, part: str) -> bool:
        """Whether this session already recorded the part (a form sent twice records once)."""
        c = attempts.c
        query = select(c.id).where(
            self._mine(attempts), c.session == session, c.qid == qid, c.seed == int(seed), c.part == part
        )
        return bool(self._rows(query.limit(1)))

    def attempts(self) -> list[dict]:
        query = select(*(attempts.c[k] for k in ATTEMPT_KEYS)).where(self._mine(attempts)).order_by(attempts.c.id)
        return [attempt(row) for row in self._rows(query)]

    # --- mock exams ------------------------------------------------------------------------
    def start_mock(self, mock_id: str, spec: str, seed: int, minutes: float, at: float | None = None):
        row = dict(id=mock_id, spec=str(spec), seed=int(seed), started=at or time.time(), minutes=float(minutes))
        with self.transaction() as connection:
            connection.execute(insert(mocks).values(student=self.student, **row))

    def _mocks(self, *where) -> list[dict]:
        query = select(*(mocks.c[k] for k in MOCK_KEYS)).where(self._mine(mocks), *where)
        out = []
        for row in self._rows(query.order_by(mocks.c.started.desc())):
            mock = dict(zip(MOCK_KEYS, row))
            mock["answers"] = json.loads(mock["answers"])
            mock["report"] = json.loads(mock["report"]) if mock["report"] else None
            out.append(mock)
        return out

    def mock(self, mock_id: str) -> dict | None:
        found = self._mocks(mocks.c.id == mock_id)
        return found[0] if found else None

    def mocks(self) -> list[dict]:
        """The student's mock exams, the latest started first."""
        return self._mocks()

    def save_mock_answers(self, mock_id: str, answers: dict) -> bool:
        """Keep a mock's answers so far (any tab may save them); False once it was handed in."""
        mock = self.mock(mock_id)
        if mock is None or mock["report"]:
            return False
        merged = json.dumps({**mock["answers"], **answers})
        with self.transaction() as connection:
            connection.execute(
                update(mocks)
                .where(self._mine(mocks), mocks.c.id == mock_id, mocks.c.report.is_(None))
                .values(answers=merged)
            )
        return True

    def finish_mock(self, mock_id: str, answers: dict, report: dict, at: float | None = None):
        handed_in = dict(answers=json.dumps(answers), report=json.dumps(report), finished=at or time.time())
        with self.transaction() as connection:
            connection.execute(update(mocks).where(self._mine(mocks), mocks.c.id == mock_id).values(**handed_in))

    def setting(self, key: str) -> str | None:
        """A student's own choice kept with their progress (the exam date the plan aims at)."""
        rows = self._rows(select(settings.c.value).where(self._mine(settings), settings.c.key == key))
        return rows[0][0] if rows else None

    def set_setting(self, key: str, value: str | None):
        with self.transaction() as connection:
            if value is None:
                connection.execute(delete(settings).where(self._mine(settings), settings.c.key == key))
            else:
                self._upsert(connection, settings, dict(key=key, value=value))

    def close(self):
        """Let go of the database (a view from for_student leaves its engine to the store it came from)."""
        if self._owner:
            self.engine.dispose()


def attempt(row, keys=ATTEMPT_KEYS) -> dict:
    """An attempts row (the columns `keys`, in that order) as the dict every reader gets."""
    item = dict(zip(keys, row))
    if "objectives" in item:
        item["objectives"] = list(_objectives(item["objectives"]))
    if "feedback" in item:
        item["feedback"] = json.loads(item["feedback"]) if item["feedback"] else []
    return item


@functools.lru_cache(maxsize=4096)
def _objectives(text: str) -> tuple:
    """A JSON list of objectives, read once per distinct text (a class's million rows hold a few dozen)."""
    return tuple(json.loads(text))


def _checked_student(student) -> str:
    if not isinstance(student, str) or not student.strip():
        raise ValueError(f"a student id is a non-empty string, not {student!r}")
    return student


def _reason(error: Exception) -> str:
    """The driver's own words (SQLAlchemy's wrapper adds the SQL and a link), on one line."""
    return " ".join(str(getattr(error, "orig", None) or error).split())
