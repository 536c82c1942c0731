"""Who is asking, and the rules their requests meet before a page runs. The pages never ask: they
call `store()` for this request's progress and their forms carry `form_token()`.

Here, the local app: everyone who reaches 127.0.0.1 is the one student ("me"), whose progress is
the file (or URL) the app was started on, and a POST carries the token this server made when it
started. Class mode (classroom/access.py) gives the same four things for a signed-in member of a
course: their own rows of the class's database, their session's token, and who may see what."""

from __future__ import annotations

import secrets

from ..study.store import ME, ProgressStore


class LocalAccess:
    stale_form = "this form is out of date (the practice server was restarted): go back and reload the page"
    cross_site = frozenset()  # endpoints whose POSTs come from another site by design (class mode's LTI launch)

    def __init__(self, db=None):
        self._store = ProgressStore(db)  # fails here, with the file named, if it cannot be used
        self.token = secrets.token_urlsafe(32)

    def admit(self) -> None:
        """Before every request: nothing to check on the student's own machine."""
        return None

    def store(self) -> ProgressStore:
        """The student's progress, on the app's one engine (its pool of connections): opened once,
        not on every request (making an engine and checking the schema's revision each time)."""
        return self._store.for_student(ME)

    def form_token(self) -> str:
        return self.token

    def who(self) -> None:
        """The signed-in member a page names; no one here."""
        return None
