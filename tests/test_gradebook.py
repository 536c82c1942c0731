"""Reliability over slots (KR-20, Cronbach's alpha, or why not) and the gradebook CSVs for Canvas
and Moodle that `exam grade` and `lab grade` write."""

import csv
import json
import textwrap

import pytest

from examkit.exam.build import build_exam
from examkit.exam.grade import grade
from examkit.exam.mark import Mark
from examkit.exam.stats import describe, slot_statistics
from examkit.gradebook import Entry, write_canvas_csv, write_moodle_csv


def _exam(scores, qids=None, sections=None, status=None):
    """Versions and marks from a students x slots matrix of (score, max) pairs (or a bare score
    out of 1); qids[s][j] names the variant student s drew for slot j."""
    versions, marks = {}, []
    for s, row in enumerate(scores):
        sid = f"s{s}"
        questions = []
        for j, cell in enumerate(row):
            score, most = cell if isinstance(cell, tuple) else (cell, 1.0)
            qid = qids[s][j] if qids else f"q{j}"
            questions.append({"number": j + 1, "qid": qid, "section": sections[j] if sections else "A"})
            state = (status or {}).get((s, j)) or ("correct" if score >= most else "incorrect")
            marks.append(Mark(sid, j + 1, qid, "a", "", "x", state, float(score), float(most), "", None, []))
        versions[sid] = {"student_id": sid, "questions": questions}
    return slot_statistics(marks, versions)


DICHOTOMOUS = [[1, 1, 1], [1, 1, 0], [1, 0, 0], [0, 0, 0]]


def test_kr20_and_alpha_of_a_known_dichotomous_matrix():
    # p = .75, .5, .25: sum pq = .625; totals 3, 2, 1, 0: population variance 1.25
    # KR-20 = 3/2 * (1 - .625 / 1.25) = .75, and alpha equals it on right-or-wrong slots
    slots, rel = _exam(DICHOTOMOUS)
    assert rel["kr20"] == 0.75 and rel["alpha"] == 0.75
    assert rel["kr20_reason"] is None and rel["alpha_reason"] is None
    assert (rel["students"], rel["slots"], rel["variance"]) == (4, 3, "population")
    assert [s["difficulty"] for s in slots] == [0.75, 0.5, 0.25]


def test_alpha_keeps_partial_credit():
    # shares (1, .5), (.5, .5), (0, 0): item variances 1/6 + 1/18 = 4/18, total variance 7/18
    # alpha = 2 * (1 - 4/7) = 6/7; right-or-wrong: only s0's slot 1, so KR-20 = 2 * (1 - 1) = 0
    _, rel = _exam([[(2, 2), (1, 2)], [(1, 2), (1, 2)], [(0, 2), (0, 2)]])
    assert rel["alpha"] == pytest.approx(6 / 7, abs=1e-4) and rel["kr20"] == 0.0


def test_randomized_slots_pool_the_variants_drawn_for_a_position():
    # slot 1 is q1 for half the students and q2 for the others, worth different points;
    # slot 2 is one of three variants: the same matrix as DICHOTOMOUS's first two slots
    qids = [["q1", "r1", "t"], ["q2", "r2", "t"], ["q1", "r3", "t"], ["q2", "r1", "t"]]
    scores = [[(3, 3), (2, 2), 1], [(5, 5), (0, 4), 1], [(3, 3), (0, 2), 0], [(0, 5), (0, 2), 0]]
    slots, rel = _exam(scores, qids)
    assert rel["kr20"] is not None and rel["alpha"] is not None and rel["slots"] == 3
    first = {v["qid"]: v for v in slots[0]["variants"]}
    assert (first["q1"]["students"], first["q1"]["difficulty"]) == (2, 1.0)
    assert (first["q2"]["students"], first["q2"]["difficulty"]) == (2, 0.5)
    assert slots[0]["difficulty"] == 0.75 and {v["qid"] for v in slots[1]["variants"]} == {"r1", "r2", "r3"}
    # the same scores with one variant per slot give the same coefficients: only positions count
    _, fixed = _exam(scores)
    assert (fixed["kr20"], fixed["alpha"]) == (rel["kr20"], rel["alpha"])


def test_slots_follow_sections_in_print_order():
    slots, _ = _exam(DICHOTOMOUS, sections=["A", "A", "B"])
    assert [(s["slot"], s["section"], s["position"]) for s in slots] == [(1, "A", 1), (2, "A", 2), (3, "B", 1)]


@pytest.mark.parametrize(
    "scores, status, reason",
    [
        ([[1, 0, 1]], None, "fewer than 2 students"),
        ([[1], [0], [1]], None, "fewer than 2 slots"),
        ([[0, 1, 1], [0, 1, 0], [0, 0, 1]], {(s, 0): "blank" for s in range(3)}, "nobody has a score on slot 1"),
        ([[1, 0], [0, 0], [1, 1]], {(s, 1): "unmarked" for s in range(3)}, "still to be marked"),
    ],
)
def test_why_reliability_cannot_be_computed(scores, status, reason):
    _, rel = _exam(scores, status=status)
    assert rel["kr20"] is None and rel["alpha"] is None
    assert reason in rel["kr20_reason"] and rel["alpha_reason"] == rel["kr20_reason"]
    assert reason in describe(rel)[0]


def test_zero_total_variance_is_named_per_coefficient():
    # every student gets one slot right (KR-20 totals equal), shares differ (alpha computed)
    _, rel = _exam([[1, (0, 2)], [(1, 2), 1], [1, (1, 2)]])
    assert rel["kr20"] is None and "variance is 0" in rel["kr20_reason"]
    assert rel["alpha"] is not None and rel["alpha_reason"] is None
    _, rel = _exam([[1, 0], [0, 1]])
    assert "variance is 0" in rel["kr20_reason"] and "variance is 0" in rel["alpha_reason"]


def test_canvas_and_moodle_csv_columns_and_values(tmp_path):
    entries = [Entry("Ada", "", "s1", "ada", "ada@u.edu", 17.5), Entry("Alan", "", "s2", "alan", "", None)]
    write_canvas_csv(tmp_path / "canvas.csv", "Final (2026)", 24, entries)
    rows = list(csv.reader(open(tmp_path / "canvas.csv", encoding="utf-8")))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Final [2026]"]
    assert rows[1][0].strip() == "Points Possible" and rows[1][-1] == "24"
    assert rows[2:] == [["Ada", "", "s1", "ada", "", "17.5"], ["Alan", "", "s2", "alan", "", ""]]
    left_out = write_moodle_csv(tmp_path / "moodle.csv", "Final", entries)
    rows = list(csv.reader(open(tmp_path / "moodle.csv", encoding="utf-8")))
    assert rows == [
        ["ID number", "Username", "Full name", "Final"],
        ["s1", "ada", "Ada", "17.5"],
        ["s2", "alan", "Alan", ""],
    ]
    assert len(left_out) == 1 and "Email address" in left_out[0] and "1 student(s)" in left_out[0]


SPEC = """\
title: Final
course: Test
master_seed: 5
{who}
sections:
  - {{title: Numbers, draw: 2, from: {{ids: [vae-neg-elbo-beta, vae-kl-1d, gan-batch-losses]}}}}
  - {{title: Choices, draw: 1, from: {{ids: [gan-d-overpowers, gan-mode-collapse, gan-minimax-roles]}}}}
"""


def _key_rows(manifest, wrong=()):
    rows = [["student_id", "question", "part", "answer"]]
    for version in manifest["versions"]:
        for q in version["questions"]:
            for entry in q["parts"]:
                answer = "0" if (version["student_id"], q["number"]) in wrong else entry["answer"]
                rows.append([version["student_id"], q["number"], entry["label"], answer])
    return rows


def _build(tmp_path, who):
    spec = tmp_path / "final.yaml"
    spec.write_text(SPEC.format(who=who))
    build_exam(spec, tmp_path / "exam", formats=("tex",))
    path = tmp_path / "exam" / "instructor" / "manifest.json"
    return path, json.loads(path.read_text())


def test_exam_grade_writes_gradebooks_with_the_roster_identifiers(tmp_path):
    (tmp_path / "roster.csv").write_text(textwrap.dedent("""\
        student_id,name,email,username
        s1,Ada Lovelace,ada@u.edu,ada
        s2,Alan Turing,alan@u.edu,alan
        s3,Grace Hopper,grace@u.edu,grace
        s4,Absent Student,absent@u.edu,absent
        """))  # fmt: skip
    path, manifest = _build(tmp_path, "roster: roster.csv")
    assert manifest["versions"][0]["email"] == "ada@u.edu" and "anonymous" not in manifest["exam"]
    wrong = {("s2", 1), ("s3", 1), ("s3", 2), ("s3", 3)}
    rows = [r for r in _key_rows(manifest, wrong) if r[0] != "s4"]
    answers = tmp_path / "answers.csv"
    with open(answers, "w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    result = grade(path, answers, tmp_path / "g")
    out = tmp_path / "g"
    assert result["gradebook"]["files"] == [str(out / "canvas.csv"), str(out / "moodle.csv")]
    grades = {r["student_id"]: r["total"] for r in csv.DictReader(open(out / "grades.csv", encoding="utf-8"))}
    canvas = list(csv.reader(open(out / "canvas.csv", encoding="utf-8")))
    assert canvas[0][-1] == "Final" and len(canvas) == 2 + 4
    assert {r[2]: (r[0], r[3], r[-1]) for r in canvas[2:]} == {
        "s1": ("Ada Lovelace", "ada", f"{float(grades['s1']):g}"),
        "s2": ("Alan Turing", "alan", f"{float(grades['s2']):g}"),
        "s3": ("Grace Hopper", "grace", f"{float(grades['s3']):g}"),
        "s4": ("Absent Student", "absent", ""),
    }
    moodle = list(csv.DictReader(open(out / "moodle.csv", encoding="utf-8")))
    assert list(moodle[0]) == ["ID number", "Email address", "Username", "Full name", "Final"]
    assert [(r["ID number"], r["Email address"], r["Final"]) for r in moodle] == [
        (sid, f"{u}@u.edu", c[-1]) for (sid, u), c in zip(
            [("s1", "ada"), ("s2", "alan"), ("s3", "grace"), ("s4", "absent")], canvas[2:])]  # fmt: skip
    rel = result["reliability"]
    assert (rel["students"], rel["slots"]) == (3, 3) and rel["kr20"] is not None and rel["alpha"] is not None
    analysis = json.loads((out / "item_analysis.json").read_text())
    assert [s["slot"] for s in analysis["slots"]] == [1, 2, 3] and analysis["reliability"] == rel


def test_anonymous_versions_get_no_gradebook_and_say_why(tmp_path):
    path, manifest = _build(tmp_path, "versions: 2")
    assert manifest["exam"]["anonymous"] is True
    answers = tmp_path / "answers.csv"
    with open(answers, "w", newline="") as fh:
        csv.writer(fh).writerows(_key_rows(manifest))
    result = grade(path, answers, tmp_path / "g")
    assert result["gradebook"]["files"] == [] and "anonymous" in result["gradebook"]["notes"][0]
    assert not (tmp_path / "g" / "canvas.csv").exists() and not (tmp_path / "g" / "moodle.csv").exists()
    # both versions right everywhere: no variance, and the report says so
    assert "variance is 0" in result["reliability"]["kr20_reason"]
