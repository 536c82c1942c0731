"""Where an LTI launch's sign-in keeps its state between the two requests of the OpenID Connect
handshake (pylti1p3's "launch data storage"): the nonce the login sent the platform, until the
launch comes back with it; the state a launch was validated with. The login and the launch may
reach different worker processes, or different servers, so it is a table of the class's database,
like the rate limits' (limits.py), not the Flask session: the launch is a POST from the platform's
site, which a SameSite=Lax session cookie does not come with.

A nonce is good once: pylti1p3 asks `check_value` of nonces only, and here it deletes the row it
finds, in the statement that finds it, so a replayed id_token meets no nonce, even on another
worker at the same moment. Rows live minutes (`LIFETIME_S`) and are swept as new ones are written;
they are never progress, so the table is outside the migrations and the exports (but `class forget`
removes a student's)."""

from __future__ import annotations

import json
import time

from pylti1p3.launch_data_storage.base import LaunchDataStorage
from sqlalchemy import Column, Float, MetaData, Table, Text, delete, or_, select

from ..study.store import UPSERT, ProgressStore

LIFETIME_S = 600  # a login must come back as a launch within this

metadata = MetaData()
launch_data = Table(
    "lti_launch_data",
    metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),  # JSON
    Column("expires", Float, nullable=False, index=True),  # unix time
)


def create(store: ProgressStore) -> None:
    """The table, if missing; run once before the workers start."""
    metadata.create_all(store.engine, checkfirst=True)


def forget(store: ProgressStore, *identities: str) -> int:
    """Remove the rows that name one of `identities` (a member's id, email) anywhere in their
    JSON, with every expired row: a launch keeps the id_token's claims (name, email, ids) for
    minutes, and a student whose data is removed on request leaves none of them behind."""
    named = [launch_data.c.value.contains(json.dumps(i), autoescape=True) for i in identities if i]
    with store.transaction() as connection:
        return connection.execute(delete(launch_data).where(or_(launch_data.c.expires <= time.time(), *named))).rowcount


class LaunchTable(LaunchDataStorage):
    """pylti1p3's storage on `launch_data`, keyed without a browser session of its own (the state
    cookie binds a launch to the browser that started it; the nonce, used once, to its login)."""

    def __init__(self, store: ProgressStore, clock=time.time):
        super().__init__()
        self._store, self._clock = store, clock

    def get_session_cookie_name(self) -> None:
        return None

    def can_set_keys_expiration(self) -> bool:
        return True

    def get_value(self, key: str):
        query = select(launch_data.c.value).where(launch_data.c.key == key, launch_data.c.expires > self._clock())
        with self._store.transaction() as connection:
            found = connection.execute(query).scalar_one_or_none()
        return None if found is None else json.loads(found)

    def set_value(self, key: str, value, exp: int | None = None) -> None:
        now = self._clock()
        row = {"key": key, "value": json.dumps(value), "expires": now + min(exp or LIFETIME_S, LIFETIME_S)}
        statement = UPSERT[self._store.engine.dialect.name](launch_data).values(**row)
        statement = statement.on_conflict_do_update(index_elements=["key"], set_=row)
        with self._store.transaction() as connection:
            connection.execute(delete(launch_data).where(launch_data.c.expires <= now))
            connection.execute(statement)

    def check_value(self, key: str) -> bool:
        """Whether `key` (a nonce) is there, taking it away: the next check of it finds nothing."""
        taken = delete(launch_data).where(launch_data.c.key == key, launch_data.c.expires > self._clock())
        with self._store.transaction() as connection:
            return connection.execute(taken.returning(launch_data.c.key)).first() is not None
