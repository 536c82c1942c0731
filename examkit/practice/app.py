"""`examkit practice serve`: the practice app, a Flask application on 127.0.0.1 that works offline
(math as MathML, figures inline, no CDN) on the same progress database as the terminal drill.

Every page works without JavaScript; the script only adds the live "you typed" preview and the
mock exam's clock. State changes are POSTs carrying this server's token, and a POST whose Origin
is another site is refused (cross-site request forgery).
"""

from __future__ import annotations

import hmac
import random
import re
import secrets
import time
from datetime import date
from urllib.parse import urlparse

from flask import Flask, abort, g, jsonify, redirect, render_template, request, url_for
from markupsafe import Markup

from ..bank.identity import VariantIdentity, realize
from ..bank.loader import load_bank, load_syllabus
from ..bank.render import format_number
from ..checking.echo import echo_latex
from ..checking.verdict import Verdict
from ..drill import schedule
from ..drill.session import schedule_days
from ..drill.sheet import sheet_page
from ..drill.store import ProgressError, ProgressStore
from ..errors import NotFound
from ..exam.preview import answer_html, question_view
from ..exam.spec import SpecError
from ..markup import to_html
from ..markup.mathml import math_to_mathml
from ..parts.short import self_marked, ticked
from ..resources import bundled
from ..study import mistakes
from . import checks, progress
from . import mock as mocks

STATUS_MARKS = {"correct": "✔", "partial": "◐", "imprecise": "◐", "manual": "✎"}
REVIEW_MAX = 30  # mistakes on one review page, newest first
SHEET_MAX = 40  # questions on one practice sheet
NO_ANSWER = "No answer yet, so nothing was checked or recorded: type an answer, or press Show the answer."


def create_app(db=None, bank=None, exam_date: date | None = None, mock_spec=None, clock=time.time) -> Flask:
    bank = bank or load_bank()
    syllabus = load_syllabus()
    db_path = ProgressStore(db).path  # fails here, with the file named, if it cannot be used
    app = Flask(__name__, template_folder=str(bundled("templates") / "practice"))
    app.config.update(TOKEN=secrets.token_urlsafe(32), TEMPLATES_AUTO_RELOAD=False)
    app.jinja_env.autoescape = True  # every value is escaped (Flask's default skips *.j2); bank HTML is marked |safe
    app.jinja_env.filters["bank_html"] = lambda text: Markup(to_html(text))  # bank text kept in stored reports
    objectives = syllabus.get("objectives", {})
    items = syllabus.get("items", {})

    def store() -> ProgressStore:
        if "store" not in g:
            g.store = ProgressStore(db_path)
        return g.store

    @app.teardown_appcontext
    def close_store(_exc):
        s = g.pop("store", None)
        if s is not None:
            s.close()

    @app.before_request
    def refuse_cross_site():
        if request.method != "POST":
            return None
        origin = request.headers.get("Origin")
        if origin and origin != "null" and urlparse(origin).netloc != request.host:
            abort(403, "a request from another site was refused")
        if not hmac.compare_digest(request.form.get("token", ""), app.config["TOKEN"]):
            abort(403, "this form is out of date (the practice server was restarted): go back and reload the page")
        return None

    @app.errorhandler(ProgressError)
    def progress_error(exc):
        return render_template("error.html.j2", title="Progress not saved", message=str(exc)), 500

    @app.errorhandler(SpecError)
    def spec_error(exc):
        return render_template("error.html.j2", title="This exam spec cannot be used", message=str(exc)), 400

    @app.errorhandler(400)
    @app.errorhandler(403)
    @app.errorhandler(404)
    def http_error(exc):
        return render_template("error.html.j2", title=exc.name, message=exc.description), exc.code

    @app.context_processor
    def common():
        referrer = urlparse(request.referrer or "")
        return {
            "token": app.config["TOKEN"],
            "back": request.referrer if referrer.netloc == request.host else "",
            "objective_name": lambda k: objectives.get(k, k),
            "question_title": lambda qid: bank.get(qid).title if qid in bank.templates else qid,
            "fmt": format_number,
            "picked": picked,
        }

    # --- choosing what to practise --------------------------------------------------------
    def selection():
        """The templates of the chosen topic, objective or study-guide item; 400 listing the valid ones."""
        topic, objective, item = (request.values.get(k) or None for k in ("topic", "objective", "item"))
        for value, valid, what in ((topic, bank.topics, "topic"), (objective, objectives, "objective"),
                                   (item, items, "study-guide item")):  # fmt: skip
            if value is not None and value not in valid:
                abort(400, f"no {what} {value!r}; choose one of: {', '.join(valid)}")
        chosen = [
            t
            for t in bank
            if (topic is None or t.topic == topic)
            and (objective is None or objective in t.objectives)
            and (item is None or item in t.covers)
        ]
        if not chosen:
            abort(400, "no question matches this choice")
        return chosen, _kept(request.values)

    @app.get("/")
    def home():
        s = store()
        attempts = s.attempts()
        return render_template(
            "home.html.j2",
            topics=[(t, bank.topic_titles.get(t, t)) for t in bank.topics],
            objectives=objectives,
            items=items,
            due=progress.due(bank, s.boxes(), clock(), attempts),
            attempted=len(attempts),
        )

    @app.get("/practice")
    def practice():
        chosen, chosen_filter = selection()
        s = store()
        attempts = s.attempts()
        plan = progress.plan(bank, syllabus, attempts, plan_date(), date.fromtimestamp(clock()))
        prefer = progress.preference(plan)
        template, why = schedule.pick(
            chosen, s.boxes(), schedule.mastery(attempts), clock(), random.Random(), set(), prefer=prefer
        )
        seed = secrets.randbelow(1_000_000)
        return redirect(url_for("question", qid=template.id, seed=seed, why=why, **chosen_filter))

    # --- one question ---------------------------------------------------------------------
    def new_session() -> str:
        """One answer form's session: unique, so its self-marks are recorded once."""
        return f"web-{int(clock())}-{secrets.token_hex(4)}"

    def known(qid):
        if qid not in bank.templates:
            abort(404, f"no question {qid!r}")

    def variant_of(qid, seed):
        known(qid)
        return realize(bank, VariantIdentity(qid, seed))

    @app.get("/q/<qid>/<int:seed>")
    def question(qid, seed):
        return question_page(variant_of(qid, seed), _count(request.args.get("hints")), request.args, {})

    def question_page(v, shown, fields, answers, refused=None, notice=""):
        """The question with `shown` hints; `answers` typed so far stay in their fields; `refused`:
        per part, why the checker could not read its answer (nothing else is said about it)."""
        hints = [to_html(h) for p in v.parts for h in p.hints] + [to_html(h) for h in v.hints]
        shown = min(shown, len(hints), 20)
        keep = _kept(fields, "why")
        return render_template(
            "question.html.j2",
            v=v,
            view=question_view(None, None, v.qid, v.seed, v),
            parts=_parts(v),
            hints=hints[:shown],
            more_hints=shown < len(hints),
            answers=answers,
            refused=refused or {},
            notice=notice,
            keep=keep,
            why=fields.get("why"),
            fresh=url_for("fresh", qid=v.qid, **{k: v2 for k, v2 in keep.items() if k != "why"}),
        )

    @app.get("/q/<qid>/fresh")
    def fresh(qid):
        known(qid)
        keep = _kept(request.args)
        return redirect(url_for("question", qid=qid, seed=secrets.randbelow(1_000_000), **keep))

    @app.post("/q/<qid>/<int:seed>")
    def answer(qid, seed):
        v = variant_of(qid, seed)
        hints = _count(request.form.get("hints"))
        typed = {p.id: _typed(request.form, p) for p in v.parts}
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
        session = request.form.get("session") or new_session()
        results, got, possible = [], 0.0, 0.0
        for p in v.parts:
            verdict = verdicts[p.id]
            if verdict is not None:
                s.record(session, v.qid, seed, p.id, v.objectives, verdict, hints, typed[p.id], at=clock())
                got, possible = got + verdict.score, possible + verdict.max_score
            results.append(_result(p, typed[p.id], verdict))
        pending = not reveal and any(verdict is None for verdict in verdicts.values())
        state = (
            None if pending else s.finish_question(v.qid, seed, got / possible if possible else 0.0, hints, at=clock())
        )
        keep = _kept(request.form)
        return render_template(
            "result.html.j2",
            v=v,
            view=question_view(None, None, qid, seed, v),
            parts=_parts(v),
            results=results,
            got=got,
            possible=possible,
            state=state,
            pending=pending,
            session=session,
            hints=hints,
            keep=keep,
            next=url_for("practice", **keep),
            redo=url_for("question", qid=qid, seed=seed, **keep),
            fresh=url_for("fresh", qid=qid, **keep),
            whole_solution=to_html(v.solution) if v.solution else "",
        )

    @app.post("/q/<qid>/<int:seed>/self-mark")
    def self_mark(qid, seed):
        """Short answers: the student ticks each rubric item their answer made."""
        v = variant_of(qid, seed)
        s = store()
        session = request.form.get("session") or new_session()
        hints = _count(request.form.get("hints"))
        written = [p for p in v.parts if p.response == "text"]
        if any(s.recorded(session, v.qid, seed, p.id) for p in written):  # Back, then the form again
            return render_template("marked.html.j2", v=v, again=True, next=url_for("practice", **_kept(request.form)),
                                   fresh=url_for("fresh", qid=qid, **_kept(request.form)))  # fmt: skip
        got = possible = 0.0
        for p in v.parts:
            if p.response != "text":  # checked again (already recorded): the score is never the form's word
                typed = _typed(request.form, p)
                verdict = checks.check(v, p.id, typed) if typed.strip() else None
                if verdict is not None and not verdict.refused:
                    got += verdict.score
                possible += p.points
                continue
            verdict = self_marked(p.rubric, ticked(request.form.getlist(f"rubric-{p.id}"), p.rubric), p.points)
            s.record(session, v.qid, seed, p.id, v.objectives, verdict, hints, request.form.get(f"answer-{p.id}", ""))
            got, possible = got + verdict.score, possible + p.points
        state = s.finish_question(v.qid, seed, got / possible if possible else 0.0, hints, at=clock())
        keep = _kept(request.form)
        return render_template(
            "marked.html.j2", v=v, got=got, possible=possible, state=state, next=url_for("practice", **keep),
            fresh=url_for("fresh", qid=qid, **keep),
        )  # fmt: skip

    @app.get("/api/preview")
    def preview():
        """What the checker reads in a half-typed answer; never whether it is right."""
        qid, part_id, typed = request.args.get("qid", ""), request.args.get("part", ""), request.args.get("answer", "")
        seed = request.args.get("seed", "0")
        if qid not in bank.templates or not seed.isdigit() or not typed.strip():
            return jsonify(_reading())
        v = realize(bank, VariantIdentity(qid, int(seed)))
        part = next((p for p in v.parts if p.id == part_id), None)
        if part is None or part.response in ("options", "text"):
            return jsonify(_reading())
        verdict = checks.check(v, part.id, typed)  # whole: its refusal is the one Check gives
        if verdict.refused:
            return jsonify(_reading(error=verdict.message))
        return jsonify(_reading(verdict.interpreted))

    # --- review, progress -----------------------------------------------------------------
    @app.get("/review")
    def review():
        """The mistakes to review (study/mistakes.py, as `drill --review` lists them), each with its
        question as it was answered: the stem with its numbers, every part, the options and the
        student's own answers."""
        found = []
        for rows in mistakes.to_review(store().attempts(), bank.templates)[:REVIEW_MAX]:
            qid, seed = rows[0]["qid"], rows[0]["seed"]
            v = realize(bank, VariantIdentity(qid, seed))
            view = question_view(None, None, qid, seed, v)
            answered = {a["part"]: a for a in rows}
            parts = [{"view": vp, "attempt": answered.get(p.id), "expected": expected_html(p)}
                     for p, vp in zip(v.parts, view["parts"])]  # fmt: skip
            found.append(
                {
                    "title": v.title,
                    "view": view,
                    "parts": parts,
                    "whole_solution": to_html(v.solution),
                    "when": _when(rows[-1]["at"]),
                    "mock": rows[0]["session"].startswith("mock-"),
                    "qid": qid,
                    "redo": url_for("question", qid=qid, seed=seed),
                    "fresh": url_for("fresh", qid=qid),
                }
            )
        return render_template("review.html.j2", mistakes=found)

    @app.get("/history/<qid>")
    def history(qid):
        """Every answer given to one question, newest first, with its box and what is due."""
        known(qid)
        rows = [
            {**a, "when": _when(a["at"]),
             "mock": a["session"].startswith("mock-")}
            for a in reversed(store().attempts()) if a["qid"] == qid
        ]  # fmt: skip
        state = store().box(qid)
        return render_template(
            "history.html.j2", qid=qid, title=bank.get(qid).title, rows=rows, state=state,
            due=schedule_days(state, clock()) if state else "", fresh=url_for("fresh", qid=qid),
        )  # fmt: skip

    @app.get("/progress")
    def progress_page():
        s = store()
        attempts = progress.Evidence(s.attempts())
        return render_template(
            "progress.html.j2",
            topics=progress.topic_rows(bank, attempts),
            objectives=progress.objective_rows(bank, syllabus, attempts),
            items=progress.item_rows(bank, syllabus, attempts),
            due=progress.due(bank, s.boxes(), clock(), attempts),
            plan=progress.plan(bank, syllabus, attempts, plan_date(), date.fromtimestamp(clock())),
            exam_date=plan_date(),
            evidence=progress.EVIDENCE_TEMPLATES,
        )

    def plan_date() -> date | None:
        """The exam date the plan aims at: the student's own (set on the progress page), else --exam-date."""
        stored = store().setting("exam_date")
        return date.fromisoformat(stored) if stored else exam_date

    @app.post("/plan")
    def set_exam_date():
        text = request.form.get("exam_date", "").strip()
        if text:
            try:
                date.fromisoformat(text)
            except ValueError:
                abort(400, f"the exam date must be a date such as 2026-12-14 (got {text!r})")
        store().set_setting("exam_date", text or None)
        return redirect(url_for("progress_page"))

    # --- printable practice sheet ---------------------------------------------------------
    @app.get("/sheet")
    def practice_sheet():
        """A form, then the sheet itself: fresh variants with answers and worked solutions folded
        under each question, made to print (the page `examkit practice sheet` writes)."""
        if "count" not in request.args:
            return render_template("sheet_start.html.j2", topics=[(t, bank.topic_titles.get(t, t)) for t in bank.topics],
                                   objectives=objectives, seed=secrets.randbelow(1_000_000))  # fmt: skip
        topic, objective = (request.args.get(k) or None for k in ("topic", "objective"))
        try:
            count, seed = int(request.args["count"]), int(request.args.get("seed") or 0)
        except ValueError:
            abort(400, "the number of questions and the seed must be whole numbers")
        if not 1 <= count <= SHEET_MAX:
            abort(400, f"a sheet holds 1 to {SHEET_MAX} questions (got {count})")
        try:
            page, _ = sheet_page(bank, topic, objective, count, seed)
        except NotFound as exc:
            abort(400, str(exc))
        return page

    # --- mock exams -----------------------------------------------------------------------
    @app.get("/mock")
    def mock_home():
        bundled = mocks.bundled_mocks()
        titles = {str(m.path): m.title for m in bundled.values()}
        return render_template(
            "mock_start.html.j2",
            bundled=bundled.values(),
            chosen=str(mock_spec or mocks.DEFAULT_MOCK),
            past=[
                {**m, "when": _when(m["started"]), "exam": titles.get(m["spec"], m["spec"])} for m in store().mocks()
            ],
        )

    @app.post("/mock")
    def mock_start():
        own = request.form.get("own_spec", "").strip()
        spec = own or request.form.get("spec", "").strip() or str(mock_spec or mocks.DEFAULT_MOCK)
        try:
            mock_id = mocks.new_mock(store(), bank, spec, request.form.get("minutes", "").strip() or None, clock)
        except ValueError as exc:
            abort(400, str(exc))
        return redirect(url_for("mock_exam", mock_id=mock_id))

    def the_mock(mock_id):
        m = store().mock(mock_id)
        if m is None:
            abort(404, f"no mock exam {mock_id!r}")
        return m

    @app.get("/mock/<mock_id>")
    def mock_exam(mock_id):
        m = the_mock(mock_id)
        spec, exam = mocks.version(bank, m["spec"], m["seed"])
        if m["report"]:
            return render_template(
                "mock_report.html.j2", m=m, r=m["report"], marks={**STATUS_MARKS, "self-marked": "✎"},
                views={q.number: question_view(q.number, q.section, q.qid, q.seed, q.variant) for q in exam.questions},
                expected={(q.number, p.id): expected_html(p) for q in exam.questions for p in q.variant.parts},
                whole_solutions={q.number: to_html(q.variant.solution) for q in exam.questions},
            )  # fmt: skip
        saved = m["answers"]
        questions = [
            {"q": q, "view": question_view(q.number, q.section, q.qid, q.seed, q.variant), "parts": _parts(q.variant),
             "answers": {p.id: saved.get(f"q{q.number}-{p.id}", "") for p in q.variant.parts}}
            for q in exam.questions
        ]  # fmt: skip
        ends = m["started"] + m["minutes"] * 60
        return render_template(
            "mock.html.j2", m=m, spec=spec, questions=questions, ends=ends, left=max(0, ends - clock())
        )

    def mock_answers(exam) -> dict:
        """The mock answers in this form, by field name ("q<N>-<part>")."""
        return {
            f"q{q.number}-{p.id}": _typed(request.form, p, prefix=f"q{q.number}-")
            for q in exam.questions
            for p in q.variant.parts
        }

    @app.post("/mock/<mock_id>/save")
    def mock_save(mock_id):
        """Answers saved as they are typed (the page's script sends each field it changes, blank or
        not) or with the Save button (every answer given), so every tab's answers reach the hand-in."""
        m = the_mock(mock_id)
        _, exam = mocks.version(bank, m["spec"], m["seed"])
        typed = mock_answers(exam)
        fields = [name.replace("-answer-", "-", 1) for name in request.form.getlist("fields")]  # field -> "q<N>-<part>"
        answers = (
            {k: typed[k] for k in fields if k in typed} if fields else {k: t for k, t in typed.items() if t.strip()}
        )
        if not store().save_mock_answers(mock_id, answers):
            return handed_in_already(m, exam, answers)
        if request.form.get("via") == "script":
            return "", 204
        return redirect(url_for("mock_exam", mock_id=mock_id))

    @app.post("/mock/<mock_id>")
    def mock_submit(mock_id):
        """Hand in: the answers on this page, and those saved from other tabs where this page has none."""
        m = the_mock(mock_id)
        _, exam = mocks.version(bank, m["spec"], m["seed"])
        typed = mock_answers(exam)
        if m["report"]:
            return handed_in_already(m, exam, typed)
        answers = {k: t if t.strip() else m["answers"].get(k, "") for k, t in typed.items()}
        labels = mocks.part_labels(exam)
        added = [labels[k] for k, t in typed.items() if not t.strip() and answers[k].strip()]
        report = {**mocks.mark(bank, store(), m, answers, clock), "added": added}
        store().finish_mock(mock_id, answers, report, at=clock())
        return redirect(url_for("mock_exam", mock_id=mock_id))

    def handed_in_already(m, exam, typed):
        """A tab that sends answers after another tab handed the mock in: what it holds beyond the
        marked answers is named, never dropped in silence."""
        labels = mocks.part_labels(exam)
        late = [(labels[k], t) for k, t in typed.items() if t.strip() and t != m["answers"].get(k, "")]
        if not late:
            return redirect(url_for("mock_exam", mock_id=m["id"]))
        return render_template("mock_late.html.j2", m=m, late=late, when=_when(m["finished"])), 409

    @app.post("/mock/<mock_id>/self-mark")
    def mock_self_mark(mock_id):
        m = the_mock(mock_id)
        if not m["report"]:
            abort(400, "submit the mock exam before marking it")
        keys = [k for k in request.form if k.startswith("rubric-")]
        mocks.self_mark(store(), m, {k[len("rubric-") :]: request.form.getlist(k) for k in keys}, clock)
        return redirect(url_for("mock_exam", mock_id=mock_id))

    return app


def _parts(v) -> list[dict]:
    """Per part: what its form field is (a line, lines, radio buttons, check boxes, a text box)."""
    out = []
    for p in v.parts:
        kind = {"number": "line", "formula": "line", "steps": "lines", "text": "text"}.get(p.response, "options")
        if kind == "options":
            kind = "radio" if p.select == "single" else "checkbox"
        out.append({"id": p.id, "kind": kind, "unit": to_html(p.unit) if p.unit else "", "part": p,
                    "start": math_to_mathml(p.start) if p.response == "steps" and p.start else ""})  # fmt: skip
    return out


def expected_html(part) -> str:
    """The expected answer as a page shows it: the right options with their text, everything else
    typeset as the exam preview shows it."""
    if part.options:
        return "; ".join(f"{o.letter}. {to_html(o.text)}" for o in part.options if o.letter in part.answer)
    return answer_html(part)


def picked(answer) -> set:
    """The option letters in a stored choice answer ("A,C" from a form, "a c" from the terminal)."""
    return set(re.findall(r"[A-Z]", (answer or "").upper()))


def _kept(values, *extra) -> dict:
    """The practice choice (topic, objective, study-guide item) carried from page to page."""
    return {k: values[k] for k in ("topic", "objective", "item", *extra) if values.get(k)}


def _when(at: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(at))


def _count(text) -> int:
    """A small count from a form or query (hints shown): anything that is not one is 0."""
    return int(text) if isinstance(text, str) and text.isdigit() and len(text) < 4 else 0


def _typed(form, part, prefix="") -> str:
    name = f"{prefix}answer-{part.id}" if prefix else f"answer-{part.id}"
    if part.response == "options":
        return ",".join(form.getlist(name))
    return form.get(name, "")


def _reading(seen=None, error="") -> dict:
    """The live preview's answer: the structure as typed (text and MathML, its value beside it) and
    notes on readings worth saying; the same keys whatever was typed, and never a verdict."""
    seen = seen or {}
    return {
        "text": seen.get("text", ""),
        "value": seen.get("value", ""),
        "mathml": math_to_mathml(echo_latex(seen)) if seen.get("latex") else "",
        "notes": seen.get("notes", []),
        "error": error,
    }


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
        return {"part": part.id, "answer": typed, "status": "manual", "mark": "✎", "message": "", "feedback": [],
                "expected": to_html(part.answer_text), "rubric": part.rubric, "you_typed": ""}  # fmt: skip
    seen = _reading(verdict.interpreted)
    return {
        "part": part.id,
        "answer": typed,
        "status": verdict.status,
        "mark": STATUS_MARKS.get(verdict.status, "✘"),
        "message": to_html(verdict.message),
        "feedback": [to_html(f) for f in verdict.feedback if not verdict.misconception or f not in verdict.message],
        "expected": expected_html(part) if verdict.status != "correct" else "",
        "rubric": [],
        "you_typed": seen["mathml"],
        "notes": seen["notes"],
        "score": verdict.score,
        "max": verdict.max_score,
    }


def serve(app: Flask, port: int = 8765, open_browser: bool = False, bank_paths=None, workers: int = 2):
    """Serve on 127.0.0.1 only: a thread per request (two tabs, two browsers or a script never wait
    on each other, nor on a browser holding a connection open), checks in `workers` processes."""
    from werkzeug.serving import make_server

    checks.start(bank_paths, workers)
    server = make_server("127.0.0.1", port, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}/"
    print(f"practice app on {url} (Ctrl-C stops it)", flush=True)
    if open_browser:
        import webbrowser

        webbrowser.open(url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("\nstopped")
    finally:
        checks.stop()
    return url
