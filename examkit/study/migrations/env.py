"""Alembic's entry point, run by examkit.study.migrate on the connection it passes in: already inside
its transaction and holding its lock, so the migrations run once, whoever opens the database first.

A new migration is a file in versions/ written by hand (down_revision: the one before); the app runs
it the next time a store opens. tests/test_store.py checks that the migrated schema is study/tables.py's."""

from alembic import context

context.configure(connection=context.config.attributes["connection"])
with context.begin_transaction():
    context.run_migrations()
