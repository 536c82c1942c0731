"""Looking back and ahead: the mistakes to review, one question's history, progress and the plan
for an exam date, and the printable practice sheet."""

from __future__ import annotations

import secrets
from datetime import date

from flask import Blueprint, abort, redirect, render_template, request, url_for

from ...errors import NotFound
from ...markup import to_html
from ...study import mistakes, progress
from ...study.schedule import schedule_days
from ...study.sheet import sheet_page
from . import forms
from .context import here, store

REVIEW_MAX = 30  # mistakes on one review page, newest first
SHEET_MAX = 40  # questions on one practice sheet

pages = Blueprint("progress", __name__)


@pages.get("/review")
def review():
    """The mistakes to review (study/mistakes.py, as `drill --review` lists them), each with its
    question as it was answered: the stem with its numbers, every part, the options and the
    student's own answers."""
    P = here()
    found = []
    for rows in mistakes.to_review(store().attempts(), P.bank.templates)[:REVIEW_MAX]:
        qid, seed = rows[0]["qid"], rows[0]["seed"]
        v = P.variant_of(qid, seed)
        view = here().view_of(v)
        answered = {a["part"]: a for a in rows}
        parts = [{"view": vp, "attempt": answered.get(p.id), "expected": forms.expected_html(p)}
                 for p, vp in zip(v.parts, view["parts"])]  # fmt: skip
        found.append(
            {
                "title": v.title,
                "view": view,
                "parts": parts,
                "whole_solution": to_html(v.solution),
                "when": forms.when(rows[-1]["at"]),
                "mock": rows[0]["session"].startswith("mock-"),
                "qid": qid,
                "redo": url_for("questions.question", qid=qid, seed=seed),
                "fresh": url_for("questions.fresh", qid=qid),
            }
        )
    return render_template("review.html.j2", mistakes=found)


@pages.get("/history/<qid>")
def history(qid):
    """Every answer given to one question, newest first, with its box and what is due."""
    P = here()
    P.known(qid)
    rows = [
        {**a, "when": forms.when(a["at"]), "mock": a["session"].startswith("mock-")}
        for a in reversed(store().attempts())
        if a["qid"] == qid
    ]
    state = store().box(qid)
    return render_template(
        "history.html.j2", qid=qid, title=P.bank.get(qid).title, rows=rows, state=state,
        due=schedule_days(state, P.clock()) if state else "", fresh=url_for("questions.fresh", qid=qid),
    )  # fmt: skip


@pages.get("/progress")
def progress_page():
    P, s = here(), store()
    attempts = progress.Evidence(s.attempts())
    exam_date = P.plan_date()
    return render_template(
        "progress.html.j2",
        topics=progress.topic_rows(P.bank, attempts),
        objectives=progress.objective_rows(P.bank, P.syllabus, attempts),
        items=progress.item_rows(P.bank, P.syllabus, attempts),
        due=progress.due(P.bank, s.boxes(), P.clock(), attempts),
        plan=progress.plan(P.bank, P.syllabus, attempts, exam_date, date.fromtimestamp(P.clock())),
        exam_date=exam_date,
        evidence=progress.EVIDENCE_TEMPLATES,
    )


@pages.post("/plan")
def set_exam_date():
    text = request.form.get("exam_date", "").strip()
    if text:
        try:
            date.fromisoformat(text)
        except ValueError:
            abort(400, f"the exam date must be a date such as 2026-12-14 (got {text!r})")
    store().set_setting(progress.EXAM_DATE, text or None)
    return redirect(url_for(".progress_page"))


@pages.get("/sheet")
def practice_sheet():
    """A form, then the sheet itself: fresh variants with answers and worked solutions folded
    under each question, made to print (the page `examkit practice sheet` writes)."""
    P = here()
    if "count" not in request.args:
        return render_template("sheet_start.html.j2", topics=P.topics(), objectives=P.objectives,
                               seed=secrets.randbelow(1_000_000))  # fmt: skip
    topic, objective = (request.args.get(k) or None for k in ("topic", "objective"))
    try:
        count, seed = int(request.args["count"]), int(request.args.get("seed") or 0)
    except ValueError:
        abort(400, "the number of questions and the seed must be whole numbers")
    if not 1 <= count <= SHEET_MAX:
        abort(400, f"a sheet holds 1 to {SHEET_MAX} questions (got {count})")
    try:
        page, _ = sheet_page(P.bank, topic, objective, count, seed)
    except NotFound as exc:
        abort(400, str(exc))
    return page
