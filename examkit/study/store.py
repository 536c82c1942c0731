"""A student's drill progress in SQLite: every attempt, and each question's Leitner box.

Kept under the XDG data directory ($XDG_DATA_HOME/examkit/drill.sqlite, by default
~/.local/share/examkit/drill.sqlite) so progress survives reinstalls and is per user.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

# Leitner boxes: a question answered right moves up a box and waits longer before it is due again;
# answered wrong, it goes back to box 1 and is due at once. Redoing a variant already finished (its
# solution seen) is practice, not evidence: it can send a question down, never up.
INTERVAL_DAYS = {1: 0.0, 2: 1.0, 3: 3.0, 4: 7.0, 5: 21.0}
TOP_BOX = max(INTERVAL_DAYS)
DAY_S = 86400.0
BUSY_S = 30.0  # how long a write waits for another one to finish

SCHEMA = """
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY, at REAL NOT NULL, session TEXT NOT NULL, qid TEXT NOT NULL, seed INTEGER NOT NULL,
    part TEXT NOT NULL, objectives TEXT NOT NULL, status TEXT NOT NULL, score REAL NOT NULL,
    max_score REAL NOT NULL, hints INTEGER NOT NULL, answer TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS boxes (
    qid TEXT PRIMARY KEY, box INTEGER NOT NULL, due REAL NOT NULL, seen INTEGER NOT NULL, last REAL NOT NULL);
CREATE TABLE IF NOT EXISTS mocks (
    id TEXT PRIMARY KEY, spec TEXT NOT NULL, seed INTEGER NOT NULL, started REAL NOT NULL, minutes REAL NOT NULL,
    answers TEXT NOT NULL DEFAULT '{}', finished REAL, report TEXT);
CREATE TABLE IF NOT EXISTS finished_variants (qid TEXT NOT NULL, seed INTEGER NOT NULL, PRIMARY KEY (qid, seed));
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class ProgressError(Exception):
    """The progress database cannot be used; the message names the file."""


def default_path() -> Path:
    root = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(root) / "examkit" / "drill.sqlite"


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
    def __init__(self, path=None, writable: bool = True):
        """`writable`: check now that answers can be saved (a read-only file fails here, before a
        session starts, not after the student's first answer)."""
        self.path = Path(path) if path else default_path()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(str(self.path), timeout=BUSY_S)
            if writable:  # readers never wait on a writer (the practice server's threads, a drill beside it)
                self.db.execute("PRAGMA journal_mode=WAL")
            self.db.executescript(SCHEMA)
            if writable:
                self.db.execute("BEGIN IMMEDIATE")
                self.db.rollback()
        except (OSError, sqlite3.Error) as exc:
            raise ProgressError(
                f"{self.path}: cannot use this progress database ({exc}); "
                f"move it aside or pass --db to use another file"
            ) from None

    def _write(self, sql, args=()):
        """One write, committed; a database that cannot be written (read-only, full) is a ProgressError."""
        try:
            self.db.execute(sql, args)
            self.db.commit()
        except sqlite3.Error as exc:
            raise ProgressError(
                f"{self.path}: cannot save progress ({exc}); make the file writable or pass --db to use another file"
            ) from None

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
        self._write(
            "INSERT INTO attempts (at, session, qid, seed, part, objectives, status, score, max_score, "
            "hints, answer) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                at or time.time(),
                session,
                qid,
                seed,
                part,
                json.dumps(list(objectives)),
                verdict.status,
                float(verdict.score),
                float(verdict.max_score),
                hints,
                answer[:2000],
            ),
        )

    def box(self, qid: str) -> BoxState | None:
        row = self.db.execute("SELECT box, due, seen FROM boxes WHERE qid = ?", (qid,)).fetchone()
        return BoxState(*row) if row else None

    def boxes(self) -> dict:
        return {
            qid: BoxState(box, due, seen)
            for qid, box, due, seen in self.db.execute("SELECT qid, box, due, seen FROM boxes")
        }

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
        self._write("INSERT OR REPLACE INTO boxes VALUES (?, ?, ?, ?, ?)", (qid, new.box, new.due, new.seen, at))
        self._write("INSERT OR IGNORE INTO finished_variants VALUES (?, ?)", (qid, int(seed)))
        return new

    def finished_before(self, qid: str, seed: int) -> bool:
        row = self.db.execute("SELECT 1 FROM finished_variants WHERE qid = ? AND seed = ?", (qid, int(seed))).fetchone()
        return row is not None

    def recorded(self, session: str, qid: str, seed: int, part: str) -> bool:
        """Whether this session already recorded the part (a form sent twice records once)."""
        row = self.db.execute(
            "SELECT 1 FROM attempts WHERE session = ? AND qid = ? AND seed = ? AND part = ?", (session, qid, seed, part)
        ).fetchone()
        return row is not None

    def attempts(self) -> list[dict]:
        rows = self.db.execute(
            "SELECT at, session, qid, seed, part, objectives, status, score, max_score, hints, answer "
            "FROM attempts ORDER BY id"
        ).fetchall()
        keys = ("at", "session", "qid", "seed", "part", "objectives", "status", "score", "max_score", "hints", "answer")
        out = []
        for row in rows:
            item = dict(zip(keys, row))
            item["objectives"] = json.loads(item["objectives"])
            out.append(item)
        return out

    # --- mock exams ------------------------------------------------------------------------
    def start_mock(self, mock_id: str, spec: str, seed: int, minutes: float, at: float | None = None):
        self._write(
            "INSERT INTO mocks (id, spec, seed, started, minutes) VALUES (?, ?, ?, ?, ?)",
            (mock_id, spec, seed, at or time.time(), minutes),
        )

    def mock(self, mock_id: str) -> dict | None:
        row = self.db.execute(
            "SELECT id, spec, seed, started, minutes, answers, finished, report FROM mocks WHERE id = ?", (mock_id,)
        ).fetchone()
        if not row:
            return None
        keys = ("id", "spec", "seed", "started", "minutes", "answers", "finished", "report")
        mock = dict(zip(keys, row))
        mock["answers"] = json.loads(mock["answers"])
        mock["report"] = json.loads(mock["report"]) if mock["report"] else None
        return mock

    def mocks(self) -> list[dict]:
        ids = [r[0] for r in self.db.execute("SELECT id FROM mocks ORDER BY started DESC")]
        return [self.mock(i) for i in ids]

    def save_mock_answers(self, mock_id: str, answers: dict) -> bool:
        """Keep a mock's answers so far (any tab may save them); False once it was handed in."""
        mock = self.mock(mock_id)
        if mock is None or mock["report"]:
            return False
        self._write("UPDATE mocks SET answers = ? WHERE id = ? AND report IS NULL",
                    (json.dumps({**mock["answers"], **answers}), mock_id))  # fmt: skip
        return True

    def finish_mock(self, mock_id: str, answers: dict, report: dict, at: float | None = None):
        self._write(
            "UPDATE mocks SET answers = ?, report = ?, finished = ? WHERE id = ?",
            (json.dumps(answers), json.dumps(report), at or time.time(), mock_id),
        )

    def setting(self, key: str) -> str | None:
        """A student's own choice kept with their progress (the exam date the plan aims at)."""
        row = self.db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_setting(self, key: str, value: str | None):
        if value is None:
            self._write("DELETE FROM settings WHERE key = ?", (key,))
        else:
            self._write("INSERT OR REPLACE INTO settings VALUES (?, ?)", (key, value))

    def close(self):
        self.db.close()
