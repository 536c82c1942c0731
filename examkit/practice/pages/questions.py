"""Practising one question at a time: choose what to practise, answer, check (or reveal), self-mark
written parts, and the live "you typed" preview."""

from __future__ import annotations

import random
import secrets
from datetime import date

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for

from ...checking.verdict import Verdict
from ...markup import to_html
from ...parts.short import self_marked, ticked
from ...study import progress, schedule
from .. import checks
from . import forms
from .context import here, store

SELF_MARKED = "A written answer: compare it with the model answer, then tick below each point it makes."
NO_ANSWER = "No answer yet, so nothing was checked or recorded: type an answer, or press Show the answer."

pages = Blueprint("questions", __name__)


def selection():
    """The templates of the chosen topic, objective or study-guide item; 400 listing the valid ones."""
    P = here()
    topic, objective, item = (request.values.get(k) or None for k in ("topic", "objective", "item"))
    for value, valid, what in ((topic, P.bank.topics, "topic"), (objective, P.objectives, "objective"),
                               (item, P.items, "study-guide item")):  # fmt: skip
        if value is not None and value not in valid:
            abort(400, f"no {what} {value!r}; choose one of: {', '.join(valid)}")
    chosen = [
        t
        for t in P.bank
        if (topic is None or t.topic == topic)
        and (objective is None or objective in t.objectives)
        and (item is None or item in t.covers)
    ]
    if not chosen:
        abort(400, "no question matches this choice")
    return chosen, forms.kept(request.values)


@pages.get("/")
def home():
    P, s = here(), store()
    attempts = s.attempts()
    return render_template(
        "home.html.j2",
        topics=P.topics(),
        objectives=P.objectives,
        items=P.items,
        due=progress.due(P.bank, s.boxes(), P.clock(), attempts),
        attempted=len(attempts),
    )


@pages.get("/practice")
def practice():
    P, s = here(), store()
    chosen, chosen_filter = selection()
    attempts = s.attempts()
    plan = progress.plan(P.bank, P.syllabus, attempts, P.plan_date(), date.fromtimestamp(P.clock()))
    template, why = schedule.pick(
        chosen,
        s.boxes(),
        schedule.mastery(attempts),
        P.clock(),
        random.Random(),
        set(),
        prefer=progress.preference(plan),
    )
    seed = secrets.randbelow(1_000_000)
    return redirect(url_for(".question", qid=template.id, seed=seed, why=why, **chosen_filter))


@pages.get("/q/<qid>/<int:seed>")
def question(qid, seed):
    return question_page(here().variant_of(qid, seed), forms.count(request.args.get("hints")), request.args, {})


def question_page(v, shown, fields, answers, refused=None, notice=""):
    """The question with `shown` hints; `answers` typed so far stay in their fields; `refused`:
    per part, why the checker could not read its answer (nothing else is said about it)."""
    hints = [to_html(h) for p in v.parts for h in p.hints] + [to_html(h) for h in v.hints]
    shown = min(shown, len(hints), 20)
    keep = forms.kept(fields, "why")
    return render_template(
        "question.html.j2",
        v=v,
        view=here().view_of(v),
        parts=forms.parts_of(v),
        hints=hints[:shown],
        more_hints=shown < len(hints),
        answers=answers,
        refused=refused or {},
        notice=notice,
        keep=keep,
        why=fields.get("why"),
        fresh=url_for(".fresh", qid=v.qid, **{k: v2 for k, v2 in keep.items() if k != "why"}),
    )


@pages.get("/q/<qid>/fresh")
def fresh(qid):
    here().known(qid)
    return redirect(url_for(".question", qid=qid, seed=secrets.randbelow(1_000_000), **forms.kept(request.args)))


@pages.post("/q/<qid>/<int:seed>")
def answer(qid, seed):
    P = here()
    v = P.variant_of(qid, seed)
    hints = forms.count(request.form.get("hints"))
    typed = {p.id: forms.typed(request.form, p) for p in v.parts}
    action = request.form.get("action")
    if action == "hint":  # a hint keeps what is typed: nothing is checked yet
        return question_page(v, hints + 1, request.form, typed)
    reveal = action == "reveal"
    if not reveal and not any(t.strip() for t in typed.values()):  # an empty Check is no answer, not a wrong one
        return question_page(v, hints, request.form, typed, notice=NO_ANSWER)
    verdicts = {p.id: _verdict(v, p, typed[p.id], reveal) for p in v.parts}
    refused = {pid: to_html(x.message) for pid, x in verdicts.items() if x and x.refused}
    if refused:  # the checker could not read it: say why, keep the form, reveal and record nothing
        return question_page(v, hints, request.form, typed, refused=refused)
    s = store()
    session = request.form.get("session") or P.new_session()
    results, got, possible = [], 0.0, 0.0
    for p in v.parts:
        verdict = verdicts[p.id]
        if verdict is not None:
            s.record(session, v.qid, seed, p.id, v.objectives, verdict, hints, typed[p.id], at=P.clock())
            got, possible = got + verdict.score, possible + verdict.max_score
        results.append(_result(p, typed[p.id], verdict))
    pending = not reveal and any(verdict is None for verdict in verdicts.values())
    state = (
        None if pending else s.finish_question(v.qid, seed, got / possible if possible else 0.0, hints, at=P.clock())
    )
    keep = forms.kept(request.form)
    return render_template(
        "result.html.j2",
        v=v,
        view=here().view_of(v),
        parts=forms.parts_of(v),
        results=results,
        got=got,
        possible=possible,
        state=state,
        pending=pending,
        session=session,
        hints=hints,
        keep=keep,
        next=url_for(".practice", **keep),
        redo=url_for(".question", qid=qid, seed=seed, **keep),
        fresh=url_for(".fresh", qid=qid, **keep),
        whole_solution=to_html(v.solution) if v.solution else "",
    )


@pages.post("/q/<qid>/<int:seed>/self-mark")
def self_mark(qid, seed):
    """Short answers: the student ticks each rubric item their answer made."""
    P, s = here(), store()
    v = P.variant_of(qid, seed)
    session = request.form.get("session") or P.new_session()
    hints = forms.count(request.form.get("hints"))
    keep = forms.kept(request.form)
    written = [p for p in v.parts if p.response == "text"]
    if any(s.recorded(session, v.qid, seed, p.id) for p in written):  # Back, then the form again
        return render_template("marked.html.j2", v=v, again=True, next=url_for(".practice", **keep),
                               fresh=url_for(".fresh", qid=qid, **keep))  # fmt: skip
    got = possible = 0.0
    for p in v.parts:
        if p.response != "text":  # checked again (already recorded): the score is never the form's word
            typed = forms.typed(request.form, p)
            verdict = checks.check(v, p.id, typed) if typed.strip() else None
            if verdict is not None and not verdict.refused:
                got += verdict.score
            possible += p.points
            continue
        verdict = self_marked(p.rubric, ticked(request.form.getlist(f"rubric-{p.id}"), p.rubric), p.points)
        s.record(session, v.qid, seed, p.id, v.objectives, verdict, hints, request.form.get(f"answer-{p.id}", ""))
        got, possible = got + verdict.score, possible + p.points
    state = s.finish_question(v.qid, seed, got / possible if possible else 0.0, hints, at=P.clock())
    return render_template(
        "marked.html.j2", v=v, got=got, possible=possible, state=state, next=url_for(".practice", **keep),
        fresh=url_for(".fresh", qid=qid, **keep),
    )  # fmt: skip


@pages.get("/api/preview")
def preview():
    """What the checker reads in a half-typed answer; never whether it is right."""
    P = here()
    qid, part_id, typed = request.args.get("qid", ""), request.args.get("part", ""), request.args.get("answer", "")
    seed = request.args.get("seed", "0")
    if qid not in P.bank.templates or not seed.isdigit() or not typed.strip():
        return jsonify(forms.reading())
    v = P.variant_of(qid, int(seed))
    part = next((p for p in v.parts if p.id == part_id), None)
    if part is None or part.response in ("options", "text"):
        return jsonify(forms.reading())
    verdict = checks.check(v, part.id, typed)  # whole: its refusal is the one Check gives
    if verdict.refused:
        return jsonify(forms.reading(error=verdict.message))
    return jsonify(forms.reading(verdict.interpreted))


def _verdict(v, part, typed: str, reveal: bool) -> Verdict | None:
    """A part's verdict; None for a written part (the student marks it against the rubric)."""
    if part.response == "text":
        return None
    if reveal:
        return Verdict("incorrect", 0.0, part.points, "answer shown without an attempt")
    if not typed.strip():
        return Verdict("incorrect", 0.0, part.points, "no answer")
    return checks.check(v, part.id, typed)


def _result(part, typed, verdict) -> dict:
    if verdict is None:
        return {"part": part.id, "answer": typed, "status": "manual", "mark": "✎", "message": SELF_MARKED, "feedback": [],
                "expected": to_html(part.answer_text), "rubric": part.rubric, "you_typed": ""}  # fmt: skip
    seen = forms.reading(verdict.interpreted)
    return {
        "part": part.id,
        "answer": typed,
        "status": verdict.status,
        "mark": forms.STATUS_MARKS.get(verdict.status, "✘"),
        "message": to_html(verdict.message),
        "feedback": [to_html(f) for f in verdict.feedback if not verdict.misconception or f not in verdict.message],
        "expected": forms.expected_html(part) if verdict.status != "correct" else "",
        "rubric": [],
        "you_typed": seen["mathml"],
        "notes": seen["notes"],
        "score": verdict.score,
        "max": verdict.max_score,
    }
