"""The batch's memory: finished submissions in SQLite, keyed by what decides a grade (the lab, the
grading seed, the grader's own sources and the file's bytes), so an interrupted batch resumes and
a re-run after any change to the grader grades afresh."""

from __future__ import annotations

import functools
import hashlib
import json
import sqlite3
import threading
from pathlib import Path

from ..resources import code_digest

GRADED_BY = ("examkit/labs", "reference_models")  # every source a lab's score depends on


@functools.cache
def grader_version() -> str:
    """A digest of the grader's sources (labs, jail, judges, reference models): no version to bump
    by hand, and cached results of any other grader are never reused."""
    return code_digest(*GRADED_BY)


def result_key(lab: str, seed: int, data: bytes | None, time_scale: float = 1.0) -> str:
    """A submission's results are the same for the same lab, seed, grader, time limits and file."""
    digest = hashlib.sha256(data).hexdigest() if data is not None else "unreadable"
    return f"{lab}|{seed}|{grader_version()}|x{time_scale:g}|{digest}"


class ResultStore:
    """SQLite cache of finished submissions, keyed by lab, grading seed, grader version and file hash."""

    def __init__(self, path: Path):
        self.lock = threading.Lock()
        self.db = sqlite3.connect(str(path), check_same_thread=False)
        self.db.execute("CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, name TEXT, results TEXT)")
        self.db.commit()

    def get(self, key):
        with self.lock:
            row = self.db.execute("SELECT results FROM results WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, key, name, results):
        with self.lock:
            self.db.execute("INSERT OR REPLACE INTO results VALUES (?, ?, ?)", (key, name, json.dumps(results)))
            self.db.commit()
