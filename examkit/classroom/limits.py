"""Rate limits on answer checks, per student, shared by every worker process and every server on
the class's database: a row per (student, kind, minute) counts the requests, incremented by one
upsert that returns the new count (atomic on PostgreSQL and SQLite alike), so two workers can never
both let the last allowed check through. A fixed one-minute window: simple, and at worst a student
gets two minutes' allowance across the turn of a minute.

Why a table and not a library: Flask-Limiter and its kin share counts across processes through
Redis or Memcached, a server we would have to run; the database is already shared by every worker.

The table holds only the current minute's counts (older rows of a student are deleted as they
count again), never progress, so it is not part of the progress schema's migrations or exports:
it is created if missing when the server starts, and a change to it would take a new table name."""

from __future__ import annotations

import math

from sqlalchemy import BigInteger, Column, Integer, MetaData, PrimaryKeyConstraint, Table, Text, delete

from ..study.store import UPSERT, ProgressStore

PREVIEWS_PER_CHECK = 4  # the live "you typed" preview runs the checker as the student types: 4x the checks
KINDS = {  # endpoint -> what it counts as
    "questions.answer": "check",
    "questions.self_mark": "check",
    "mock.mock_submit": "check",
    "questions.preview": "preview",
}

metadata = MetaData()
counts = Table(
    "check_counts",
    metadata,
    Column("student", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("minute", BigInteger, nullable=False),  # unix time // 60
    Column("count", Integer, nullable=False),
    PrimaryKeyConstraint("student", "kind", "minute"),
)


def create(store: ProgressStore) -> None:
    """The table, if missing; run once before the workers start (no two processes race to make it)."""
    metadata.create_all(store.engine, checkfirst=True)


def per_minute(kind: str, checks_per_minute: int) -> int:
    return checks_per_minute * (PREVIEWS_PER_CHECK if kind == "preview" else 1)


def take(store: ProgressStore, kind: str, limit: int, now: float) -> float:
    """Count one `kind` request of the store's student; 0.0 if it is within `limit` this minute,
    else the seconds until the next minute, when it may be sent again."""
    minute = int(now // 60)
    row = dict(student=store.student, kind=kind, minute=minute, count=1)
    statement = UPSERT[store.engine.dialect.name](counts).values(**row)
    statement = statement.on_conflict_do_update(
        index_elements=["student", "kind", "minute"], set_={"count": counts.c.count + 1}
    ).returning(counts.c.count)
    with store.transaction() as connection:
        count = connection.execute(statement).scalar_one()
        if count == 1:  # the first of a new minute: the student's older counts are done with
            connection.execute(delete(counts).where(counts.c.student == store.student, counts.c.minute < minute))
    return 0.0 if count <= limit else max(1.0, math.ceil((minute + 1) * 60 - now))


def forget(store: ProgressStore) -> int:
    """Remove the store's student's counts (their data removed on request); returns how many rows."""
    with store.transaction() as connection:
        return connection.execute(delete(counts).where(counts.c.student == store.student)).rowcount
