"""The instructor's dashboard: where the class stands, read from the course's progress database
(study/class_stats.py), as an overview page and one page per view, each a table and a figure
(classroom/plots.py), and each view as CSV (`/instructor/<view>.csv`).

The Blueprint checks nobody: the app that registers it must guard it, letting only the course's
instructors in (the class server registers it behind its `instructor_required` check). It reads the
course from `current_app.extensions["examkit_class"]` (a classroom.course.Course), and the time from
the practice app's clock where the app is the practice app served to the class, else the system's.
"""

from __future__ import annotations

import csv
import io
import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, Response, abort, current_app, g, render_template
from markupsafe import Markup

from ..markup import to_html
from ..practice.pages.context import KEY as PRACTICE
from ..resources import bundled
from ..study import class_stats
from ..study.store import ProgressStore
from . import plots

COURSE = "examkit_class"  # app.extensions key of the Course
READER = "examkit_class_reader"  # app.extensions key of (pid, the read store of that process)
_reader_lock = threading.Lock()
STANDINGS = "examkit_class_standings"  # app.extensions key of the latest standings read, with its time
FRESH_S = 60.0  # standings (mastery, plans) are re-read at most once a minute: a large class takes seconds
OVERVIEW_ROWS = 5

pages = Blueprint("dashboard", __name__, url_prefix="/instructor", template_folder=str(bundled("templates")))


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    # text; id (a name the page may break anywhere); count; share (0..1, shown as a percentage); bank (math as MathML)
    kind: str = "text"


@dataclass(frozen=True)
class View:
    name: str  # its page is /instructor/<name>, its CSV /instructor/<name>.csv
    title: str
    about: str  # what the numbers mean, under the title
    columns: tuple[Column, ...]
    rows: Callable[[], list[dict]]
    plot: Callable[[list[dict]], plots.Plot]


def course():
    return current_app.extensions[COURSE]


def now() -> float:
    practice = current_app.extensions.get(PRACTICE)
    return practice.clock() if practice else time.time()


def store() -> ProgressStore:
    """The course's database, read on this process's own engine: opened on the first request of
    each worker process (a forked worker never uses its parent's connections) and kept, so a
    dashboard page does not build an engine and check the schema's migrations every time."""
    with _reader_lock:
        pid, reader = current_app.extensions.get(READER, (None, None))
        if pid != os.getpid():
            reader = ProgressStore(course().database, writable=False)
            current_app.extensions[READER] = (os.getpid(), reader)
        return reader


def standings() -> tuple[list[class_stats.Standing], float]:
    """Every student's standing and when it was read: kept for FRESH_S seconds, so moving between
    views does not re-read a class's every attempt each time (the page says how old it is)."""
    at, found = current_app.extensions.get(STANDINGS, (None, None))
    if at is None or not 0 <= now() - at < FRESH_S:
        at, found = now(), class_stats.standings(store(), course(), now())
        current_app.extensions[STANDINGS] = (at, found)
    g.read_at = min(at, g.get("read_at", at))
    return found, at


VIEWS = {
    v.name: v
    for v in (
        View(
            "mastery",
            "Mastery per objective",
            "How many students are in each band of each objective: mastered (80% mastery and full marks on 3 "
            "different questions, as the students' own progress page says), learning, struggling (mastery below "
            "50%: more wrong than right of late) or not started. The objective fewest students have mastered first.",
            (
                Column("objective", "Objective"),
                Column("mastered", "Mastered", "count"),
                Column("learning", "Learning", "count"),
                Column("struggling", "Struggling", "count"),
                Column("not_started", "Not started", "count"),
                Column("median", "Median mastery", "share"),
                Column("key", "Key", "id"),
            ),
            lambda: class_stats.mastery(course(), standings()[0]),
            plots.mastery,
        ),
        View(
            "missed",
            "Questions most often missed",
            "For each question, how many students' first answer fell short of full marks. Questions fewer than "
            f"{class_stats.MISSED_MIN_STUDENTS} students answered come last.",
            (
                Column("question", "Question"),
                Column("qid", "Id", "id"),
                Column("missed", "Missed first time", "count"),
                Column("answered", "Students", "count"),
                Column("share", "Share missed", "share"),
            ),
            lambda: class_stats.missed(store(), course()),
            plots.missed,
        ),
        View(
            "misconceptions",
            "Named mistakes most often made",
            "The mistakes the checker recognised by name in wrong answers (slip: marks a generic one), by the "
            "number of students who made them, with the feedback they were shown (one example, where the feedback "
            "quotes each variant's numbers).",
            (
                Column("misconception", "Mistake", "id"),
                Column("question", "Question"),
                Column("qid", "Id", "id"),
                Column("part", "Part"),
                Column("students", "Students", "count"),
                Column("answered", "Of", "count"),
                Column("times", "Times", "count"),
                Column("feedback", "Feedback shown", "bank"),
            ),
            lambda: class_stats.misconceptions(store(), course()),
            plots.misconceptions,
        ),
        View(
            "behind",
            "Students behind their exam-date plan",
            "Students whose plan (the one their progress page shows, toward their own exam date or the course's) "
            "asks more questions a day than they answered a day over the last "
            f"{class_stats.PACE_DAYS} days, or whose exam has come with questions left. Furthest behind first.",
            (
                Column("student", "Student"),
                Column("id", "Id", "id"),
                Column("exam_date", "Exam"),
                Column("date_from", "Date set by"),
                Column("days_left", "Days left", "count"),
                Column("questions_left", "Questions left", "count"),
                Column("per_day", "Plan a day", "count"),
                Column("pace", "Done a day", "count"),
                Column("objectives_left", "Objectives left", "count"),
                Column("last_active", "Last answer"),
            ),
            lambda: class_stats.behind(standings()[0]),
            plots.behind,
        ),
        View(
            "mocks",
            "Mock-exam scores",
            "Per mock exam, the spread of the students' scores (each student's latest hand-in; a written part counts "
            "once the student has marked it against its rubric).",
            (
                Column("mock", "Mock exam"),
                Column("students", "Students", "count"),
                Column("sittings", "Hand-ins", "count"),
                Column("lowest", "Lowest", "share"),
                Column("lower_quartile", "Lower quartile", "share"),
                Column("median", "Median", "share"),
                Column("upper_quartile", "Upper quartile", "share"),
                Column("highest", "Highest", "share"),
                Column("mean", "Mean", "share"),
            ),
            lambda: class_stats.mock_scores(store(), course()),
            plots.mock_scores,
        ),
    )
}


def _view(name: str) -> View:
    if name not in VIEWS:
        abort(404, f"no dashboard view {name!r}; the views are: {', '.join(VIEWS)}")
    return VIEWS[name]


def cell(value, kind: str):
    """A value as the page shows it."""
    if value is None or value == "":
        return "—"
    if kind == "share":
        return f"{value:.0%}"
    if kind == "bank":
        return Markup(to_html(value))
    return value


def _page(template: str, **values):
    """A dashboard page, saying when its numbers were read (the oldest read it shows)."""
    as_of = datetime.fromtimestamp(g.get("read_at", now())).strftime("%Y-%m-%d %H:%M")
    return render_template(
        f"classroom/{template}", course=course(), views=VIEWS.values(), cell=cell, as_of=as_of, **values
    )


@pages.get("/")
def overview():
    """Every view's first rows, with the class at a glance."""
    found, at = standings()
    week = at - class_stats.PACE_DAYS * 86400
    glance = {
        "students": len(found),
        "active": sum(1 for s in found if s.last_active and s.last_active >= week),
        "never": sum(1 for s in found if s.last_active is None),
    }
    tables = [(v, v.rows()) for v in VIEWS.values()]
    return _page("overview.html.j2", tables=tables, glance=glance, shown=OVERVIEW_ROWS)


@pages.get("/<name>")
def view(name):
    v = _view(name)
    rows = v.rows()
    return _page("view.html.j2", view=v, rows=rows, plot=v.plot(rows))


@pages.get("/<name>.csv")
def view_csv(name):
    """The view's table as CSV, every row, numbers as numbers (shares from 0 to 1)."""
    v = _view(name)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.header for c in v.columns])
    for row in v.rows():
        writer.writerow([_csv_cell(row[c.key]) for c in v.columns])
    slug = re.sub(r"[^a-z0-9]+", "-", course().title.lower()).strip("-") or "class"
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{slug}-{name}.csv"'},
    )


def _csv_cell(value):
    """Text that a spreadsheet would run as a formula (=, +, -, @ first) is kept as text."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
