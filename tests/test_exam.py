"""Randomized exams built with real TeX: per-version numbers, keys, reproducibility, errors, grading."""

import json
import shutil
import subprocess
import textwrap

import pytest

from conftest import ROOT, bare_env, grade_typed_answers, run_cli
from examkit.exam.build import build_exam
from examkit.exam.spec import SpecError, load_roster, load_spec

EXAMPLE = ROOT / "examples" / "unit12-quiz.yaml"
needs_tex = pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")


def pdftext(path) -> str:
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return out.replace("\u2212", "-")  # TeX math minus


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("exam")
    report = build_exam(EXAMPLE, out, jobs=2)
    assert report.ok, [f.error for f in report.failures] + report.warnings
    return out, report, json.loads((out / "manifest.json").read_text())


@needs_tex
def test_each_version_pdf_shows_its_own_numbers_and_code(built):
    from examkit.bank.loader import load_bank

    bank = load_bank()
    out, report, manifest = built
    assert len(report.pdfs) == 4 * 2 + 1
    checked = 0
    for version in manifest["versions"]:
        text = pdftext(out / "pdf" / f"{version['student_id']}.pdf")
        assert version["code"] in text and version["name"] in text and version["student_id"] in text
        for q in version["questions"]:
            drawn = bank.get(q["qid"]).data.get("params", {})
            for name, value in q["params"].items():
                if name in drawn and isinstance(value, float) and f"[[{name}]]" in bank.get(q["qid"]).data["stem"]:
                    assert f"{value:g}" in text, (q["qid"], name, value)
                    checked += 1
    assert checked >= 8


@needs_tex
def test_solutions_and_key_show_that_versions_answers(built):
    out, _, manifest = built
    key = pdftext(out / "pdf" / "answer-key.pdf")
    for version in manifest["versions"]:
        solutions = pdftext(out / "pdf" / f"{version['student_id']}-solutions.pdf")
        assert version["code"] in key
        for q in version["questions"]:
            for part in q["parts"]:
                if part["type"] == "numeric":
                    assert part["answer"] in solutions and part["answer"] in key, (q["qid"], part["answer"])
                if part["type"] in ("choice", "diagnosis"):
                    assert part["answer"] in solutions


@needs_tex
def test_rebuild_is_identical_and_students_differ(built, tmp_path):
    out, _, manifest = built
    build_exam(EXAMPLE, tmp_path, jobs=2)
    for version in manifest["versions"]:
        name = f"{version['student_id']}.pdf"
        assert pdftext(out / "pdf" / name) == pdftext(tmp_path / "pdf" / name)
    assert (out / "manifest.json").read_text() == (tmp_path / "manifest.json").read_text()
    stems = {json.dumps([q["params"] for q in v["questions"]], sort_keys=True) for v in manifest["versions"]}
    assert len(stems) == len(manifest["versions"])


def test_versions_and_points_are_consistent(built):
    _, _, manifest = built
    assert {v["points"] for v in manifest["versions"]} == {24}
    codes = [v["code"] for v in manifest["versions"]]
    assert len(set(codes)) == len(codes) and all(len(c) == 6 for c in codes)


def test_student_version_does_not_depend_on_the_rest_of_the_roster(tmp_path):
    spec = load_spec(EXAMPLE)
    from examkit.bank.loader import load_bank
    from examkit.exam.assemble import assemble

    bank = load_bank()
    everyone = load_roster(ROOT / "examples" / "roster.csv")
    alone = assemble(spec, bank, everyone[2:3])[0]
    together = assemble(spec, bank, everyone)[2]
    assert [(q.qid, q.seed) for q in alone.questions] == [(q.qid, q.seed) for q in together.questions]


BROKEN_QUESTION = textwrap.dedent("""\
    topic: broken
    title: Broken
    questions:
      - id: broken-tex
        title: Bad math
        objectives: [labs]
        difficulty: easy
        params: {a: {int: [1, 9]}}
        stem: 'Compute $\\frac{[[a]]}{$ now.'
        parts:
          - {id: x, type: numeric, points: 1, answer: a}
    """)


@needs_tex
def test_tex_error_names_the_question_and_other_files_still_build(tmp_path):
    bank = tmp_path / "bank"
    bank.mkdir()
    (bank / "broken.yaml").write_text(BROKEN_QUESTION)
    shutil.copy(ROOT / "questions" / "vae.yaml", bank / "vae.yaml")
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        textwrap.dedent("""\
        title: T
        course: C
        master_seed: 1
        versions: 2
        sections:
          - {title: S, draw: 1, from: {ids: [vae-kl-1d]}}
          - {title: B, draw: 1, from: {ids: [broken-tex]}}
        """)
    )
    result = run_cli("exam", "build", str(spec), "--out", str(tmp_path / "out"), "--bank", str(bank))
    assert result.returncode == 1
    assert "question broken-tex" in result.stderr and "V01.tex:" in result.stderr
    assert (tmp_path / "out" / "pdf" / "answer-key.pdf").exists()  # the key has no stems: it still builds
    assert (tmp_path / "out" / "tex" / "V02.tex").exists()


def test_without_tex_the_sources_are_written_and_the_message_says_what_to_install(tmp_path):
    result = run_cli(
        "exam",
        "build",
        str(EXAMPLE),
        "--versions",
        "2",
        "--out",
        str(tmp_path / "out"),
        env=bare_env(tmp_path),
        cwd=tmp_path,
        timeout=300,
    )
    assert result.returncode == 1
    assert "pdflatex was not found" in result.stderr and "texlive-latex-base" in result.stderr
    assert (tmp_path / "out" / "tex" / "V01.tex").exists() and (tmp_path / "out" / "manifest.json").exists()


def test_spec_and_roster_errors_name_file_and_line(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        "title: T\ncourse: C\nmaster_seed: 1\nversions: 2\nsections:\n  - {title: S, draw: 0, from: {topic: vae}}\n"
    )
    with pytest.raises(SpecError, match=r"spec.yaml:6: sections.0.draw"):
        load_spec(spec)
    spec.write_text(
        "title: T\ncourse: C\nmaster_seed: 1\nversions: 2\nsections:\n  - {title: S, draw: 99, from: {topic: vae}}\n"
    )
    result = run_cli("exam", "build", str(spec), "--out", str(tmp_path / "o"), "--format", "tex")
    assert result.returncode == 2 and "draws 99 but only" in result.stderr
    roster = tmp_path / "r.csv"
    roster.write_text("student_id,name\na,Ann\nb,Bob\na,Again\n")
    with pytest.raises(SpecError, match=r"r.csv:4: duplicate student_id 'a'"):
        load_roster(roster)
    bad_format = run_cli("exam", "build", str(EXAMPLE), "--out", str(tmp_path / "o2"), "--format", "docx")
    assert bad_format.returncode == 2 and "unknown format" in bad_format.stderr


def test_grade_typed_answers_with_item_analysis(tmp_path):
    out = tmp_path / "exam"
    build_exam(EXAMPLE, out, versions=6, formats=("tex",))
    manifest = json.loads((out / "manifest.json").read_text())
    rows = []
    from examkit.bank.loader import load_bank

    bank = load_bank()
    expected_totals = {}
    for i, version in enumerate(manifest["versions"]):
        sid = version["student_id"]
        total = 0
        for q in version["questions"]:
            variant = bank.get(q["qid"]).variant(q["seed"])
            for entry, part in zip(q["parts"], variant.parts):
                if i < 3:  # strong students: everything right
                    answer = repr(part.answer) if part.type == "numeric" else part.answer_text
                    total += entry["points"]
                elif part.misconceptions:  # weak students: a known mistake
                    m = part.misconceptions[0]
                    answer = repr(m.value) if part.type == "numeric" else m.text
                else:
                    answer = ""
                rows.append([sid, q["number"], entry["id"], answer])
        expected_totals[sid] = total
    result, grades = grade_typed_answers(out / "manifest.json", rows, tmp_path / "g", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    for sid, total in expected_totals.items():
        if total:
            assert float(grades[sid]["total"]) == pytest.approx(total)
    weak = manifest["versions"][4]["student_id"]
    assert float(grades[weak]["total"]) < float(grades[manifest["versions"][0]["student_id"]]["total"])
    feedback = (tmp_path / "g" / "feedback" / f"{weak}.txt").read_text()
    assert "incorrect" in feedback
    analysis = data["item_analysis"]
    assert any(row["misconceptions"] for row in analysis)
    assert all(0 <= row["mean_score"] <= 1 for row in analysis)
    assert any(row["discrimination"] is not None and row["discrimination"] > 0 for row in analysis)


def test_grade_rejects_bad_answer_files(tmp_path, built):
    out, _, _ = built
    bad = tmp_path / "bad.csv"
    bad.write_text("name,Q1\nx,1\n")
    result = run_cli("exam", "grade", str(out / "manifest.json"), str(bad), "--out", str(tmp_path / "g"))
    assert result.returncode == 2 and "bad.csv:1: the first column must be student_id" in result.stderr
    not_manifest = tmp_path / "m.json"
    not_manifest.write_text("{}")
    result = run_cli("exam", "grade", str(not_manifest), str(bad), "--out", str(tmp_path / "g"))
    assert result.returncode == 2 and "not an examkit manifest" in result.stderr


FIXED_ORDER_SPEC = """
title: Fixed option order
course: Test course
date: "2026-12-04"
master_seed: 11
sections:
  - title: Choices in the bank's order
    draw: 3
    points: 5
    shuffle_options: false
    from: {ids: [gan-d-overpowers, gan-mode-collapse, gan-minimax-roles]}
  - title: Shuffled
    draw: 1
    from: {ids: [gan-sharper-than-vae]}
"""


def _printed_choices(tex: str, qid: str) -> list[str]:
    """The option texts of question `qid`, in the order the exam prints them."""
    block = tex.split(f"% examkit-question: {qid} ")[1].split("% examkit-question:")[0]
    return [line.split(r"\choice ", 1)[1].strip() for line in block.splitlines() if line.startswith(r"\choice ")]


def test_printed_right_letters_grade_full_with_fixed_order_and_scaled_points(tmp_path):
    """Students who type the letters printed on their paper get full marks, whatever the section's
    option order and point scaling; the manifest records both."""
    from examkit.markup import to_latex

    spec = tmp_path / "fixed.yaml"
    spec.write_text(FIXED_ORDER_SPEC)
    out = tmp_path / "exam"
    build_exam(spec, out, versions=6, formats=("tex",))
    manifest = json.loads((out / "manifest.json").read_text())
    rows = []
    for version in manifest["versions"]:
        tex = (out / "tex" / f"{version['student_id']}.tex").read_text()
        for q in version["questions"]:
            assert q["identity"]["qid"] == q["qid"] and "template" in q
            printed = _printed_choices(tex, q["qid"])
            for entry in q["parts"]:
                options = entry.get("options") or []
                if options:
                    assert [to_latex(o["text"]) for o in options] == printed[: len(options)]
                    printed = printed[len(options) :]
                    right = [o["letter"] for o in options if o["correct"]]
                    assert entry["answer"] == ", ".join(right)
                rows.append([version["student_id"], q["number"], entry["id"], entry["answer"]])  # the printed key
    first_section = [q for q in manifest["versions"][0]["questions"] if q["section"].startswith("Choices")]
    assert all(sum(e["points"] for e in q["parts"]) == pytest.approx(5) for q in first_section)
    for q in first_section:  # the bank's own order
        assert all(keys == sorted(keys, key=int) for keys in q["identity"]["option_order"].values())
    result, grades = grade_typed_answers(out / "manifest.json", rows, tmp_path / "g")
    assert result.returncode == 0, result.stderr
    assert len(grades) == 6
    for row in grades.values():
        assert float(row["total"]) == pytest.approx(float(row["max"])), row


def test_grading_refuses_a_changed_bank_unless_allowed(tmp_path):
    bank = tmp_path / "bank"
    shutil.copytree(ROOT / "questions", bank)
    spec = tmp_path / "s.yaml"
    spec.write_text(FIXED_ORDER_SPEC)
    out = tmp_path / "exam"
    build_exam(spec, out, versions=2, formats=("tex",), bank_paths=[str(bank)])
    answers = tmp_path / "a.csv"
    answers.write_text("student_id,question,part,answer\nV01,1,a,A\n")
    ok = run_cli(
        "exam", "grade", str(out / "manifest.json"), str(answers), "--out", str(tmp_path / "g1"), "--bank", str(bank)
    )
    assert ok.returncode == 0, ok.stderr
    training = bank / "training_issues.yaml"
    training.write_text(training.read_text().replace("discriminator", "critic", 1))
    refused = run_cli(
        "exam", "grade", str(out / "manifest.json"), str(answers), "--out", str(tmp_path / "g2"), "--bank", str(bank)
    )
    assert refused.returncode == 2 and "gan-d-overpowers" in refused.stderr and "--allow-bank-change" in refused.stderr
    allowed = run_cli(
        "exam",
        "grade",
        str(out / "manifest.json"),
        str(answers),
        "--out",
        str(tmp_path / "g3"),
        "--bank",
        str(bank),
        "--allow-bank-change",
    )
    assert allowed.returncode == 0, allowed.stderr
