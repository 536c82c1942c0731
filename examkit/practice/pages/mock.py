"""Mock exams in the browser: choose one (bundled or the student's own spec), answer against the
clock with answers saved as they are typed from any tab, hand in, read the report, self-mark."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for

from ...exam.preview import question_view
from ...markup import to_html
from ...study import mock as mocks
from .. import checks
from . import forms
from .context import here, store

pages = Blueprint("mock", __name__)


def offered() -> dict:
    """The mocks offered by name: the course's (class mode), else the bundled ones."""
    P = here()
    return mocks.bundled_mocks() if P.mocks is None else P.mocks


def first_offered() -> str:
    """The mock offered first: --mock, else the whole unit (locally) or the course's first."""
    P = here()
    return str(P.mock_spec or (mocks.DEFAULT_MOCK if P.mocks is None else next(iter(P.mocks))))


@pages.get("/mock")
def mock_home():
    P = here()
    choices = offered()
    titles = {str(m.path): m.title for m in choices.values()}
    return render_template(
        "mock_start.html.j2",
        bundled=choices.values(),
        own=P.mocks is None,
        chosen=first_offered(),
        past=[
            {**m, "when": forms.when(m["started"]), "exam": titles.get(m["spec"], m["spec"])} for m in store().mocks()
        ],  # fmt: skip
    )


@pages.post("/mock")
def mock_start():
    P = here()
    if P.mocks is None:  # the student's own machine: a bundled mock, or a spec file of their own
        own = request.form.get("own_spec", "").strip()
        spec = own or request.form.get("spec", "").strip() or first_offered()
    else:  # a server: only the mocks offered, never a path on the server's disk
        name = request.form.get("spec", "").strip() or first_offered()
        if name not in P.mocks:
            abort(400, f"no mock exam {name!r} in this course; choose one of: {', '.join(P.mocks)}")
        spec = str(P.mocks[name].path)
    try:
        mock_id = mocks.new_mock(store(), P.bank, spec, request.form.get("minutes", "").strip() or None, P.clock)
    except ValueError as exc:
        abort(400, str(exc))
    return redirect(url_for(".mock_exam", mock_id=mock_id))


def the_mock(mock_id):
    m = store().mock(mock_id)
    if m is None:
        abort(404, f"no mock exam {mock_id!r}")
    return m


@pages.get("/mock/<mock_id>")
def mock_exam(mock_id):
    P = here()
    m = the_mock(mock_id)
    spec, exam = mocks.version(P.bank, m["spec"], m["seed"])
    if m["report"]:
        return render_template(
            "mock_report.html.j2", m=m, r=m["report"], marks={**forms.STATUS_MARKS, "self-marked": "✎"},
            views={q.number: question_view(q.number, q.section, q.qid, q.seed, q.variant) for q in exam.questions},
            expected={(q.number, p.id): forms.expected_html(p) for q in exam.questions for p in q.variant.parts},
            whole_solutions={q.number: to_html(q.variant.solution) for q in exam.questions},
        )  # fmt: skip
    saved = m["answers"]
    questions = [
        {"q": q, "view": question_view(q.number, q.section, q.qid, q.seed, q.variant), "parts": forms.parts_of(q.variant),
         "answers": {p.id: saved.get(f"q{q.number}-{p.id}", "") for p in q.variant.parts}}
        for q in exam.questions
    ]  # fmt: skip
    ends = m["started"] + m["minutes"] * 60
    return render_template(
        "mock.html.j2", m=m, spec=spec, questions=questions, ends=ends, left=max(0, ends - P.clock())
    )


def mock_answers(exam) -> dict:
    """The mock answers in this form, by field name ("q<N>-<part>")."""
    return {
        f"q{q.number}-{p.id}": forms.typed(request.form, p, prefix=f"q{q.number}-")
        for q in exam.questions
        for p in q.variant.parts
    }


@pages.post("/mock/<mock_id>/save")
def mock_save(mock_id):
    """Answers saved as they are typed (the page's script sends each field it changes, blank or
    not) or with the Save button (every answer given), so every tab's answers reach the hand-in."""
    m = the_mock(mock_id)
    _, exam = mocks.version(here().bank, m["spec"], m["seed"])
    typed = mock_answers(exam)
    fields = [name.replace("-answer-", "-", 1) for name in request.form.getlist("fields")]  # field -> "q<N>-<part>"
    answers = {k: typed[k] for k in fields if k in typed} if fields else {k: t for k, t in typed.items() if t.strip()}
    if not store().save_mock_answers(mock_id, answers):
        return handed_in_already(m, exam, answers)
    if request.form.get("via") == "script":
        return "", 204
    return redirect(url_for(".mock_exam", mock_id=mock_id))


@pages.post("/mock/<mock_id>")
def mock_submit(mock_id):
    """Hand in: the answers on this page, and those saved from other tabs where this page has none."""
    P = here()
    m = the_mock(mock_id)
    _, exam = mocks.version(P.bank, m["spec"], m["seed"])
    typed = mock_answers(exam)
    if m["report"]:
        return handed_in_already(m, exam, typed)
    answers = {k: t if t.strip() else m["answers"].get(k, "") for k, t in typed.items()}
    labels = mocks.part_labels(exam)
    added = [labels[k] for k, t in typed.items() if not t.strip() and answers[k].strip()]
    report = {**mocks.mark(P.bank, store(), m, answers, P.clock, checks.check), "added": added}
    store().finish_mock(mock_id, answers, report, at=P.clock())
    return redirect(url_for(".mock_exam", mock_id=mock_id))


def handed_in_already(m, exam, typed):
    """A tab that sends answers after another tab handed the mock in: what it holds beyond the
    marked answers is named, never dropped in silence."""
    labels = mocks.part_labels(exam)
    late = [(labels[k], t) for k, t in typed.items() if t.strip() and t != m["answers"].get(k, "")]
    if not late:
        return redirect(url_for(".mock_exam", mock_id=m["id"]))
    return render_template("mock_late.html.j2", m=m, late=late, when=forms.when(m["finished"])), 409


@pages.post("/mock/<mock_id>/self-mark")
def mock_self_mark(mock_id):
    m = the_mock(mock_id)
    if not m["report"]:
        abort(400, "submit the mock exam before marking it")
    keys = [k for k in request.form if k.startswith("rubric-")]
    mocks.self_mark(store(), m, {k[len("rubric-") :]: request.form.getlist(k) for k in keys}, here().clock)
    return redirect(url_for(".mock_exam", mock_id=mock_id))
