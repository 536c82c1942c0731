"""The app creates and migrates its own progress database (Alembic, migrations/): every store that
opens brings the schema to the newest revision first, so no one runs a migration tool by hand and a
drill.sqlite from an older examkit is upgraded where it is."""

from __future__ import annotations

import functools
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine

MIGRATIONS = Path(__file__).with_name("migrations")
LOCK_KEY = 0x6578616D6B6974  # "examkit": PostgreSQL's advisory lock for migrating, one process at a time


def _config(connection: Connection | None = None):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection  # what migrations/env.py runs on
    return config


@functools.cache
def head() -> str:
    """The newest revision: the schema this examkit reads and writes (its scripts read once per process)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config()).get_current_head()


def revision(connection: Connection) -> str | None:
    """The revision a database is at; None for an empty database or one from before migrations."""
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, writable: bool = True):
    """Bring the database to `head()`, under a lock so that processes opening it at once (a server's
    workers, a drill beside the practice app) migrate it once. On SQLite the lock is a write
    transaction (BEGIN IMMEDIATE), which also proves now that the file can be written; a read-only
    open takes a plain one and fails only where a migration is due."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE" if writable else "BEGIN")
        elif engine.dialect.name == "postgresql":
            connection.execute(select(func.pg_advisory_xact_lock(LOCK_KEY)))
        if revision(connection) != head():
            from alembic import command

            command.upgrade(_config(connection), "head")
        connection.commit()
