"""Gradebook files an LMS imports: Canvas's gradebook CSV and Moodle's grade import CSV.

One writer per LMS, shared by the lab grader (`labs/reports.py`) and the exam grader
(`exam/lms.py`). A score of None (absent, or not fully marked yet) is written as an empty cell:
Canvas leaves that grade as it is, Moodle imports no grade for it.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Entry:
    """One student's row: the LMS's names for them and the score (None: no grade)."""

    student: str = ""  # as the LMS shows the student
    canvas_id: str = ""  # Canvas's user id (its gradebook's ID column)
    sis_id: str = ""  # SIS User ID in Canvas, "ID number" (idnumber) in Moodle
    login: str = ""  # SIS Login ID in Canvas, username in Moodle
    email: str = ""
    score: float | None = None


def _cell(score) -> str:
    return "" if score is None else f"{round(score, 4):.12g}"


def write_canvas_csv(path: Path, title: str, max_score: float, entries) -> None:
    """Canvas's gradebook import: rows matched by ID (Canvas user id), SIS User ID or SIS Login
    ID; a column named by the title alone (no "(number)", which Canvas reads as an assignment id)
    becomes a new assignment (a title ending in one, "Final (2026)", is written "Final [2026]")."""
    title = re.sub(r"\((\d+)\)\s*$", r"[\1]", title)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", title])
        writer.writerow(["    Points Possible", "", "", "", "", f"{max_score:g}"])
        for e in entries:
            writer.writerow([e.student, e.canvas_id, e.sis_id, e.login, "", _cell(e.score)])


MOODLE_IDENTIFIERS = (("ID number", "sis_id"), ("Email address", "email"), ("Username", "login"))


def write_moodle_csv(path: Path, title: str, entries) -> list[str]:
    """Moodle's grade import (Grades > Import > CSV file): an identifier column to map users from
    ("Identify user by": ID number, Email address or Username, as Moodle's own export names
    them), the student's full name (map it to "Ignore") and one column per grade item, named by
    the title (map it to the exam's grade item, or to a new one). An identifier column is written
    only where every student has one: Moodle gives a row with a blank identifier to the student of
    the row before. Returns the identifiers left out, with why."""
    entries = list(entries)
    columns, left_out = [], []
    for header, attribute in MOODLE_IDENTIFIERS:
        missing = sum(1 for e in entries if not getattr(e, attribute))
        if entries and not missing:
            columns.append((header, attribute))
        elif any(getattr(e, attribute) for e in entries):
            left_out.append(f"{header} left out of {Path(path).name}: {missing} student(s) have none in the roster")
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow([header for header, _ in columns] + ["Full name", title])
        for e in entries:
            writer.writerow([getattr(e, attribute) for _, attribute in columns] + [e.student, _cell(e.score)])
    return left_out
