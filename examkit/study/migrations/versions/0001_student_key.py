"""The student key: every row belongs to a student, so one database serves a class.

Creates the tables. A drill.sqlite of the version before (the same tables without `student`, and no
alembic_version table) is adopted where it is: its rows are copied in as the student "me", the
single-user store's. Written out here, not imported from tables.py: a migration stays as it ran."""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None

SOLO = "me"  # the single-user store's student (study/store.py: ME)
LEGACY = {  # the tables before this revision, with their columns (each version added tables, never columns)
    "attempts": "id, at, session, qid, seed, part, objectives, status, score, max_score, hints, answer",
    "boxes": "qid, box, due, seen, last",
    "mocks": "id, spec, seed, started, minutes, answers, finished, report",
    "finished_variants": "qid, seed",
    "settings": "key, value",
}


def upgrade():
    found = [name for name in LEGACY if sa.inspect(op.get_bind()).has_table(name)]
    for name in found:
        op.rename_table(name, f"legacy_{name}")
    _create_tables()
    for name in found:
        op.execute(f"INSERT INTO {name} (student, {LEGACY[name]}) SELECT '{SOLO}', {LEGACY[name]} FROM legacy_{name}")
        op.drop_table(f"legacy_{name}")


def _student():
    return sa.Column("student", sa.Text, nullable=False)


def _create_tables():
    op.create_table(
        "attempts",
        sa.Column("id", sa.Integer, nullable=False),
        _student(),
        sa.Column("at", sa.Double, nullable=False),
        sa.Column("session", sa.Text, nullable=False),
        sa.Column("qid", sa.Text, nullable=False),
        sa.Column("seed", sa.BigInteger, nullable=False),
        sa.Column("part", sa.Text, nullable=False),
        sa.Column("objectives", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("score", sa.Double, nullable=False),
        sa.Column("max_score", sa.Double, nullable=False),
        sa.Column("hints", sa.Integer, nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_attempts"),
    )
    op.create_index("ix_attempts_student_session", "attempts", ["student", "session"])
    op.create_table(
        "boxes",
        _student(),
        sa.Column("qid", sa.Text, nullable=False),
        sa.Column("box", sa.Integer, nullable=False),
        sa.Column("due", sa.Double, nullable=False),
        sa.Column("seen", sa.Integer, nullable=False),
        sa.Column("last", sa.Double, nullable=False),
        sa.PrimaryKeyConstraint("student", "qid", name="pk_boxes"),
    )
    op.create_table(
        "mocks",
        _student(),
        sa.Column("id", sa.Text, nullable=False),
        sa.Column("spec", sa.Text, nullable=False),
        sa.Column("seed", sa.BigInteger, nullable=False),
        sa.Column("started", sa.Double, nullable=False),
        sa.Column("minutes", sa.Double, nullable=False),
        sa.Column("answers", sa.Text, nullable=False, server_default="{}"),
        sa.Column("finished", sa.Double),
        sa.Column("report", sa.Text),
        sa.PrimaryKeyConstraint("student", "id", name="pk_mocks"),
    )
    op.create_table(
        "finished_variants",
        _student(),
        sa.Column("qid", sa.Text, nullable=False),
        sa.Column("seed", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("student", "qid", "seed", name="pk_finished_variants"),
    )
    op.create_table(
        "settings",
        _student(),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("student", "key", name="pk_settings"),
    )
