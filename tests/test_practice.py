"""The practice app's rules, through Flask's test client: the key gets full marks, cross-site and
stale forms are refused, bad choices list the valid ones, a read-only store is a clear error, the
preview never says whether an answer is right, and mastery needs evidence across templates."""

import json
import os
import re
from datetime import date

import pytest

from conftest import mock_spec
from examkit.bank.identity import VariantIdentity, realize
from examkit.bank.loader import load_bank
from examkit.markup import to_html
from examkit.practice.app import create_app
from examkit.study import progress
from examkit.study.shown import expected_text

BANK = load_bank()


@pytest.fixture
def client(tmp_path):
    app = create_app(db=tmp_path / "p.sqlite", bank=BANK)
    return app.test_client(), app.extensions["examkit"].access.token


def test_the_key_gets_full_marks_and_is_recorded(client):
    c, token = client
    v = realize(BANK, VariantIdentity("vae-neg-elbo-beta", 7))
    form = {"token": token, "action": "check", **{f"answer-{p.id}": expected_text(p) for p in v.parts}}
    page = c.post("/q/vae-neg-elbo-beta/7", data=form).get_data(as_text=True)
    assert re.findall(r'class="verdict (\w+)"', page) == ["correct", "correct"]
    assert "Score 4 / 4" in page and "box 2 of 5" in page
    assert re.search(r"</span> 1 / \d+</td>", c.get("/progress").get_data(as_text=True))  # one question seen


def test_redoing_a_seen_variant_never_moves_the_question_up(client):
    """Redo the same variant with its solution in view: practice, not evidence. A fresh one counts."""
    c, token = client

    def right(seed):
        v = realize(BANK, VariantIdentity("vae-neg-elbo-beta", seed))
        form = {"token": token, "action": "check", **{f"answer-{p.id}": expected_text(p) for p in v.parts}}
        return c.post(f"/q/vae-neg-elbo-beta/{seed}", data=form).get_data(as_text=True)

    assert "box 2 of 5" in right(7)
    again = right(7)
    assert "box 2 of 5" in again and "only a fresh variant moves a question up" in again
    assert "box 2 of 5" in right(7)
    assert "box 3 of 5" in right(8)
    history = c.get("/history/vae-neg-elbo-beta").get_data(as_text=True)
    assert history.count("<tr>") == 1 + 8 and "In box 3 of 5" in history  # 4 answers of 2 parts, newest first
    assert c.get("/history/no-such-question").status_code == 404


def test_cross_site_and_stale_forms_are_refused(client):
    c, token = client
    form = {"token": token, "action": "check", "answer-a": "1"}
    assert c.post("/q/vae-neg-elbo-beta/7", data=form, headers={"Origin": "http://evil.example"}).status_code == 403
    assert c.post("/q/vae-neg-elbo-beta/7", data={**form, "token": "old"}).status_code == 403
    assert c.post("/q/vae-neg-elbo-beta/7", data={"action": "check"}).status_code == 403
    assert "/review" in c.get("/").get_data(as_text=True)  # reading never needs the token


def test_unknown_choices_list_the_valid_ones(client):
    c, _ = client
    page = c.get("/practice?topic=foo")
    assert page.status_code == 400 and "vae" in page.get_data(as_text=True) and "gan" in page.get_data(as_text=True)
    assert c.get("/practice?objective=nope").status_code == 400
    assert c.get("/q/no-such-question/1").status_code == 404


def test_the_preview_shows_the_reading_not_the_verdict(client):
    c, _ = client
    right = c.get("/api/preview?qid=vae-neg-elbo-beta&seed=7&part=a&answer=119.1").get_json()
    wrong = c.get("/api/preview?qid=vae-neg-elbo-beta&seed=7&part=a&answer=1/2").get_json()
    assert right["text"] == "119.1" and right["value"] == "" and "<math" in wrong["mathml"]
    assert wrong["text"] == "1/2" and wrong["value"] == "0.5"  # the structure as typed, its value beside it
    assert set(right) == set(wrong) == {"text", "value", "mathml", "notes", "error"}
    bad = c.get("/api/preview?qid=vae-neg-elbo-beta&seed=7&part=a&answer=__import__('os')").get_json()
    assert bad["error"] and not bad["text"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes read-only files")
def test_a_read_only_store_is_a_clear_error(tmp_path):
    db = tmp_path / "p.sqlite"
    app = create_app(db=db, bank=BANK)
    db.chmod(0o444)
    c = app.test_client()
    v = realize(BANK, VariantIdentity("vae-neg-elbo-beta", 7))
    page = c.post("/q/vae-neg-elbo-beta/7", data={"token": app.extensions["examkit"].access.token, "action": "check",
                                                   **{f"answer-{p.id}": expected_text(p) for p in v.parts}})  # fmt: skip
    assert page.status_code == 500 and "cannot save progress" in page.get_data(as_text=True)


def test_a_broken_store_is_refused_at_start_naming_the_file(tmp_path):
    from examkit.study.store import ProgressError

    db = tmp_path / "p.sqlite"
    db.write_bytes(b"not a database" * 100)
    with pytest.raises(ProgressError, match="p.sqlite"):
        create_app(db=db, bank=BANK)


def _attempt(qid, fraction, at, seed=1):
    t = BANK.get(qid)
    return {"at": at, "session": f"s{at}", "qid": qid, "seed": seed, "part": "a", "objectives": t.objectives,
            "status": "correct" if fraction == 1 else "incorrect", "score": fraction, "max_score": 1.0}  # fmt: skip


def test_mastery_needs_full_marks_on_several_templates():
    objective = "vae_loss_reparam"
    ids = sorted(t.id for t in BANK if objective in t.objectives)
    one_template = [_attempt(ids[0], 1, at) for at in range(10)]
    row = next(r for r in progress.objective_rows(BANK, {"objectives": {objective: "x"}}, one_template))
    assert row.mastery > 0.8 and row.status == "learning" and row.seen == 1
    three = one_template + [_attempt(ids[1], 1, 11), _attempt(ids[2], 1, 12)]
    row = next(r for r in progress.objective_rows(BANK, {"objectives": {objective: "x"}}, three))
    assert row.status == "mastered" and row.solved == 3


def test_the_exam_date_plan_covers_every_item_and_objective():
    from examkit.bank.loader import load_syllabus

    syllabus = load_syllabus()
    plan = progress.plan(BANK, syllabus, [], date(2026, 12, 14), date(2026, 12, 4))
    covered_items = {i for qid in plan["questions"] for i in BANK.get(qid).covers}
    assert set(syllabus["items"]) <= covered_items
    assert plan["per_day"] * plan["days_left"] >= len(plan["questions"]) and plan["days_left"] == 10


def test_serve_refuses_bad_options_with_exit_2(tmp_path):
    from conftest import run_cli

    bad_date = run_cli("practice", "serve", "--exam-date", "14/12/2026", "--db", str(tmp_path / "p.sqlite"))
    assert bad_date.returncode == 2 and "YYYY-MM-DD" in bad_date.stderr
    broken = tmp_path / "broken.sqlite"
    broken.write_bytes(b"garbage" * 200)
    refused = run_cli("practice", "serve", "--db", str(broken))
    assert refused.returncode == 2 and "broken.sqlite" in refused.stderr


def test_written_answers_are_self_marked_per_rubric_item_and_scores_come_from_the_checker(client, tmp_path):
    c, token = client
    page = c.post("/q/ae-not-generative/1", data={"token": token, "action": "check", "answer-explain": "no prior"})
    assert 'name="rubric-explain"' in page.get_data(as_text=True)
    assert "tick below each point it makes" in page.get_data(as_text=True)  # the written part's box says what to do
    marked = c.post("/q/ae-not-generative/1/self-mark", data={
        "token": token, "answer-explain": "no prior", "rubric-explain": ["0", "2"], "auto_got": "100"})  # fmt: skip
    assert "Score 2 / 3" in marked.get_data(as_text=True)


def test_a_mock_exam_is_marked_and_its_written_parts_self_marked(client, tmp_path):
    c, token = client
    spec = mock_spec(tmp_path, {"Numbers": "vae-neg-elbo-beta", "Written": "ae-not-generative"})
    started = c.post("/mock", data={"token": token, "spec": str(spec), "minutes": "10"})
    mock_id = started.headers["Location"].rsplit("/", 1)[1]
    exam = c.get(f"/mock/{mock_id}").get_data(as_text=True)
    assert 'id="clock"' in exam and 'name="q2-answer-explain"' in exam
    c.post(f"/mock/{mock_id}", data={"token": token, "q1-answer-a": "1", "q2-answer-explain": "no prior to sample"})
    report = c.get(f"/mock/{mock_id}").get_data(as_text=True)
    assert "Mark your written answers" in report and "By objective" in report and "0 / 4" in report
    v = realize(BANK, VariantIdentity("vae-neg-elbo-beta", 0))
    assert v.stem.split("$")[0].strip()[:30] in report  # the question itself, with its expected answers
    assert report.count("Expected:") == 2 and "Model answer:" in report and "Worked" not in report
    text = re.sub(r"<[^>]+>", "", report.split("</style>")[-1])
    assert "incorrect · incorrect" not in report and " ." not in text, text
    c.post(f"/mock/{mock_id}/self-mark", data={"token": token, "rubric-q2-explain": ["0", "1"]})
    marked = c.get(f"/mock/{mock_id}").get_data(as_text=True)
    assert "2 / 7" in marked and "Mark your written answers" not in marked
    assert "<td>Written</td><td>2 / 3</td>" in marked


def test_bundled_mocks_are_offered_and_start_from_any_folder(client, tmp_path, monkeypatch):
    """The mocks ship with examkit: listed by title with their time, started by name from a folder
    that holds no spec, timed as the spec says; a student's own spec file is taken too, and a name
    that is neither is refused, listing the mocks."""
    c, token = client
    monkeypatch.chdir(tmp_path)
    page = c.get("/mock").get_data(as_text=True)
    for title in ("Mock exam: the whole unit", "Mock exam: autoencoders and VAEs", "Mock exam: GANs and their training",
                  "Mock exam: foundations and labs"):  # fmt: skip
        assert title in page
    assert 'value="whole-unit" checked' in page and "(30 minutes)" in page
    started = c.post("/mock", data={"token": token, "spec": "gans", "minutes": ""})
    assert started.status_code == 302, started.get_data(as_text=True)
    exam = c.get(started.headers["Location"]).get_data(as_text=True)
    assert "GANs and their training" in exam and 'id="clock"' in exam
    assert "(Mock exam: GANs and their training, 30 min, mock" in c.get("/mock").get_data(as_text=True)
    own = mock_spec(tmp_path, {"Numbers": "vae-neg-elbo-beta"})
    assert (
        c.post("/mock", data={"token": token, "spec": "gans", "own_spec": str(own), "minutes": "5"}).status_code == 302
    )
    refused = c.post("/mock", data={"token": token, "own_spec": "nope.yaml"})
    assert refused.status_code == 400 and "whole-unit" in refused.get_data(as_text=True)


def test_the_printable_sheet_and_the_exam_date_plan_are_reached_from_the_app(client):
    c, token = client
    home = c.get("/").get_data(as_text=True)
    assert 'href="/sheet"' in home and 'href="/progress"' in home
    form = c.get("/sheet").get_data(as_text=True)
    assert 'name="topic"' in form and 'name="count"' in form
    sheet = c.get("/sheet?topic=vae&objective=&count=3&seed=5").get_data(as_text=True)
    assert sheet.count("<details") >= 3 and "Practice sheet · topic vae · sheet seed 5" in sheet
    assert sheet == c.get("/sheet?topic=vae&count=3&seed=5").get_data(as_text=True)  # the seed makes the sheet
    assert c.get("/sheet?topic=nope&count=3").status_code == 400
    assert c.get("/sheet?count=0").status_code == 400 and c.get("/sheet?count=x").status_code == 400
    assert "Plan for the exam" not in c.get("/progress").get_data(as_text=True)
    later = date.fromordinal(date.today().toordinal() + 20).isoformat()
    assert c.post("/plan", data={"token": token, "exam_date": later}).status_code == 302
    plan = c.get("/progress").get_data(as_text=True)
    assert f"Plan for the exam on {later}" in plan and f'value="{later}"' in plan
    assert c.post("/plan", data={"token": token, "exam_date": "next week"}).status_code == 400
    c.post("/plan", data={"token": token, "exam_date": ""})
    assert "Plan for the exam" not in c.get("/progress").get_data(as_text=True)


def test_answers_are_escaped_wherever_they_are_shown(client):
    c, token = client
    hostile = '<script>alert(1)</script> a<b "quoted" & more'
    page = c.post("/q/vae-neg-elbo-beta/7", data={"token": token, "action": "check", "answer-a": hostile})
    html = page.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    written = c.post("/q/ae-not-generative/1", data={"token": token, "action": "check", "answer-explain": hostile})
    html = written.get_data(as_text=True)
    assert (
        "<script>alert" not in html
        and 'value="&lt;script&gt;alert(1)&lt;/script&gt; a&lt;b &#34;quoted&#34; &amp; more"' in html
    )
    c.post(
        "/q/ae-not-generative/1/self-mark", data={"token": token, "answer-explain": hostile, "rubric-explain": ["0"]}
    )
    review = c.get("/review").get_data(as_text=True)
    assert "<script>alert" not in review and "&lt;script&gt;" in review
    assert "<math" in review or "Expected" in review  # bank HTML still renders


def test_a_hint_keeps_what_is_typed_and_the_first_field_has_focus(client, tmp_path):
    c, token = client
    page = c.get("/q/vae-kl-1d/3").get_data(as_text=True)
    assert page.count("autofocus") == 1 and 'value="hint"' in page
    hinted = c.post("/q/vae-kl-1d/3", data={"token": token, "action": "hint", "hints": "0", "answer-kl": "0.5*mu^2"})
    text = hinted.get_data(as_text=True)
    assert "Hint 1:" in text and 'value="0.5*mu^2"' in text and 'name="hints" value="1"' in text
    assert not _stored(tmp_path)  # a hint checks and records nothing


def _stored(tmp_path) -> list:
    from examkit.study.store import ProgressStore

    return ProgressStore(tmp_path / "p.sqlite", writable=False).attempts()  # the `client` fixture's store


def test_self_marks_sent_twice_are_recorded_once(client, tmp_path):
    c, token = client
    page = c.post("/q/ae-not-generative/1", data={"token": token, "action": "check", "answer-explain": "no prior"})
    session = re.search(r'name="session" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    form = {"token": token, "session": session, "answer-explain": "no prior", "rubric-explain": ["0"]}
    assert "Score 1 / 3" in c.post("/q/ae-not-generative/1/self-mark", data=form).get_data(as_text=True)
    again = c.post("/q/ae-not-generative/1/self-mark", data=form).get_data(as_text=True)
    assert "already recorded" in again
    assert len([a for a in _stored(tmp_path) if a["part"] == "explain"]) == 1


def test_review_lists_only_mistakes_not_put_right_since(client):
    c, token = client
    v = realize(BANK, VariantIdentity("vae-kl-1d", 3))
    part = v.parts[0]
    c.post("/q/vae-kl-1d/3", data={"token": token, "action": "check", f"answer-{part.id}": "12345"})
    assert "12345" in c.get("/review").get_data(as_text=True)
    c.post("/q/vae-kl-1d/3", data={"token": token, "action": "check", f"answer-{part.id}": expected_text(part)})
    assert "12345" not in c.get("/review").get_data(as_text=True)


def test_due_says_wrong_last_time_only_after_a_wrong_answer():
    from examkit.study.store import BoxState

    boxes = {"vae-kl-1d": BoxState(1, 0.0, 1)}
    right = [_attempt("vae-kl-1d", 1, 5.0)]
    assert "wrong" not in progress.due(BANK, boxes, 10.0, right)[0]["why"]
    assert "wrong last time" in progress.due(BANK, boxes, 10.0, right + [_attempt("vae-kl-1d", 0, 6.0)])[0]["why"]


def _key_form(token, v, **override) -> dict:
    """The form a student sends who types the key into every part (`override`: part id -> typed)."""
    typed = {p.id: expected_text(p) for p in v.parts}
    return {"token": token, "action": "check", **{f"answer-{k}": t for k, t in {**typed, **override}.items()}}


def test_an_unreadable_answer_reveals_nothing_records_nothing_and_keeps_what_was_typed(client, tmp_path):
    """Part (a) right, part (b) unreadable: the page says why (b) was not read and nothing else: no
    expected answer or solution of any part; nothing is stored and the box does not move."""
    c, token = client
    v = realize(BANK, VariantIdentity("vae-neg-elbo-beta", 7))
    a, b = v.parts
    page = c.post("/q/vae-neg-elbo-beta/7", data=_key_form(token, v, b="40 +* (")).get_data(as_text=True)
    assert "could not be read" in page and 'aria-invalid="true"' in page
    assert f'value="{expected_text(a)}"' in page and 'value="40 +* ("' in page  # what was typed stays in the form
    assert "Expected" not in page and "Worked solution" not in page and "Score" not in page
    assert expected_text(b) not in page and not re.search(r'class="verdict (correct|incorrect)', page)
    solutions = [to_html(text) for text in [v.solution] + [p.solution for p in v.parts] if text]
    assert solutions and not any(s in page for s in solutions)
    unsafe = c.post("/q/vae-neg-elbo-beta/7", data=_key_form(token, v, a="__import__('os')")).get_data(as_text=True)
    assert "Expected" not in unsafe and expected_text(a) not in unsafe.replace(f'value="{expected_text(b)}"', "")
    assert not _stored(tmp_path) and "Not answered yet" in c.get("/history/vae-neg-elbo-beta").get_data(as_text=True)
    assert "No mistakes" in c.get("/review").get_data(as_text=True)
    fixed = c.post("/q/vae-neg-elbo-beta/7", data=_key_form(token, v)).get_data(as_text=True)
    assert "Score 4 / 4" in fixed and "box 2 of 5" in fixed and len(_stored(tmp_path)) == 2  # the first real attempt


def test_an_empty_check_is_no_answer_not_a_wrong_one(client, tmp_path):
    c, token = client
    page = c.post("/q/vae-kl-1d/3", data={"token": token, "action": "check", "answer-kl": "  "}).get_data(as_text=True)
    assert "No answer yet" in page and "nothing was checked or recorded" in page and 'name="answer-kl"' in page
    assert "Expected" not in page and "Worked solution" not in page
    assert not _stored(tmp_path) and "Not answered yet" in c.get("/history/vae-kl-1d").get_data(as_text=True)


def test_review_shows_the_stem_with_its_numbers_the_options_and_the_students_choice(client):
    c, token = client
    v = realize(BANK, VariantIdentity("gan-optimal-d-value", 3))
    number, choice = v.parts
    wrong = next(o for o in choice.options if o.letter not in choice.answer)
    c.post("/q/gan-optimal-d-value/3", data={**_key_form(token, v), f"answer-{choice.id}": wrong.letter})
    review = c.get("/review").get_data(as_text=True)
    assert "<mn>0.33</mn>" in review and "0.33" in v.stem  # the stem, with this variant's numbers typeset
    for o in choice.options:
        assert to_html(o.text) in review
    assert re.search(rf"<li>{wrong.letter}\. [^\n]*<strong>← your choice</strong></li>", review)
    assert review.count("← your choice") == 1
    right = next(o for o in choice.options if o.letter in choice.answer)
    assert f"Expected: {right.letter}. {to_html(right.text)}" in review
    assert "You answered <code>" + expected_text(number) in review  # the right part is shown too, as answered


def test_one_definition_of_a_mistake_for_the_terminal_drill_and_the_browser(client, tmp_path):
    """Wrong in the browser, then right on a fresh variant in the terminal: no longer a mistake in
    either. Wrong in the terminal: a mistake in both."""
    from conftest import run_cli
    from examkit.practice.pages import progress as review_pages
    from examkit.study import mistakes, schedule

    assert schedule.mistakes is mistakes and review_pages.mistakes is mistakes  # both read the one definition
    c, token = client
    db = str(tmp_path / "p.sqlite")
    c.post("/q/vae-kl-1d/3", data={"token": token, "action": "check", "answer-kl": "12345"})
    right = expected_text(realize(BANK, VariantIdentity("vae-kl-1d", 4)).parts[0])
    run_cli("drill", "--answers", "-", "--db", db, "--question", "vae-kl-1d@4", input=f"{right}\n")
    run_cli("drill", "--answers", "-", "--db", db, "--question", "ae-mse-loss@2", input="12345\n")
    review = c.get("/review").get_data(as_text=True)
    assert "vae-kl-1d" not in review and "/q/ae-mse-loss/2" in review
    drill = run_cli("drill", "--review", "--answers", "-", "--db", db, "--json", input="q\n")
    offered = [json.loads(line) for line in drill.stdout.splitlines() if '"question"' in line]
    assert [(q["qid"], q["seed"]) for q in offered] == [("ae-mse-loss", 2)], drill.stdout
    run_cli("drill", "--answers", "-", "--db", db, "--question", "ae-mse-loss@2",
            input=expected_text(realize(BANK, VariantIdentity("ae-mse-loss", 2)).parts[0]) + "\n")  # fmt: skip
    assert "No mistakes" in c.get("/review").get_data(as_text=True)
    nothing = run_cli("drill", "--review", "--answers", "-", "--db", db, input="q\n")
    assert nothing.returncode == 2 and "no mistakes to review" in nothing.stderr


def test_a_mistake_is_the_latest_answer_to_a_question_below_full_marks():
    from examkit.study.mistakes import to_review

    def row(qid, part, score, at, session="s1", seed=1):
        return {"qid": qid, "part": part, "score": score, "max_score": 1.0, "at": at, "session": session, "seed": seed}

    two_parts = [row("q", "a", 1, 1), row("q", "b", 0, 1)]  # one answer, half right
    assert [[r["part"] for r in m] for m in to_review(two_parts)] == [["a", "b"]]
    put_right = two_parts + [row("q", "a", 1, 2, "s2", 2), row("q", "b", 1, 2, "s2", 2)]
    assert to_review(put_right) == []
    again_in_one_session = put_right + [row("q", "a", 1, 3, "s2", 2), row("q", "b", 0.5, 3, "s2", 2)]
    assert [[r["at"] for r in m] for m in to_review(again_in_one_session)] == [[3, 3]]
    out_of_order = [row("q", "a", 0, 5, "late"), row("q", "a", 1, 9, "s9")][::-1]  # by time, not by row order
    assert to_review(out_of_order) == [] and to_review(two_parts, known=set()) == []


def _mock(c, token, tmp_path, ids=("vae-neg-elbo-beta", "gan-optimal-d-value")) -> tuple[str, object]:
    """A mock exam started in the app, one question from each id; returns its id and its version."""
    from examkit.study import mock
    from examkit.study.store import ProgressStore

    spec = mock_spec(tmp_path, {f"S{i}": qid for i, qid in enumerate(ids)})
    started = c.post("/mock", data={"token": token, "spec": str(spec), "minutes": "10"})
    mock_id = started.headers["Location"].rsplit("/", 1)[1]
    return mock_id, mock.version(BANK, str(spec), ProgressStore(tmp_path / "p.sqlite").mock(mock_id)["seed"])[1]


def test_a_mock_handed_in_from_one_tab_keeps_the_answers_saved_in_another(client, tmp_path):
    """Tab 1 answers question 1, tab 2 answers question 2 (saved as typed); tab 1 hands in: both are
    marked and the report says which came from elsewhere. Tab 2 handing in later is told, not dropped."""
    c, token = client
    mock_id, exam = _mock(c, token, tmp_path)
    q1, q2 = exam.questions
    one = {f"q1-answer-{p.id}": expected_text(p) for p in q1.variant.parts}
    two = {f"q2-answer-{p.id}": expected_text(p) for p in q2.variant.parts}
    saved = c.post(f"/mock/{mock_id}/save", data={"token": token, "via": "script", "fields": list(two), **two})
    assert saved.status_code == 204
    number, choice = q2.variant.parts
    again = c.get(f"/mock/{mock_id}").get_data(as_text=True)  # a reload, or a third tab, shows the saved answers
    assert f'value="{expected_text(number)}"' in again
    assert re.search(rf'name="q2-answer-{choice.id}" value="{choice.answer[0]}"[^>]*\n checked>', again)
    c.post(f"/mock/{mock_id}", data={"token": token, **one})  # tab 1 hands in, its question 2 blank
    report = c.get(f"/mock/{mock_id}").get_data(as_text=True)
    full = sum(p.points for q in exam.questions for p in q.variant.parts)
    assert re.search(rf"<strong>{full:g} / {full:g}</strong>", report), report
    assert "saved\n from another tab" in report and "Question 2 (a)" in report
    late = c.post(f"/mock/{mock_id}", data={"token": token, **{k: "0.5" for k in two}})  # tab 2, other answers
    text = late.get_data(as_text=True)
    assert late.status_code == 409 and "already handed in" in text and "Question 2 (a)" in text and "0.5" in text
    assert c.post(f"/mock/{mock_id}/save", data={"token": token, **one}).status_code == 302  # nothing new: the report


RAW_MARKUP = re.compile(r"\$|\\[A-Za-z]+|\*\*|\\\(|\\\[")


def _visible(page: str) -> str:
    """The text a student sees: no scripts, styles or tags; entities read."""
    import html

    page = re.sub(r"<(script|style|annotation)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_every_page_typesets_its_math(tmp_path):
    """Every page the app serves, with a history behind it (right, wrong and misconception answers,
    a refused and an empty check, hints, a written part, a mock exam marked and self-marked, a late
    hand-in, errors): no bank markup ($…$, \\beta, \\frac, **bold**) is left in the visible text."""
    app = create_app(db=tmp_path / "p.sqlite", bank=BANK, exam_date=date(2099, 1, 1))
    c, token = app.test_client(), app.extensions["examkit"].access.token
    kl = realize(BANK, VariantIdentity("vae-kl-1d", 3)).parts[0]
    gan = realize(BANK, VariantIdentity("gan-optimal-d-value", 3))
    elbo = realize(BANK, VariantIdentity("vae-neg-elbo-beta", 7))
    choice = gan.parts[1]
    wrong = next(o.letter for o in choice.options if o.letter not in choice.answer)

    def check(qid, seed, **typed):
        return c.post(f"/q/{qid}/{seed}", data={"token": token, "action": "check",
                                                **{f"answer-{k}": t for k, t in typed.items()}})  # fmt: skip

    pages = {
        "result, misconception": check("vae-kl-1d", 3, kl=kl.misconceptions[0].text),
        "result, wrong choice": check("gan-optimal-d-value", 3, **{gan.parts[0].id: "0.5", choice.id: wrong}),
        "result, beta misconception": check("vae-neg-elbo-beta", 7, a="1", b=elbo.parts[1].misconceptions[0].text),
        "refused": check("vae-kl-1d", 3, kl="1 +* ("),
        "empty check": check("vae-kl-1d", 3, kl=""),
        "result, written": check("ae-not-generative", 1, explain="no prior"),
        "self-marked": c.post(
            "/q/ae-not-generative/1/self-mark",
            data={"token": token, "answer-explain": "no prior", "rubric-explain": ["0"]},
        ),  # fmt: skip
        "hints": c.post("/q/vae-kl-1d/3", data={"token": token, "action": "hint", "hints": "5"}),
        "revealed": c.post("/q/vae-kl-1d/4", data={"token": token, "action": "reveal"}),
    }
    mock_id, exam = _mock(c, token, tmp_path, ("vae-neg-elbo-beta", "gan-optimal-d-value", "ae-not-generative"))
    pages["mock exam"] = c.get(f"/mock/{mock_id}")
    elbo_b = exam.questions[0].variant.parts[1]
    c.post(f"/mock/{mock_id}", data={"token": token, "q1-answer-b": elbo_b.misconceptions[0].text,
                                     f"q2-answer-{choice.id}": wrong, "q3-answer-explain": "no prior"})  # fmt: skip
    pages["mock report, to self-mark"] = c.get(f"/mock/{mock_id}")
    pages["mock handed in late"] = c.post(f"/mock/{mock_id}", data={"token": token, "q1-answer-a": "7"})
    c.post(f"/mock/{mock_id}/self-mark", data={"token": token, "rubric-q3-explain": ["0"]})
    pages["mock report"] = c.get(f"/mock/{mock_id}")
    for path in ("/", "/practice?topic=vae", "/q/gan-optimal-d-value/3", "/q/gan-mode-collapse/2", "/review",
                 "/history/vae-kl-1d", "/history/gan-optimal-d-value", "/progress", "/mock", "/q/nope/1",
                 "/practice?objective=nope", "/mock/nope", "/sheet", "/sheet?count=4&seed=2"):  # fmt: skip
        pages[path] = c.get(path, follow_redirects=True)
    pages["stale form"] = c.post("/q/vae-kl-1d/3", data={"token": "old"})
    assert pages["mock handed in late"].status_code == 409 and pages["/q/nope/1"].status_code == 404
    assert "Question 2" in pages["mock report"].get_data(as_text=True)
    for name, response in pages.items():
        text = _visible(response.get_data(as_text=True))
        leaks = {m.group(0): text[max(0, m.start() - 40) : m.end() + 40] for m in RAW_MARKUP.finditer(text)}
        assert not leaks, (name, leaks)
