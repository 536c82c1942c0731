"""The progress database's tables, the one schema for SQLite and PostgreSQL (SQLAlchemy Core).

Every row belongs to a student (`student`, a string id), so one database serves a whole class and a
store reads and writes only its own student's rows; the single-user store is the student "me".
Changing a table here needs a migration in migrations/versions/ (tests/test_store.py compares the
migrated schema with these definitions on both engines)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Double, Index, Integer, MetaData, PrimaryKeyConstraint, Table, Text

# constraint names the same on both engines, so a later migration can name what it alters
metadata = MetaData(naming_convention={"pk": "pk_%(table_name)s", "ix": "ix_%(table_name)s_%(column_0_N_name)s"})


def _student() -> Column:
    return Column("student", Text, nullable=False)


attempts = Table(  # every answer checked: the evidence progress and mastery are computed from
    "attempts",
    metadata,
    Column("id", Integer, primary_key=True),  # the order answers were recorded in
    _student(),
    Column("at", Double, nullable=False),
    Column("session", Text, nullable=False),
    Column("qid", Text, nullable=False),
    Column("seed", BigInteger, nullable=False),
    Column("part", Text, nullable=False),
    Column("objectives", Text, nullable=False),  # JSON list
    Column("status", Text, nullable=False),
    Column("score", Double, nullable=False),
    Column("max_score", Double, nullable=False),
    Column("hints", Integer, nullable=False),
    Column("answer", Text, nullable=False),
    Column("misconception", Text),  # the named mistake the checker matched ("slip:..." for a generic slip)
    Column("feedback", Text),  # JSON list: the feedback the student was shown
    Index(None, "student", "session"),
)

boxes = Table(  # each question's Leitner box
    "boxes",
    metadata,
    _student(),
    Column("qid", Text, nullable=False),
    Column("box", Integer, nullable=False),
    Column("due", Double, nullable=False),
    Column("seen", Integer, nullable=False),
    Column("last", Double, nullable=False),
    PrimaryKeyConstraint("student", "qid"),
)

mocks = Table(  # mock exams: started, answered so far, handed in and marked
    "mocks",
    metadata,
    _student(),
    Column("id", Text, nullable=False),
    Column("spec", Text, nullable=False),
    Column("seed", BigInteger, nullable=False),
    Column("started", Double, nullable=False),
    Column("minutes", Double, nullable=False),
    Column("answers", Text, nullable=False, server_default="{}"),  # JSON object
    Column("finished", Double),
    Column("report", Text),  # JSON object, once handed in
    PrimaryKeyConstraint("student", "id"),
)

finished_variants = Table(  # variants whose solution was seen: redoing one is practice, not evidence
    "finished_variants",
    metadata,
    _student(),
    Column("qid", Text, nullable=False),
    Column("seed", BigInteger, nullable=False),
    PrimaryKeyConstraint("student", "qid", "seed"),
)

settings = Table(  # a student's own choices kept with their progress (the exam date)
    "settings",
    metadata,
    _student(),
    Column("key", Text, nullable=False),
    Column("value", Text, nullable=False),
    PrimaryKeyConstraint("student", "key"),
)
