"""The instructor's dashboard on a simulated class in a real PostgreSQL database: 40 students answer
bank variants through the real checker, recorded as the practice app records them, with patterns
planted for every view to find (a named mistake most of the class makes, a question everyone
misses, students idle or stalled before the exam, one with their own near exam date, mock exams
with known scores). The app is a bare Flask app with the dashboard's Blueprint and the Course."""

import csv
import io
import random
import re
import statistics
import threading
import time
from datetime import date, timedelta

import pytest
from flask import Flask

from examkit.bank.identity import VariantIdentity, realize
from examkit.bank.loader import load_bank
from examkit.classroom import dashboard, plots
from examkit.classroom.course import Course, Member
from examkit.markup import to_html
from examkit.parts import part_type
from examkit.parts.check import check_answer
from examkit.study import class_stats, progress
from examkit.study import mock as mocks
from examkit.study.store import DAY_S, ProgressStore

NOW = time.time()
TODAY = date.fromtimestamp(NOW)
EXAM = TODAY + timedelta(days=40)  # far enough that a steady student's plan asks one question a day
NAMED = ("vae-kl-1d", "kl", "kl_sign")  # the mistake 26 students make first
MISSED = "gvd-bayes-classifier"  # the question every student who answers it misses first
WRONG = "0.999"  # a wrong posterior that no named mistake gives
MOCK = "gans"
MOCK_SEED = 4242
MOCK_RIGHT = [1, 3, 4, 6, 7, 9, 10, 12]  # mock takers s02..s09 answer this many parts right, in order

STUDENTS = [Member(f"s{i:02d}", f"Student {i:02d}") for i in range(1, 40)] + [Member("s40", "Zoë O'Neil")]
NAMED_GROUP = [f"s{i:02d}" for i in range(1, 27)]  # type the named mistake first, then the key
STRONG = [f"s{i:02d}" for i in range(27, 33)]  # always right; answer every ae_architecture question
STALLED = ["s33", "s34", "s35"]  # practised a month ago, nothing since
IDLE = ["s36", "s37", "s38", "s39", "s40"]  # never answered anything
OWN_DATE = "s01"  # set their own exam date three days from now
ACTIVE = NAMED_GROUP + STRONG


def _answer(store, bank, qid, seed, typed, at, session):
    """One question answered as the practice app records it: every part checked by the real
    checker and recorded, then the question's box moved."""
    v = realize(bank, VariantIdentity(qid, seed))
    got = possible = 0.0
    for p in v.parts:
        verdict = check_answer(v, p.id, typed(v, p))
        store.record(session, qid, seed, p.id, v.objectives, verdict, 0, typed(v, p), at=at)
        got, possible = got + verdict.score, possible + verdict.max_score
    store.finish_question(qid, seed, got / possible, 0, at=at)


def _right(v, p):
    return part_type(p.type).own_answer(p)


def _named(v, p):
    m = next(m for m in p.misconceptions if m.name == NAMED[2])
    return part_type(p.type).misconception_answer(p, m)


def _practice_like(rng, ability):
    """A student of this ability: right, else a named mistake of the part where it has one, else the key
    (a part without named mistakes is left right: a made-up wrong answer would be no one's)."""

    def typed(v, p):
        if rng.random() < ability or not p.misconceptions:
            return _right(v, p)
        return part_type(p.type).misconception_answer(p, rng.choice(p.misconceptions))

    return typed


def _pool(bank):
    """Questions a simulated student practises: those the checker marks in full (no written part)."""
    return sorted(t.id for t in bank if "short" not in t.part_types and t.id not in (NAMED[0], MISSED))


def _mock_takers(bank, store):
    """s02..s09 hand in the GANs mock, each with the first MOCK_RIGHT[k] parts right and the rest blank,
    marked by study/mock.py with the real checker; s02 sat it once before and left it blank.
    Returns each taker's expected share of the points."""
    path = str(mocks.bundled_mocks()[MOCK].path)
    _, exam = mocks.version(bank, path, MOCK_SEED)
    parts = [(q, p) for q in exam.questions for p in q.variant.parts]
    total = sum(p.points for _, p in parts)
    expected = {}
    for k, student in enumerate([f"s{i:02d}" for i in range(2, 10)]):
        s = store.for_student(student)
        sittings = [("blank", 0)] if student == "s02" else []
        for n, (label, right) in enumerate([*sittings, ("real", MOCK_RIGHT[k])]):
            mock_id, at = f"{label}-{student}", NOW - (3 - n) * DAY_S
            s.start_mock(mock_id, path, MOCK_SEED, 30, at=at)
            answers = {f"q{q.number}-{p.id}": _right(q.variant, p) for q, p in parts[:right]}
            report = mocks.mark(bank, s, s.mock(mock_id), answers, lambda at=at: at + 600, check_answer)
            s.finish_mock(mock_id, answers, report, at=at + 600)
        expected[student] = sum(p.points for _, p in parts[: MOCK_RIGHT[k]]) / total
    return expected


@pytest.fixture(scope="module")
def bank():
    return load_bank()


@pytest.fixture(scope="module")
def simulated(postgres, bank):
    """The class's database, filled; returns (course, expected mock shares)."""
    url = postgres.database()
    store = ProgressStore(url)
    rng = random.Random(18)
    pool = _pool(bank)
    for i, student in enumerate(ACTIVE + STALLED):
        s = store.for_student(student)
        ability = 1.0 if student in STRONG else 0.55 + 0.35 * (i % 9) / 8
        start = NOW - (30 * DAY_S if student in STALLED else 6 * DAY_S)
        stamps = iter(sorted(start + rng.uniform(0, 4 * DAY_S) for _ in range(40)))
        chosen = rng.sample(pool, 20)
        if student in STRONG:
            chosen = sorted({*chosen, *(q for q in pool if "ae_architecture" in bank.get(q).objectives)})
        for n, qid in enumerate(chosen):
            _answer(s, bank, qid, rng.randrange(1000), _practice_like(rng, ability), next(stamps), f"web-{n}")
        _answer(s, bank, MISSED, rng.randrange(1000), lambda v, p: WRONG, next(stamps), "web-missed")
        if student in ACTIVE:
            first = _named if student in NAMED_GROUP else _right
            _answer(s, bank, NAMED[0], rng.randrange(1000), first, next(stamps), "web-kl")
            _answer(s, bank, NAMED[0], rng.randrange(1000), _right, next(stamps), "web-kl-again")
    store.for_student(OWN_DATE).set_setting(progress.EXAM_DATE, (TODAY + timedelta(days=3)).isoformat())
    expected = _mock_takers(bank, store)
    store.close()
    return Course("Deep Generative Models", url, STUDENTS, [Member("prof", "Prof")], bank, EXAM, [MOCK]), expected


@pytest.fixture(scope="module")
def client(simulated):
    app = Flask(__name__)
    app.extensions[dashboard.COURSE] = simulated[0]
    app.register_blueprint(dashboard.pages)
    return app.test_client()


def _csv(client, view) -> list[dict]:
    response = client.get(f"/instructor/{view}.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert f'filename="deep-generative-models-{view}.csv"' in response.headers["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(response.text)))


def test_the_planted_named_mistake_tops_its_view_with_the_feedback_students_got(client, bank):
    v = realize(bank, VariantIdentity(NAMED[0], 1))
    feedback = next(m.feedback for m in v.part(NAMED[1]).misconceptions if m.name == NAMED[2])
    top, *rest = _csv(client, "misconceptions")
    assert (top["Mistake"], top["Id"], top["Part"]) == (NAMED[2], NAMED[0], NAMED[1])
    assert (top["Students"], top["Of"], top["Times"]) == ("26", str(len(ACTIVE)), "26")
    assert top["Feedback shown"] == feedback
    assert rest and all(int(r["Students"]) < 26 for r in rest)  # the class's scattered mistakes come after
    page = client.get("/instructor/misconceptions").text
    assert NAMED[2] in page and to_html(feedback) in page  # the feedback's math as MathML


def test_the_question_everyone_misses_tops_the_missed_view(client):
    rows = _csv(client, "missed")
    top = rows[0]
    answered = len(ACTIVE) + len(STALLED)
    assert (top["Id"], top["Missed first time"], top["Students"], top["Share missed"]) == (
        MISSED,
        str(answered),
        str(answered),
        "1.0",
    )
    named = next(r for r in rows if r["Id"] == NAMED[0])  # the first answer counts, not the later right one
    assert (named["Missed first time"], named["Students"]) == ("26", str(len(ACTIVE)))
    shares = [float(r["Share missed"]) for r in rows if int(r["Students"]) >= class_stats.MISSED_MIN_STUDENTS]
    assert shares == sorted(shares, reverse=True)


def test_students_behind_their_plan_are_the_idle_the_stalled_and_the_one_with_an_early_date(client):
    rows = _csv(client, "behind")
    assert {r["Id"] for r in rows} == {*IDLE, *STALLED, OWN_DATE}
    by_id = {r["Id"]: r for r in rows}
    own = by_id[OWN_DATE]
    assert (own["Date set by"], own["Exam"]) == ("own", (TODAY + timedelta(days=3)).isoformat())
    assert int(own["Plan a day"]) > float(own["Done a day"]) > 0
    for student in IDLE:
        assert (by_id[student]["Exam"], by_id[student]["Date set by"]) == (EXAM.isoformat(), "course")
        assert (by_id[student]["Done a day"], by_id[student]["Last answer"]) == ("0.0", "")
    for student in STALLED:
        assert (
            by_id[student]["Done a day"] == "0.0"
            and by_id[student]["Last answer"] < (TODAY - timedelta(days=20)).isoformat()
        )
    assert by_id["s40"]["Student"] == "Zoë O'Neil"
    page = client.get("/instructor/behind").text
    assert "Zoë O&#39;Neil" in page and "Zoë O'Neil" not in page  # escaped


def test_mastery_per_objective_is_what_each_students_own_progress_page_says(client, simulated, bank):
    course = simulated[0]
    store = ProgressStore(course.database, writable=False)
    expected = {}  # objective -> band -> students, from each student's own store as the practice app reads it
    for member in STUDENTS:
        for row in progress.objective_rows(bank, bank.syllabus, store.for_student(member.id).attempts()):
            band = "struggling" if row.status == "learning" and row.mastery < 0.5 else row.status
            expected.setdefault(row.key, {b: 0 for b in class_stats.BANDS})[band] += 1
    store.close()
    rows = {r["Key"]: r for r in _csv(client, "mastery")}
    assert set(rows) == set(bank.syllabus["objectives"])
    for key, bands in expected.items():
        got = {b: int(rows[key][b.capitalize()]) for b in class_stats.BANDS}
        assert got == bands, key
        assert sum(got.values()) == len(STUDENTS) and got["not started"] >= len(IDLE)
    assert int(rows["ae_architecture"]["Mastered"]) >= len(STRONG)  # the strong students answered all of it
    not_started = int(rows["vae_loss_reparam"]["Not started"])  # every active student answered vae-kl-1d
    assert len(IDLE) <= not_started <= len(IDLE) + len(STALLED)


def test_mock_score_distributions_are_the_known_scores(client, simulated):
    shares = sorted(simulated[1].values())
    (row,) = _csv(client, "mocks")
    assert row["Mock exam"] == mocks.bundled_mocks()[MOCK].title
    assert (row["Students"], row["Hand-ins"]) == ("8", "9")  # s02's blank first sitting is not their latest
    assert (
        float(row["Lowest"]) == round(shares[0], 4)
        and float(row["Highest"]) == round(shares[-1], 4) == 1.0 > shares[-2]
    )
    assert float(row["Median"]) == round(statistics.median(shares), 4)
    assert float(row["Mean"]) == round(statistics.fmean(shares), 4)


def test_every_page_has_its_table_and_an_accessible_deterministic_figure(client):
    overview = client.get("/instructor/")
    assert overview.status_code == 200
    assert "40 students on the roster" in overview.text and "5 have never answered" in overview.text
    for view in dashboard.VIEWS.values():
        assert f'href="/instructor/{view.name}.csv"' in overview.text
        page = client.get(f"/instructor/{view.name}")
        assert page.status_code == 200 and "<table>" in page.text and "<caption>" in page.text
        figure = re.search(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]+" alt="([^"]+)">', page.text)
        assert figure and len(figure.group(1)) > 40, view.name  # a sentence, not a file name
    assert client.get("/instructor/nothing-here").status_code == 404
    assert client.get("/instructor/nothing-here.csv").status_code == 404


def test_figures_say_what_they_show_and_are_the_same_each_time(simulated):
    rows = [{"mock": "Mock A", "students": 3, "median": 0.5, "lowest": 0.2, "highest": 0.9, "scores": [0.2, 0.5, 0.9]}]
    first, again = plots.mock_scores(rows), plots.mock_scores(rows)
    assert first == again and first.uri.startswith("data:image/png;base64,")
    assert "Mock A: 3 students, median 50%, from 20% to 90%" in first.alt
    assert plots.missed([]).alt == "No answers yet."


@pytest.mark.slow
def test_the_dashboard_in_a_browser(simulated, browser, tmp_path):
    """The pages as an instructor's browser shows them: the figures load, the tables are there and
    the page does not scroll sideways; screenshots are kept for a look (tmp_path/dash-*.png)."""
    from selenium.webdriver.common.by import By
    from werkzeug.serving import make_server

    app = Flask(__name__)
    app.extensions[dashboard.COURSE] = simulated[0]
    app.register_blueprint(dashboard.pages)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        for view in ("", "misconceptions", "mocks"):
            browser.get(f"http://127.0.0.1:{server.server_port}/instructor/{view}")
            assert browser.find_element(By.TAG_NAME, "h1").text
            assert browser.find_elements(By.CSS_SELECTOR, "table tbody tr")
            for image in browser.find_elements(By.CSS_SELECTOR, "figure img"):
                assert browser.execute_script("return arguments[0].naturalWidth", image) > 300
            assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
            browser.save_screenshot(str(tmp_path / f"dash-{view or 'overview'}.png"))
        link = browser.find_element(By.LINK_TEXT, "Download this table as CSV")
        assert link.get_attribute("href").endswith("/instructor/mocks.csv")
    finally:
        server.shutdown()
