"""Who is asking in class mode, and where they may go: the member whose signed session came with
the request (signin.py starts it). The practice app's pages ask this object, as they ask
practice/access.py's on a student's own machine, for this request's progress store, the form
token its POSTs must carry and the member a page names.

- Every page needs a signed-in member of the course (401 otherwise), but those that sign one in
  (the sign-in link's, LTI's login and launch) and the tool's public key.
- A student's store is their own rows of the class's database (`ProgressStore.for_student`), so a
  mock exam id of another student's is not found (404), and their history is never shown.
- /instructor/... is for instructors only (403).

Each server worker process opens its own engine (a pool of database connections) on its first
request: never before the fork, whose children would share the parent's sockets."""

from __future__ import annotations

import os
import threading

from flask import abort, request, session

from ..study.store import ProgressStore
from .course import Course, Member

LTI_POSTS = {"lti.login", "lti.launch"}  # posted by the LMS's page: proved by the launch's own checks (lti.py)
OPEN_ENDPOINTS = {"signin.sign_in_link", "lti.jwks", *LTI_POSTS}  # reached before any session exists
INSTRUCTOR_PATH = "/instructor"


class Members:
    stale_form = (
        "this form is out of date (it was shown before you signed in again, or it came from another page): "
        "go back and reload the page"
    )

    cross_site = LTI_POSTS  # POSTs that come from another site and carry no form token, by design

    def __init__(self, course: Course):
        self.course = course
        self._store, self._pid, self._lock = None, None, threading.Lock()

    def admit(self) -> None:
        """Before every request: a member of the course, and an instructor for /instructor/."""
        if request.endpoint in OPEN_ENDPOINTS:
            return None
        member = self.who()
        if member is None:
            session.clear()  # a session of someone taken off the course ends here
            abort(401, "Sign in with the personal sign-in link your instructor sent you.")
        instructor_path = request.path == INSTRUCTOR_PATH or request.path.startswith(INSTRUCTOR_PATH + "/")
        if instructor_path and self.course.instructor(member.id) is None:
            abort(403, "These pages are for the course's instructors only.")
        return None

    def who(self) -> Member | None:
        return self.course.member(session.get("member"))

    def store(self) -> ProgressStore:
        """The signed-in member's own rows, on this process's engine."""
        return self.process_store().for_student(session["member"])

    def form_token(self) -> str:
        return session.get("csrf", "")

    def process_store(self) -> ProgressStore:
        """This worker process's store (its engine and connection pool), opened on first use."""
        with self._lock:
            if self._pid != os.getpid():
                self._store, self._pid = ProgressStore(self.course.database), os.getpid()
            return self._store
