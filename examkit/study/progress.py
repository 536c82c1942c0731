"""What a student has covered and mastered, what is due and why, and a plan to meet every objective
and study-guide item before the exam. Shared by the browser app and the terminal.

"Mastered" needs evidence across templates, not one lucky streak on one question: a high
recency-weighted score (drill/schedule.py) and full marks on several different templates of the
objective (all of them where it has fewer).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from . import schedule
from .store import DAY_S

MASTERED_SCORE = 0.8
EVIDENCE_TEMPLATES = 3  # distinct templates answered in full, at most the objective's count
EXAM_DATE = "exam_date"  # the store setting that keeps a student's own exam date (YYYY-MM-DD)


@dataclass
class Row:
    key: str
    name: str
    seen: int
    total: int
    mastery: float | None  # None before any attempt
    solved: int  # distinct templates answered with full marks
    status: str  # not started / learning / mastered

    @property
    def coverage(self) -> float:
        return self.seen / self.total if self.total else 0.0


class Evidence:
    """What a page needs from the attempts, computed once however many tables it shows."""

    def __init__(self, attempts):
        self.attempts = attempts

    @cached_property
    def per_template(self) -> tuple[set, set]:
        """(templates attempted, templates answered with full marks on some attempt of every part)."""
        parts = {}  # (qid, session, seed) -> part -> fraction
        for a in self.attempts:
            fraction = a["score"] / a["max_score"] if a["max_score"] else 0.0
            parts.setdefault((a["qid"], a["session"], a["seed"]), {})[a["part"]] = fraction
        solved = {qid for (qid, _, _), p in parts.items() if all(f >= 1 for f in p.values())}
        return {qid for qid, _, _ in parts}, solved

    @cached_property
    def last_wrong(self) -> set:
        """Templates whose latest answered part was not fully right."""
        last = {}
        for a in self.attempts:
            last[a["qid"]] = a["max_score"] and a["score"] < a["max_score"]
        return {qid for qid, wrong in last.items() if wrong}

    @cached_property
    def skills(self) -> dict:
        return schedule.mastery(self.attempts)


def _evidence(attempts) -> Evidence:
    return attempts if isinstance(attempts, Evidence) else Evidence(attempts)


def _status(mastery, solved, total) -> str:
    if mastery is None:
        return "not started"
    if mastery >= MASTERED_SCORE and solved >= min(EVIDENCE_TEMPLATES, total):
        return "mastered"
    return "learning"


def objective_rows(bank, syllabus, attempts) -> list[Row]:
    """`attempts`: the store's attempts, or an Evidence built from them once for several tables."""
    evidence = _evidence(attempts)
    seen, solved = evidence.per_template
    skills = evidence.skills
    rows = []
    for key, name in syllabus.get("objectives", {}).items():
        ids = {t.id for t in bank if key in t.objectives}
        level = skills.get(key, {}).get("mastery")
        got = len(ids & solved)
        rows.append(Row(key, name, len(ids & seen), len(ids), level, got, _status(level, got, len(ids))))
    return rows


def topic_rows(bank, attempts) -> list[Row]:
    seen, solved = _evidence(attempts).per_template
    rows = []
    for topic in bank.topics:
        ids = {t.id for t in bank if t.topic == topic}
        rows.append(
            Row(topic, bank.topic_titles.get(topic, topic), len(ids & seen), len(ids), None, len(ids & solved), "")
        )
    return rows


def item_rows(bank, syllabus, attempts) -> list[Row]:
    """Study-guide items (exam questions, rapid Q&A, key formulas): met when a template covering
    the item has been answered in full."""
    seen, solved = _evidence(attempts).per_template
    rows = []
    for key, name in syllabus.get("items", {}).items():
        ids = {t.id for t in bank if key in t.covers}
        got = len(ids & solved)
        status = "met" if got else ("tried" if ids & seen else "not started")
        rows.append(Row(key, name, len(ids & seen), len(ids), None, got, status))
    return rows


def due(bank, boxes: dict, now: float, attempts=()) -> list[dict]:
    """Questions due again, oldest first, each with why."""
    wrong, out = _evidence(attempts).last_wrong, []
    for qid, state in boxes.items():
        if qid in bank.templates and state.due <= now:
            days = (now - state.due) / DAY_S
            why = f"box {state.box} of 5: " + ("due now" if days < 1 else f"due for {days:.0f} day(s)")
            if qid in wrong:
                why += " (answered wrong last time)"
            out.append({"qid": qid, "title": bank.get(qid).title, "box": state.box, "why": why, "due": state.due})
    return sorted(out, key=lambda d: d["due"])


def plan_date(own: str | None, default: date | None) -> date | None:
    """The exam date a student's plan aims at: their own (the EXAM_DATE setting they chose on the
    progress page), else the one the server or the course gives."""
    return date.fromisoformat(own) if own else default


def plan(bank, syllabus, attempts, exam_date: date | None, today: date) -> dict | None:
    """How much to do per day so that every objective is mastered and every study-guide item met
    before the exam: the unmet ones, and the templates that would meet them, spread over the days."""
    if exam_date is None:
        return None
    days = (exam_date - today).days
    evidence = _evidence(attempts)
    objectives = [r for r in objective_rows(bank, syllabus, evidence) if r.status != "mastered"]
    items = [r for r in item_rows(bank, syllabus, evidence) if r.status != "met"]
    _, solved = evidence.per_template
    todo = []
    for r in items:  # one template per unmet item: the first not yet solved
        candidates = sorted(t.id for t in bank if r.key in t.covers and t.id not in solved)
        if candidates and candidates[0] not in todo:
            todo.append(candidates[0])
    for r in objectives:  # and enough different templates per objective for the evidence rule
        need = max(0, min(EVIDENCE_TEMPLATES, r.total) - r.solved)
        for qid in sorted(t.id for t in bank if r.key in t.objectives and t.id not in solved):
            if need <= 0:
                break
            if qid not in todo:
                todo.append(qid)
            need -= 1
    per_day = math.ceil(len(todo) / days) if days > 0 else len(todo)
    return {
        "exam_date": exam_date.isoformat(),
        "days_left": days,
        "objectives_left": [r.name for r in objectives],
        "items_left": [r.name for r in items],
        "questions": todo,
        "per_day": per_day,
        "today": todo[:per_day],
        "late": days <= 0,
    }


def preference(plan: dict | None) -> dict:
    """qid -> "today" or "plan": what the drill and the browser draw first, today's share before the
    rest of the plan, so a session follows the plan `--stats` and /progress show."""
    if not plan:
        return {}
    return {**{qid: "plan" for qid in plan["questions"]}, **{qid: "today" for qid in plan["today"]}}
