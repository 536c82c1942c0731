"""Where a whole class stands, read from its progress database for the instructor's dashboard
(classroom/dashboard.py): mastery per objective across the class, the questions most often missed,
the named mistakes most often made, the students behind their exam-date plan, mock-exam scores.

Counting over every student's rows is done by the database (missed questions, mistakes); what a
student's mastery and plan are is study/progress.py's, applied to each student's attempts, read
for the whole class in one query. `course` is a classroom.course.Course: its roster says whose
rows count (an instructor practising, or a student since removed from the roster, is left out).
"""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from itertools import groupby

from sqlalchemy import and_, case, func, select

from . import progress
from .store import DAY_S, ProgressStore, attempt
from .tables import attempts, mocks, settings

# The evidence mastery and the plan are computed from (study/progress.py); the answers typed, the
# verdicts' messages and feedback stay in the database.
EVIDENCE_KEYS = ("at", "session", "qid", "seed", "part", "objectives", "score", "max_score")
BANDS = ("not started", "struggling", "learning", "mastered")
# Mastery starts at one half-right answer (schedule.PRIOR_SCORE): below it, more wrong than right of late.
STRUGGLING_BELOW = 0.5
MISSED_MIN_STUDENTS = 3  # a question answered by fewer students is listed after the others, however many missed it
PACE_DAYS = 7  # a student's pace: distinct questions answered per day over the last week


def roster(course) -> list[str]:
    return [m.id for m in course.students]


@dataclass
class Standing:
    """Where one student stands, as their own progress page says it: computed from their attempts
    once, for every view that needs it, and small (the attempts themselves are not kept)."""

    id: str
    name: str
    objectives: list  # progress.objective_rows
    plan: dict | None  # progress.plan, None without an exam date
    own_date: bool  # the plan's exam date is the student's own choice, not the course's
    pace: float  # distinct questions answered per day over the last PACE_DAYS days
    last_active: float | None  # the time of their latest answer


def standings(store: ProgressStore, course, now: float) -> list[Standing]:
    """Every rostered student's standing, in roster order. Their attempts (EVIDENCE_KEYS, in the
    order they were recorded) come in one query, streamed student by student, so a class of
    hundreds with thousands of answers each is never all in memory."""
    keys = [attempts.c[k] for k in EVIDENCE_KEYS]
    ids = roster(course)
    query = (
        select(attempts.c.student, *keys).where(attempts.c.student.in_(ids)).order_by(attempts.c.student, attempts.c.id)
    )
    dates = select(settings.c.student, settings.c.value).where(
        settings.c.key == progress.EXAM_DATE, settings.c.student.in_(ids)
    )
    members, found = {m.id: m for m in course.students}, {}
    with store.reading() as connection:
        own = dict(connection.execute(dates).all())
        rows = connection.execution_options(yield_per=10_000).execute(query)
        for student, group in groupby(rows, key=lambda row: row[0]):
            tries = [attempt(row[1:], EVIDENCE_KEYS) for row in group]
            found[student] = _standing(course, members[student], tries, own.get(student), now)
    return [found.get(m.id) or _standing(course, m, [], own.get(m.id), now) for m in course.students]


def _standing(course, member, tries: list[dict], own_date: str | None, now: float) -> Standing:
    bank, evidence = course.bank, progress.Evidence(tries)
    exam_date = progress.plan_date(own_date, course.exam_date)
    recent = {a["qid"] for a in tries if a["at"] >= now - PACE_DAYS * DAY_S}
    return Standing(
        id=member.id,
        name=member.name,
        objectives=progress.objective_rows(bank, bank.syllabus, evidence),
        plan=progress.plan(bank, bank.syllabus, evidence, exam_date, date.fromtimestamp(now)),
        own_date=bool(own_date),
        pace=round(len(recent) / PACE_DAYS, 2),
        last_active=max((a["at"] for a in tries), default=None),
    )


def mastery(course, class_standing: list[Standing]) -> list[dict]:
    """Per objective, how many students are in each band: not started, struggling (mastery below
    one half), learning, mastered (progress.objective_rows' rule: the one a student's own progress
    page shows), and the median mastery of those who started. Fewest mastered first."""
    counts = defaultdict(lambda: dict.fromkeys(BANDS, 0))
    levels = defaultdict(list)
    for standing in class_standing:
        for row in standing.objectives:
            counts[row.key][_band(row)] += 1
            if row.mastery is not None:
                levels[row.key].append(row.mastery)
    out = []
    for key, name in course.bank.syllabus.get("objectives", {}).items():
        started = levels[key]
        out.append(
            {
                "objective": name,
                "key": key,
                "students": len(class_standing),
                **{band.replace(" ", "_"): counts[key][band] for band in BANDS},
                "median": round(statistics.median(started), 4) if started else None,
            }
        )
    out.sort(key=lambda r: (r["mastered"], -r["struggling"] - r["not_started"]))  # the weakest first; stable
    return out


def _band(row) -> str:
    if row.status == "learning" and row.mastery < STRUGGLING_BELOW:
        return "struggling"
    return row.status


def _first_answers(course):
    """Per (student, question), the score and possible score of the student's first answer to it:
    the rows of the first recorded row's session and variant, each part's first row there."""
    a = attempts.c
    first = (
        select(a.student, a.qid, func.min(a.id).label("id"))
        .where(a.student.in_(roster(course)))
        .group_by(a.student, a.qid)
        .subquery()
    )
    answer = select(a.student, a.qid, a.session, a.seed).join(first, a.id == first.c.id).subquery()
    same = and_(a.student == answer.c.student, a.qid == answer.c.qid, a.session == answer.c.session)
    parts = (
        select(func.min(a.id).label("id"))
        .join(answer, and_(same, a.seed == answer.c.seed))
        .group_by(a.student, a.qid, a.part)
        .subquery()
    )
    return (
        select(a.student, a.qid, func.sum(a.score).label("score"), func.sum(a.max_score).label("possible"))
        .join(parts, a.id == parts.c.id)
        .group_by(a.student, a.qid)
        .subquery()
    )


def missed(store: ProgressStore, course) -> list[dict]:
    """The questions most often missed: per question, how many students answered it and how many
    of their first answers fell short of full marks (study/mistakes.py's rule for a mistake), the
    highest share first. Questions fewer than MISSED_MIN_STUDENTS answered come last."""
    first = _first_answers(course)
    wrong = func.sum(case((first.c.score < first.c.possible, 1), else_=0))
    query = select(first.c.qid, func.count(), wrong).group_by(first.c.qid)
    with store.reading() as connection:
        rows = connection.execute(query).all()
    out = [
        {
            "question": _title(course, qid),
            "qid": qid,
            "answered": answered,
            "missed": int(wrong),
            "share": round(wrong / answered, 4),
        }
        for qid, answered, wrong in rows
    ]
    out.sort(key=lambda r: (r["answered"] < MISSED_MIN_STUDENTS, -r["share"], -r["missed"], r["qid"]))
    return out


def misconceptions(store: ProgressStore, course) -> list[dict]:
    """The named mistakes the checker matched, most students first: per question part and mistake,
    how many times and by how many students (of those who answered the part), and the feedback
    students got (one example: a mistake's feedback may quote the variant's numbers)."""
    a = attempts.c
    mine = a.student.in_(roster(course))
    made = (
        select(
            a.qid,
            a.part,
            a.misconception,
            func.count(),
            func.count(a.student.distinct()),
            func.min(a.feedback),
        )
        .where(mine, a.misconception.is_not(None))
        .group_by(a.qid, a.part, a.misconception)
    )
    answered = select(a.qid, a.part, func.count(a.student.distinct())).where(mine).group_by(a.qid, a.part)
    with store.reading() as connection:
        rows = connection.execute(made).all()
        of = {(qid, part): n for qid, part, n in connection.execute(answered)}
    out = [
        {
            "misconception": name,
            "question": _title(course, qid),
            "qid": qid,
            "part": part,
            "students": students,
            "answered": of[qid, part],
            "times": times,
            "feedback": " ".join(json.loads(example)) if example else "",
        }
        for qid, part, name, times, students, example in rows
    ]
    out.sort(key=lambda r: (-r["students"], -r["times"], r["qid"], r["part"], r["misconception"]))
    return out


def behind(class_standing: list[Standing]) -> list[dict]:
    """The students behind their exam-date plan (progress.plan, the plan their own progress page
    shows; its date is the student's own where they set one, else the course's): it still lists
    questions, and the exam has come or their pace over the last PACE_DAYS days (distinct questions
    answered per day) is below the plan's questions per day. Furthest behind first."""
    out = []
    for s in class_standing:
        plan = s.plan
        if not plan or not plan["questions"] or (not plan["late"] and s.pace >= plan["per_day"]):
            continue
        out.append(
            {
                "student": s.name,
                "id": s.id,
                "exam_date": plan["exam_date"],
                "date_from": "own" if s.own_date else "course",
                "days_left": plan["days_left"],
                "questions_left": len(plan["questions"]),
                "per_day": plan["per_day"],
                "pace": s.pace,
                "objectives_left": len(plan["objectives_left"]),
                "last_active": date.fromtimestamp(s.last_active).isoformat() if s.last_active else None,
            }
        )
    out.sort(key=lambda r: (r["days_left"] > 0, r["pace"] - r["per_day"], r["days_left"], r["id"]))
    return out


def mock_scores(store: ProgressStore, course) -> list[dict]:
    """Per mock exam, the distribution of the students' scores (the share of the marked points, a
    written part counting once the student has self-marked it): each student's latest hand-in of
    that mock, so a student who sat it five times counts once."""
    m = mocks.c
    query = (
        select(m.student, m.spec, m.report)
        .where(m.report.is_not(None), m.student.in_(roster(course)))
        .order_by(m.student, m.finished)
    )
    latest, sittings = {}, defaultdict(int)
    with store.reading() as connection:
        for student, spec, text in connection.execute(query):
            report = json.loads(text)
            if not report.get("max_score"):
                continue
            title = report.get("title") or spec
            latest[title, student] = report  # the rows come oldest first: the last one stays
            sittings[title] += 1
    shares = defaultdict(list)
    for (title, _student), report in latest.items():
        shares[title].append(report["score"] / report["max_score"])
    out = []
    for title in sorted(shares):
        values = sorted(shares[title])
        q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive") if len(values) > 1 else values * 3
        out.append(
            {
                "mock": title,
                "students": len(values),
                "sittings": sittings[title],
                "lowest": round(values[0], 4),
                "lower_quartile": round(q1, 4),
                "median": round(median, 4),
                "upper_quartile": round(q3, 4),
                "highest": round(values[-1], 4),
                "mean": round(statistics.fmean(values), 4),
                "scores": [round(v, 4) for v in values],
            }
        )
    return out


def _title(course, qid: str) -> str:
    """A question's title; a question since dropped from the bank keeps its id."""
    template = course.bank.templates.get(qid)
    return template.title if template else qid
