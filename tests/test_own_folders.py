"""An instructor's own question folder beside the bundled bank (`--bank FOLDER`): its questions and
its syllabus.yaml join the bundled ones; an exam built from both is graded back from what the
manifest records, without --bank; a moved folder, an edited question, --no-bundled, clashes."""

import json
import shutil
import textwrap

import pytest

from conftest import ROOT, grade_typed_answers, run_cli
from examkit import api
from examkit.errors import UsageError

OWN_QUESTIONS = textwrap.dedent("""\
    topic: counting
    title: Counting
    questions:
      - id: own-linear-params
        title: Parameters of a linear layer
        objectives: [own_counting]
        covers: [own_quiz_1]
        difficulty: easy
        params:
          n_in: {int: [3, 9]}
          n_out: {int: [2, 6]}
        stem: A linear layer maps $[[n_in]]$ inputs to $[[n_out]]$ outputs, with a bias. How many parameters does it have?
        hints: [Count the weights, then the biases.]
        solution: $[[n_in]] \\cdot [[n_out]] + [[n_out]]$ weights and biases.
        parts:
          - id: n
            type: numeric
            points: 2
            answer: n_in*n_out + n_out
            tolerance: {abs: 0.5}
            misconceptions:
              - {name: no_bias, answer: n_in*n_out, feedback: The bias adds one parameter per output.}
    """)
OWN_SYLLABUS = textwrap.dedent("""\
    objectives:
      own_counting: Count the parameters of a layer.
      labs: Connect theory to labs, GAN on images and VAE implementation details.
    items:
      own_quiz_1: "Quiz 1: parameter counts"
    """)  # `labs` as the bundled syllabus words it: the same objective, no clash
SPEC = textwrap.dedent("""\
    title: Own and bundled
    course: Test
    master_seed: 4
    sections:
      - {title: Own, draw: 1, from: {ids: [own-linear-params]}}
      - {title: Bundled, draw: 1, from: {ids: [vae-kl-1d]}}
    """)


@pytest.fixture
def course(tmp_path):
    """A course folder: the instructor's own questions in mine/ and an exam spec beside them."""
    folder = tmp_path / "course"
    (folder / "mine").mkdir(parents=True)
    (folder / "mine" / "counting.yaml").write_text(OWN_QUESTIONS)
    (folder / "mine" / "syllabus.yaml").write_text(OWN_SYLLABUS)
    (folder / "spec.yaml").write_text(SPEC)
    return folder


def build(course, *options, spec="spec.yaml"):
    """Two anonymous versions, TeX sources only (no TeX run); returns the run and the manifest's path."""
    out = course / "exam"
    result = run_cli("exam", "build", str(course / spec), "--versions", "2", "--format", "tex", "--out", str(out),
                     *options)  # fmt: skip
    return result, out / "instructor" / "manifest.json"


def key_rows(manifest_path):
    """The printed key of every version: what a perfect student types."""
    manifest = json.loads(manifest_path.read_text())
    return [[v["student_id"], q["number"], p["id"], p["answer"]] for v in manifest["versions"]
            for q in v["questions"] for p in q["parts"]]  # fmt: skip


def test_own_and_bundled_questions_in_one_exam_grade_back_without_bank(course, tmp_path):
    built, manifest_path = build(course, "--bank", str(course / "mine"))
    assert built.returncode == 0, built.stderr
    manifest = json.loads(manifest_path.read_text())
    bundled, own = manifest["exam"]["banks"]
    assert bundled["bundled"] is True and bundled["ids"] == ["vae-kl-1d"] and len(bundled["digest"]) == 16
    assert own["path"] == "../../mine" and own["absolute"] == str((course / "mine").resolve())
    assert own["ids"] == ["own-linear-params"] and own["digest"] != bundled["digest"]
    rows = key_rows(manifest_path)
    result, grades = grade_typed_answers(manifest_path, rows, tmp_path / "g1")  # no --bank
    assert result.returncode == 0, result.stderr
    assert [float(g["total"]) for g in grades.values()] == [float(g["max"]) for g in grades.values()] != []

    moved = tmp_path / "moved-course"  # the whole course folder moved: found beside the manifest
    course.rename(moved)
    result, _ = grade_typed_answers(moved / "exam" / "instructor" / "manifest.json", rows, tmp_path / "g2")
    assert result.returncode == 0, result.stderr
    moved.rename(course)
    exam_alone = tmp_path / "elsewhere" / "exam"  # only the exam moved: found where it was
    exam_alone.parent.mkdir()
    (course / "exam").rename(exam_alone)
    result, _ = grade_typed_answers(exam_alone / "instructor" / "manifest.json", rows, tmp_path / "g3")
    assert result.returncode == 0, result.stderr


def test_a_moved_folder_names_the_missing_questions_and_where_they_were_built_from(course, tmp_path):
    built, manifest_path = build(course, "--bank", str(course / "mine"))
    assert built.returncode == 0, built.stderr
    rows = key_rows(manifest_path)
    (course / "mine").rename(tmp_path / "new-place")
    result, _ = grade_typed_answers(manifest_path, rows, tmp_path / "g1")
    assert result.returncode == 2
    assert "not in the bank: own-linear-params" in result.stderr and "vae-kl-1d" not in result.stderr
    assert f"built from {(course / 'mine').resolve()}" in result.stderr and "--bank FOLDER" in result.stderr
    assert "changed" not in result.stderr
    given = grade_typed_answers(manifest_path, rows, tmp_path / "g2", "--bank", str(tmp_path / "new-place"))[0]
    assert given.returncode == 0, given.stderr  # a --bank given at grading takes the recorded folder's place


def test_only_a_question_really_edited_is_a_change(course, tmp_path):
    built, manifest_path = build(course, "--bank", str(course / "mine"))
    assert built.returncode == 0, built.stderr
    rows = key_rows(manifest_path)
    mine = course / "mine"
    (mine / "more.yaml").write_text(OWN_QUESTIONS.replace("own-linear-params", "own-other").replace("Counting", "More"))
    (mine / "syllabus.yaml").write_text(OWN_SYLLABUS + "  own_quiz_2: Quiz 2\n")
    result, _ = grade_typed_answers(manifest_path, rows, tmp_path / "g1")  # the folder changed, its question did not
    assert result.returncode == 0, result.stderr
    (mine / "counting.yaml").write_text(OWN_QUESTIONS.replace("with a bias", "with a bias term"))
    result, _ = grade_typed_answers(manifest_path, rows, tmp_path / "g2")
    assert result.returncode == 2 and "changed since this exam was built: own-linear-params" in result.stderr
    assert "--allow-bank-change" in result.stderr and "not in the bank" not in result.stderr
    result, _ = grade_typed_answers(manifest_path, rows, tmp_path / "g3", "--allow-bank-change")
    assert result.returncode == 0, result.stderr


def test_a_manifest_from_before_sources_were_recorded_still_grades(course, tmp_path):
    built, manifest_path = build(course, "--bank", str(course / "mine"))
    assert built.returncode == 0, built.stderr
    rows = key_rows(manifest_path)
    manifest = json.loads(manifest_path.read_text())
    del manifest["exam"]["banks"]
    manifest_path.write_text(json.dumps(manifest))
    result, _ = grade_typed_answers(manifest_path, rows, tmp_path / "g1")
    assert result.returncode == 2 and "own-linear-params" in result.stderr
    assert "does not record the folders" in result.stderr and "--bank FOLDER" in result.stderr
    result, _ = grade_typed_answers(manifest_path, rows, tmp_path / "g2", "--bank", str(course / "mine"))
    assert result.returncode == 0, result.stderr


def test_no_bundled_leaves_the_bundled_bank_out_and_grading_follows_the_manifest(course, tmp_path):
    mine = str(course / "mine")
    listed = run_cli("bank", "list", "--bank", mine, "--no-bundled", "--json")
    assert listed.returncode == 0 and [q["id"] for q in json.loads(listed.stdout)] == ["own-linear-params"]
    refused, _ = build(course, "--bank", mine, "--no-bundled")
    assert refused.returncode == 2 and "no question(s) vae-kl-1d in the bank" in refused.stderr
    (course / "own-only.yaml").write_text(SPEC.split("  - {title: Bundled")[0])
    built, manifest_path = build(course, "--bank", mine, "--no-bundled", spec="own-only.yaml")
    assert built.returncode == 0, built.stderr
    assert [e.get("bundled", False) for e in json.loads(manifest_path.read_text())["exam"]["banks"]] == [False]
    result, _ = grade_typed_answers(manifest_path, key_rows(manifest_path), tmp_path / "g")
    assert result.returncode == 0, result.stderr
    nothing = run_cli("bank", "list", "--no-bundled")
    assert nothing.returncode == 2 and "no --bank is given" in nothing.stderr
    nowhere = run_cli("bank", "list", "--bank", str(course / "nowhere"))
    assert nowhere.returncode == 2 and "nowhere: no such question file or folder" in nowhere.stderr


def test_a_copy_of_the_bundled_bank_clashes_unless_the_bundled_bank_is_left_out(tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(ROOT / "questions", copy)
    clash = run_cli("bank", "list", "--bank", str(copy))
    assert clash.returncode == 1
    line = next(n for n, text in enumerate((ROOT / "questions" / "vae.yaml").read_text().splitlines(), 1)
                if text.strip() == "- id: vae-kl-1d")  # fmt: skip
    assert (f"{copy / 'vae.yaml'}:{line}: duplicate question id 'vae-kl-1d' "
            f"(first in {ROOT / 'questions' / 'vae.yaml'}:{line})") in clash.stderr  # fmt: skip
    assert run_cli("bank", "list", "--bank", str(copy), "--no-bundled").returncode == 0
    clone = run_cli("bank", "list", "--bank", str(ROOT / "questions"), "--json")  # as examkit once needed
    assert clone.returncode == 0 and len(json.loads(clone.stdout)) == len(
        json.loads(run_cli("bank", "list", "--json").stdout)
    )


def test_an_own_syllabus_adds_objectives_and_items(course):
    mine = course / "mine"
    assert run_cli("validate", str(mine), "--seeds", "5", "--jobs", "1").returncode == 0
    coverage = json.loads(run_cli("bank", "coverage", "--bank", str(mine), "--json").stdout)["coverage"]
    assert coverage["objectives"]["own_counting"] == ["own-linear-params"]
    assert coverage["items"]["own_quiz_1"] == ["own-linear-params"] and coverage["items"]["exam1a"]
    assert api.coverage(bank=[mine]) == coverage
    listed = run_cli("bank", "list", "--bank", str(mine), "--objective", "own_counting", "--json")
    assert [q["id"] for q in json.loads(listed.stdout)] == ["own-linear-params"]
    app = api.practice_app(db=course / "p.sqlite", bank=[mine])
    assert "Count the parameters of a layer." in app.test_client().get("/progress").get_data(as_text=True)
    (mine / "syllabus.yaml").unlink()
    refused = run_cli("validate", str(mine), "--seeds", "5", "--jobs", "1")
    assert (
        refused.returncode == 1
        and f"{mine / 'counting.yaml'}:6: own-linear-params: unknown objective" in refused.stdout
    )


def test_a_syllabus_that_redefines_a_bundled_key_names_both_places(course):
    mine = course / "mine"
    (mine / "syllabus.yaml").write_text(OWN_SYLLABUS.replace("Connect theory to labs", "Run the labs"))
    bundled_line = next(n for n, text in enumerate((ROOT / "questions" / "syllabus.yaml").read_text().splitlines(), 1)
                        if text.startswith("  labs:"))  # fmt: skip
    expected = (f"{mine / 'syllabus.yaml'}:3: objective 'labs' is already defined differently in "
                f"{ROOT / 'questions' / 'syllabus.yaml'}:{bundled_line}")  # fmt: skip
    for args in (("validate", str(mine), "--seeds", "5", "--jobs", "1"), ("bank", "list", "--bank", str(mine))):
        result = run_cli(*args)
        assert result.returncode == 1 and expected in result.stdout + result.stderr, args


def test_the_python_api_builds_and_grades_with_the_same_folders(course, tmp_path):
    out = course / "exam"
    report = api.exam_build(course / "spec.yaml", out, versions=2, formats="tex", bank=[course / "mine"])
    assert report.ok, report.failures + report.warnings
    manifest_path = out / "instructor" / "manifest.json"
    answers = tmp_path / "answers.csv"
    answers.write_text(
        "student_id,question,part,answer\n" + "".join(f"{','.join(map(str, r))}\n" for r in key_rows(manifest_path))
    )
    assert api.exam_grade(manifest_path, answers, tmp_path / "g1")["students"] == 2
    (course / "mine").rename(tmp_path / "gone")
    with pytest.raises(UsageError, match="own-linear-params: built from"):
        api.exam_grade(manifest_path, answers, tmp_path / "g2")
