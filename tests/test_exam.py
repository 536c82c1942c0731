"""Randomized exams built with real TeX: per-version numbers, keys, reproducibility, errors, grading."""

import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

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
    return out, report, json.loads((out / "instructor" / "manifest.json").read_text())


@needs_tex
def test_each_version_pdf_shows_its_own_numbers_and_code(built):
    from examkit.bank.loader import load_bank

    bank = load_bank()
    out, report, manifest = built
    assert len(report.pdfs) == 4 * 2 + 1
    checked = 0
    for version in manifest["versions"]:
        text = pdftext(out / "students" / f"{version['student_id']}.pdf")
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
    key = pdftext(out / "instructor" / "answer-key.pdf")
    for version in manifest["versions"]:
        solutions = pdftext(out / "instructor" / "solutions" / f"{version['student_id']}-solutions.pdf")
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
    again = tmp_path / "again"
    build_exam(EXAMPLE, again, jobs=2)
    for version in manifest["versions"]:
        name = f"{version['student_id']}.pdf"
        assert pdftext(out / "students" / name) == pdftext(again / "students" / name)
    assert (out / "instructor" / "manifest.json").read_text() == (again / "instructor" / "manifest.json").read_text()
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


def test_the_final_gives_every_student_of_the_world_roster_twelve_questions_of_every_kind():
    """examples/final.yaml, the exam bench/exam_build.py --final times, stays a realistic final."""
    from examkit.bank.loader import load_bank
    from examkit.exam.assemble import assemble

    spec = load_spec(ROOT / "examples" / "final.yaml")
    roster = load_roster(ROOT / "examples" / spec.roster)
    versions = assemble(spec, load_bank(), roster)
    assert len(versions) == 150 and sum(not (s.id + s.name).isascii() for s in roster) > 100
    for version in versions:
        assert len(version.questions) == 12 and version.points == 100
    kinds = {p.response for v in versions for q in v.questions for p in q.variant.parts}
    assert kinds == {"number", "options", "formula", "steps", "text"}
    assert any(q.variant.figures for v in versions for q in v.questions)


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
    (bank / "broken.yaml").write_text(BROKEN_QUESTION)  # beside the bundled bank's vae-kl-1d
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
    failed = tmp_path / "out.failed"  # a failed build never takes --out's place
    assert not (tmp_path / "out").exists() and "nothing was written to" in result.stderr
    assert (failed / "instructor" / "answer-key.pdf").exists()  # the key has no stems: it still builds
    assert (failed / "instructor" / "tex" / "V02.tex").exists()


OVERFULL_QUESTION = textwrap.dedent("""\
    topic: wide
    title: Wide
    questions:
      - id: wide-code
        title: Unbreakable code
        objectives: [labs]
        difficulty: easy
        stem: 'Explain `nn.ConvTranspose2dWithAnExtremelyLongNameThatCannotBreakAnywhereAtAll(latent_dim_value)`.'
        parts:
          - {id: x, type: numeric, points: 1, answer: 1}
    """)


@needs_tex
def test_a_line_into_the_margin_fails_the_build_naming_the_question(tmp_path):
    bank = tmp_path / "bank"
    bank.mkdir()
    (bank / "wide.yaml").write_text(OVERFULL_QUESTION)
    spec = tmp_path / "spec.yaml"
    spec.write_text("title: T\ncourse: C\nmaster_seed: 1\nversions: 1\nsections:\n"
                    "  - {title: S, draw: 1, from: {ids: [wide-code]}}\n")  # fmt: skip
    result = run_cli("exam", "build", str(spec), "--out", str(tmp_path / "out"), "--bank", str(bank))
    assert result.returncode == 1, result.stderr
    assert "question wide-code" in result.stderr and "pt into the margin" in result.stderr
    assert "V01.tex:" in result.stderr


@needs_tex
def test_a_line_into_the_margin_is_named_in_its_own_file_when_versions_share_a_tex_run(tmp_path):
    """Versions are set many to a TeX run: the overfull line of a later document in the batch is
    still reported at its own file's line, in the question it belongs to, and only for the
    versions that drew that question."""
    bank = tmp_path / "bank"
    bank.mkdir()
    (bank / "wide.yaml").write_text(OVERFULL_QUESTION)  # beside the bundled bank's vae-kl-1d
    spec = tmp_path / "spec.yaml"
    spec.write_text("title: T\ncourse: C\nmaster_seed: 3\nversions: 6\nsections:\n"
                    "  - {title: S, draw: 1, from: {ids: [vae-kl-1d, wide-code]}}\n")  # fmt: skip
    result = run_cli("exam", "build", str(spec), "--out", str(tmp_path / "out"), "--bank", str(bank))
    assert result.returncode == 1, result.stderr
    failed = tmp_path / "out.failed"
    manifest = json.loads((failed / "instructor" / "manifest.json").read_text())
    wide = {v["student_id"] for v in manifest["versions"] if v["questions"][0]["qid"] == "wide-code"}
    assert 0 < len(wide) < 6, wide  # some versions drew it, some did not
    named = set()
    for name, line in re.findall(r"(V\d\d(?:-solutions)?)\.tex:(\d+): in question wide-code", result.stderr):
        source = (failed / "instructor" / "tex" / f"{name}.tex").read_text().splitlines()
        assert "ConvTranspose2dWithAnExtremelyLong" in source[int(line) - 1], (name, line)
        named.add(name.removesuffix("-solutions"))
    assert named == wide
    for version in manifest["versions"]:
        if version["student_id"] not in wide:
            assert (failed / "students" / f"{version['student_id']}.pdf").exists()


@needs_tex
def test_batched_pdfs_are_byte_identical_per_seed_and_each_holds_one_student(tmp_path):
    """Exams, solutions and sheets of many students are set in a few TeX runs (pdflatex for ASCII
    names, LuaLaTeX for the others) and cut apart: a rebuild gives the same bytes, and each file
    holds its own student's pages only, numbered from 1 to its own total."""
    from examkit.exam.compile import tex_runs_started

    roster = tmp_path / "roster.csv"
    names = {"a1": "Ada Byron", "b2": "Ελένη Παπαδοπούλου", "c3": "Grace Hopper", "d4": "Дмитрий Иванов"}
    roster.write_text("student_id,name\n" + "".join(f"{k},{v}\n" for k, v in names.items()), encoding="utf-8")
    builds = []
    for attempt in ("one", "two"):
        runs = tex_runs_started()
        report = build_exam(EXAMPLE, tmp_path / attempt, roster=str(roster), answer_sheets=True)
        assert report.ok, [f.error for f in report.failures] + report.warnings
        assert len(report.pdfs) == 3 * len(names) + 1
        assert tex_runs_started() - runs <= 10  # 13 documents, most of them needing two passes alone
        builds.append({p.relative_to(tmp_path / attempt): p.read_bytes() for p in report.pdfs})
    assert builds[0].keys() == builds[1].keys()
    assert [k for k in builds[0] if builds[0][k] != builds[1][k]] == []
    out = tmp_path / "one"
    for sid, name in names.items():
        for pdf in (out / "students" / f"{sid}.pdf", out / "instructor" / "solutions" / f"{sid}-solutions.pdf"):
            pages = pdf_pages(pdf)
            for number, page in enumerate(pages, 1):
                assert f"Page {number} of {len(pages)}" in page and sid in page, (pdf.name, number)
            others = [n for k, n in names.items() if k != sid and n in pdftext(pdf)]
            assert name in pdftext(pdf) and not others, (pdf.name, others)
        sheet = pdftext(out / "students" / f"{sid}-answer-sheet.pdf")
        assert name in sheet and not any(n in sheet for k, n in names.items() if k != sid)


def pdf_pages(path) -> list[str]:
    return pdftext(path).split("\f")[:-1]


@needs_tex
def test_pages_count_to_an_end_mark_and_questions_stay_with_their_answer_space(built):
    out, _, manifest = built
    for version in manifest["versions"]:
        pages = pdf_pages(out / "students" / f"{version['student_id']}.pdf")
        for number, page in enumerate(pages, 1):
            assert f"Page {number} of {len(pages)}" in page
        assert "End of exam" in pages[-1] and not any("End of exam" in p for p in pages[:-1])
        for page in pages:  # no page opens with the tail of a question: its options or its answer lines
            body = [line.strip() for line in page.splitlines() if line.strip()]
            assert not re.match(r"^[B-H][.)] ", body[0]), body[:3]
        for q in version["questions"]:  # each part's points print on the page holding its prompt
            for part in q.get("parts", []):
                label = part.get("label")
                if label:
                    assert any(f"({label})" in p and "point" in p for p in pages)


def test_a_rebuild_replaces_the_old_build_only_when_it_succeeds(tmp_path):
    out = tmp_path / "exam"
    assert (
        run_cli("exam", "build", str(EXAMPLE), "--versions", "3", "--out", str(out), "--format", "tex").returncode == 0
    )
    assert sorted(p.name for p in (out / "instructor" / "tex").glob("V0?.tex")) == ["V01.tex", "V02.tex", "V03.tex"]
    assert (
        run_cli("exam", "build", str(EXAMPLE), "--versions", "2", "--out", str(out), "--format", "tex").returncode == 0
    )
    assert not (out / "instructor" / "tex" / "V03.tex").exists()  # nothing stale from the bigger build
    assert "never hand out" in (out / "README.txt").read_text()
    bad = tmp_path / "bad.yaml"
    bad.write_text(EXAMPLE.read_text().replace("sections:", "sections_typo:"))
    assert run_cli("exam", "build", str(bad), "--out", str(out), "--format", "tex").returncode == 2
    assert (out / "instructor" / "tex" / "V02.tex").exists()  # the earlier build is untouched
    precious = tmp_path / "notes"
    precious.mkdir()
    (precious / "mine.txt").write_text("keep")
    refused = run_cli("exam", "build", str(EXAMPLE), "--out", str(precious), "--format", "tex")
    assert refused.returncode == 2 and "not an exam build" in refused.stderr
    assert (precious / "mine.txt").read_text() == "keep"
    for flag in (["--versions", "0"], ["--versions", "-3"], ["--out", str(precious / "mine.txt")]):
        result = run_cli("exam", "build", str(EXAMPLE), "--out", str(tmp_path / "x"), *flag, "--format", "tex")
        assert result.returncode == 2 and "Traceback" not in result.stderr, (flag, result.stderr)


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT])
def test_an_interrupted_build_leaves_nothing_behind(tmp_path, how):
    """Stopped while TeX runs (Ctrl-C, or SIGTERM from a closed terminal or a scheduler): the
    half-built folder, keys and solutions included, is removed, and no TeX job goes on writing."""
    out = tmp_path / "exam"
    proc = subprocess.Popen(
        [sys.executable, "-m", "examkit", "exam", "build", str(EXAMPLE), "--versions", "6", "--out", str(out)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not any(tmp_path.glob(".exam.building-*/instructor/tex/*.log")):  # TeX has started
        assert proc.poll() is None and time.monotonic() < deadline, "the build ended before TeX started"
        time.sleep(0.05)
    proc.send_signal(how)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode != 0 and "Traceback" not in err, err
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == [], list(tmp_path.iterdir())
    writers = [p for p in Path("/proc").glob("[0-9]*/cwd") if str(tmp_path) in _readlink(p)]
    assert not writers, writers


def _readlink(path) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return ""


def test_unicode_ids_get_distinct_safe_files(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,name\né1,Émile\nü1,Ünal\n王1,王伟\ne1,Eve\n", encoding="utf-8")
    out = tmp_path / "exam"
    result = run_cli("exam", "build", str(EXAMPLE), "--roster", str(roster), "--out", str(out), "--format", "tex,qti")
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in (out / "instructor" / "tex").glob("*.tex") if "-solutions" not in p.name)
    assert len(names) == 5 and "e1.tex" in names, names  # four exams and the key
    import zipfile

    with zipfile.ZipFile(out / "instructor" / "qti.zip") as archive:  # one quiz for all four, ASCII names
        files = [n for n in archive.namelist() if n.endswith(".xml") and "manifest" not in n]
        assert len(files) == 1 and all(n.isascii() for n in archive.namelist())
        text = archive.read(files[0]).decode()
        assert not any(sid in text for sid in ("é1", "ü1", "王1"))


@needs_tex
def test_a_name_no_installed_font_can_set_is_refused_before_tex_with_its_roster_line(tmp_path):
    """Never boxes or blanks on a student's paper: the build stops before TeX, naming the line."""
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,name\nr1,Ada Lovelace\nr2,Дмитрий \ue000\n", encoding="utf-8")
    out = tmp_path / "exam"
    result = run_cli("exam", "build", str(EXAMPLE), "--roster", str(roster), "--out", str(out))
    assert result.returncode == 2, result.stderr
    assert f"{roster}:3: the name 'Дмитрий \\ue000' cannot be printed" in result.stderr
    assert "U+E000 private use" in result.stderr and not out.exists()


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
    assert (tmp_path / "out" / "instructor" / "tex" / "V01.tex").exists() and (
        tmp_path / "out" / "instructor" / "manifest.json"
    ).exists()


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
    manifest = json.loads((out / "instructor" / "manifest.json").read_text())
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
    result, grades = grade_typed_answers(out / "instructor" / "manifest.json", rows, tmp_path / "g", "--json")
    data = json.loads(result.stdout)
    # formulas and derivations left empty are for a marker (answered on paper?), never a silent 0
    assert result.returncode == (1 if data["not_yet_marked"] else 0), result.stderr
    for sid, total in expected_totals.items():
        if total:
            assert float(grades[sid]["total"]) == pytest.approx(total)
    weak = manifest["versions"][4]["student_id"]
    assert float(grades[weak]["total"]) < float(grades[manifest["versions"][0]["student_id"]]["total"])
    feedback = (tmp_path / "g" / "feedback" / f"{weak}.txt").read_text()
    assert "incorrect" in feedback
    strong = (tmp_path / "g" / "feedback" / f"{manifest['versions'][0]['student_id']}.txt").read_text()
    for text in (feedback, strong):  # the verdict and a misconception's feedback are said once
        assert "incorrect: incorrect" not in text and "correct: correct" not in text
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        assert not any(a.endswith(b) for a, b in zip(lines, lines[1:])), text
    analysis = data["item_analysis"]
    assert any(row["misconceptions"] for row in analysis)
    assert all(0 <= row["mean_score"] <= 1 for row in analysis)
    assert any(row["discrimination"] is not None and row["discrimination"] > 0 for row in analysis)


def test_grade_rejects_bad_answer_files(tmp_path, built):
    out, _, _ = built
    bad = tmp_path / "bad.csv"
    bad.write_text("name,Q1\nx,1\n")
    result = run_cli("exam", "grade", str(out / "instructor" / "manifest.json"), str(bad), "--out", str(tmp_path / "g"))
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
    manifest = json.loads((out / "instructor" / "manifest.json").read_text())
    rows = []
    for version in manifest["versions"]:
        tex = (out / "instructor" / "tex" / f"{version['student_id']}.tex").read_text()
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
    result, grades = grade_typed_answers(out / "instructor" / "manifest.json", rows, tmp_path / "g")
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
    build_exam(spec, out, versions=2, formats=("tex",), bank_paths=[str(bank)], bundled=False)  # a copy of it
    answers = tmp_path / "a.csv"
    answers.write_text("student_id,question,part,answer\nV01,1,a,A\n")
    ok = run_cli(
        "exam",
        "grade",
        str(out / "instructor" / "manifest.json"),
        str(answers),
        "--out",
        str(tmp_path / "g1"),
        "--bank",
        str(bank),
    )
    assert ok.returncode == 0, ok.stderr
    training = bank / "training_issues.yaml"
    training.write_text(training.read_text().replace("discriminator", "critic", 1))
    refused = run_cli(
        "exam",
        "grade",
        str(out / "instructor" / "manifest.json"),
        str(answers),
        "--out",
        str(tmp_path / "g2"),
        "--bank",
        str(bank),
    )
    assert refused.returncode == 2 and "gan-d-overpowers" in refused.stderr and "--allow-bank-change" in refused.stderr
    allowed = run_cli(
        "exam",
        "grade",
        str(out / "instructor" / "manifest.json"),
        str(answers),
        "--out",
        str(tmp_path / "g3"),
        "--bank",
        str(bank),
        "--allow-bank-change",
    )
    assert allowed.returncode == 0, allowed.stderr


def _printed_key_rows(manifest, by="label", sid_of=lambda v: v["student_id"]):
    """What a perfect student writes: the key, addressed by the printed labels (or by question
    number alone for a one-part question), one row per part; written parts left out."""
    rows = []
    for version in manifest["versions"]:
        for q in version["questions"]:
            for entry in q["parts"]:
                if entry["type"] == "short":
                    continue
                part = entry["label"] if by == "label" else entry["id"]
                rows.append([sid_of(version), q["number"], part, entry["answer"]])
    return rows


def _four_versions(folder, master_seed: int, sections: str):
    """A final of four anonymous versions (TeX sources only): its folder and its manifest."""
    spec = folder / "final.yaml"
    spec.write_text(f"title: Final\ncourse: Test\nmaster_seed: {master_seed}\nsections:\n" + textwrap.dedent(sections))
    out = folder / "exam"
    build_exam(spec, out, versions=4, formats=("tex",))
    return out, json.loads((out / "instructor" / "manifest.json").read_text())


@pytest.fixture(scope="module")
def graded_build(tmp_path_factory):
    return _four_versions(
        tmp_path_factory.mktemp("grading"),
        3,
        """\
          - {title: Numbers, draw: 2, from: {ids: [vae-neg-elbo-beta, vae-kl-1d, gan-batch-losses]}}
          - {title: Choices, draw: 2, from: {ids: [gan-d-overpowers, gan-mode-collapse, gan-minimax-roles]}}
          - {title: Written, draw: 1, points: 5, from: {ids: [ae-not-generative]}}
        """,
    )


def _automatic_points(version):
    return sum(e["points"] for q in version["questions"] for e in q["parts"] if e["type"] != "short")


def test_a_perfect_paper_scores_full_by_printed_labels_and_version_codes(graded_build, tmp_path):
    out, manifest = graded_build
    manifest_path = out / "instructor" / "manifest.json"
    for name, rows in [
        ("labels", _printed_key_rows(manifest)),
        ("codes", _printed_key_rows(manifest, sid_of=lambda v: v["code"].lower())),  # anonymous papers
        ("ids", _printed_key_rows(manifest, by="id")),
    ]:
        result, grades = grade_typed_answers(manifest_path, rows, tmp_path / name)
        assert result.returncode == 1 and "not yet marked" in result.stderr, result.stderr  # the written part
        for version in manifest["versions"]:
            assert float(grades[version["student_id"]]["total"]) == pytest.approx(_automatic_points(version)), name
    upper = [[sid, n, part.upper() and f"({part.upper()})", a] for sid, n, part, a in _printed_key_rows(manifest)]
    result, grades = grade_typed_answers(manifest_path, upper, tmp_path / "upper")
    assert result.returncode == 1 and all(float(g["total"]) > 0 for g in grades.values())


def test_duplicate_unknown_and_absent_rows_are_refused_with_line_numbers(graded_build, tmp_path):
    out, manifest = graded_build
    manifest_path = out / "instructor" / "manifest.json"
    rows = _printed_key_rows(manifest)
    cases = {
        "twice": rows + [rows[0]],
        "unknown": rows + [["nobody", 1, "", "1"]],
        "no-question": rows + [[rows[0][0], 99, "", "1"]],
        "no-part": rows + [[rows[0][0], rows[0][1], "z", "1"]],
    }
    expected = {"twice": "a second answer", "unknown": "neither a student id nor a version code",
                "no-question": "has no question 99", "no-part": "has no part 'z'"}  # fmt: skip
    for name, case in cases.items():
        result, _ = grade_typed_answers(manifest_path, case, tmp_path / name)
        assert result.returncode == 2 and expected[name] in result.stderr, (name, result.stderr)
        assert re.search(rf"{name}\.csv:\d+:", result.stderr), result.stderr
    present = [r for r in rows if r[0] != manifest["versions"][-1]["student_id"]]
    result, grades = grade_typed_answers(manifest_path, present, tmp_path / "absent", "--json")
    data = json.loads(result.stdout)
    assert data["absent"] == [manifest["versions"][-1]["student_id"]] and data["students"] == 3
    assert grades[manifest["versions"][-1]["student_id"]]["status"] == "absent"
    assert all(row["students"] <= 3 for row in data["item_analysis"])


def test_written_parts_are_marked_per_rubric_item_from_the_markers_csv(graded_build, tmp_path):
    out, manifest = graded_build
    manifest_path = out / "instructor" / "manifest.json"
    rows = _printed_key_rows(manifest)
    result, _ = grade_typed_answers(manifest_path, rows, tmp_path / "first")
    sheet = tmp_path / "first" / "marking.csv"
    assert result.returncode == 1 and sheet.exists() and "marking.csv" in result.stderr
    table = list(csv.DictReader(sheet.open(encoding="utf-8")))
    assert table and {"student_id", "question", "part", "item", "max_points", "marker_score"} <= set(table[0])
    for row in table:
        row["marker_score"] = row["max_points"]  # every point made
    filled = tmp_path / "filled.csv"
    _write_table(filled, table)
    result, grades = grade_typed_answers(manifest_path, rows, tmp_path / "second", "--marks", str(filled))
    assert result.returncode == 0, result.stderr
    for version in manifest["versions"]:
        assert float(grades[version["student_id"]]["total"]) == pytest.approx(version["points"])
    table[0]["marker_score"] = str(float(table[0]["max_points"]) + 1)
    _write_table(filled, table)
    result, _ = grade_typed_answers(manifest_path, rows, tmp_path / "third", "--marks", str(filled))
    assert result.returncode == 2 and "filled.csv:2:" in result.stderr and "outside 0 to" in result.stderr


@pytest.fixture(scope="module")
def derivation_build(tmp_path_factory):
    return _four_versions(
        tmp_path_factory.mktemp("derivation"),
        7,
        """\
          - {title: Numbers, draw: 1, from: {ids: [vae-kl-1d]}}
          - {title: Derivation, draw: 1, from: {ids: [vae-kl-derivation, gan-optimal-d-derivation]}}
        """,
    )


def _write_table(path, table):
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(table[0]))
        writer.writeheader()
        writer.writerows(table)


def test_a_derivation_answered_on_paper_is_not_yet_marked_until_the_marker_scores_it(derivation_build, tmp_path):
    """Typed answers without the derivation (it was written on paper): every student who sat the
    exam gets a marking.csv row for it, the run exits 1 listing it (no silent 0); filled in place
    and rerun, the marker's scores count and it exits 0; a bad marker_score is exit 2 with line and column."""
    from examkit.bank.loader import load_bank
    from examkit.parts import part_type

    out, manifest = derivation_build
    manifest_path = out / "instructor" / "manifest.json"
    bank = load_bank()
    typed_in_full, absent = manifest["versions"][0], manifest["versions"][-1]
    rows = []
    for version in manifest["versions"][:-1]:
        for q in version["questions"]:
            for entry in q["parts"]:
                if entry["type"] != "derivation":
                    rows.append([version["student_id"], q["number"], entry["label"], entry["answer"]])
                elif version is typed_in_full:  # this one typed the model derivation: graded by the checker
                    part = bank.get(q["qid"]).variant(q["seed"]).part(entry["id"])
                    rows.append(
                        [version["student_id"], q["number"], entry["label"], part_type("derivation").own_answer(part)]
                    )
    on_paper = {v["student_id"]: v for v in manifest["versions"][1:-1]}
    grades_dir = tmp_path / "g"
    result, grades = grade_typed_answers(manifest_path, rows, grades_dir)
    assert result.returncode == 1, result.stderr
    assert f"Q2 x{len(on_paper)}" in result.stderr and str(grades_dir / "marking.csv") in result.stderr
    table = list(csv.DictReader((grades_dir / "marking.csv").open(encoding="utf-8")))
    assert sorted(r["student_id"] for r in table) == sorted(on_paper)  # not the typed one, not the absent one
    for row in table:
        assert row["question"] == "2" and row["marker_score"] == "" and row["key"].startswith("start:")
        assert float(row["max_points"]) == on_paper[row["student_id"]]["questions"][1]["parts"][0]["points"]
        assert grades[row["student_id"]]["status"].startswith("not yet marked: Q2")
        feedback = (grades_dir / "feedback" / f"{row['student_id']}.txt").read_text()
        assert "Q2: -/" in feedback and "not yet marked" in feedback and "blank" not in feedback
    assert grades[typed_in_full["student_id"]]["status"] == "graded"
    assert float(grades[typed_in_full["student_id"]]["total"]) == pytest.approx(typed_in_full["points"])
    assert grades[absent["student_id"]]["status"] == "absent"

    given = {}
    for i, row in enumerate(table):
        given[row["student_id"]] = 1.0 if i == 0 else float(row["max_points"])
        row["marker_score"], row["marker_note"] = f"{given[row['student_id']]:g}", "see the margin" if i == 0 else ""
    _write_table(grades_dir / "marking.csv", table)  # filled in place; the same command again
    result, grades = grade_typed_answers(manifest_path, rows, grades_dir)
    assert result.returncode == 0 and "not yet marked" not in result.stderr, result.stderr
    for sid, version in on_paper.items():
        automatic = version["points"] - version["questions"][1]["parts"][0]["points"]
        assert (
            float(grades[sid]["total"]) == pytest.approx(automatic + given[sid]) and grades[sid]["status"] == "graded"
        )
    kept = list(csv.DictReader((grades_dir / "marking.csv").open(encoding="utf-8")))
    assert [r["marker_score"] for r in kept] == [r["marker_score"] for r in table]  # rewritten with the scores
    assert "see the margin" in (grades_dir / "feedback" / f"{table[0]['student_id']}.txt").read_text()

    column = list(table[0]).index("marker_score") + 1
    for bad, message in (("two", "must be a number"), (str(float(table[1]["max_points"]) + 1), "outside 0 to")):
        table[1]["marker_score"] = bad
        _write_table(tmp_path / "bad.csv", table)
        result, _ = grade_typed_answers(manifest_path, rows, tmp_path / "again", "--marks", str(tmp_path / "bad.csv"))
        assert result.returncode == 2 and f"bad.csv:3: column {column} (marker_score)" in result.stderr, result.stderr
        assert message in result.stderr


def test_item_analysis_has_distractor_tables_and_reliability(graded_build, tmp_path):
    out, manifest = graded_build
    rows = _printed_key_rows(manifest)
    weak = manifest["versions"][-1]["student_id"]
    rows = [r if r[0] != weak else [r[0], r[1], r[2], "A"] if r[3] in "ABCD" else [r[0], r[1], r[2], "0"] for r in rows]
    result, _ = grade_typed_answers(out / "instructor" / "manifest.json", rows, tmp_path / "g", "--json")
    data = json.loads(result.stdout)
    tables = [t for row in data["item_analysis"] for t in row["distractors"].values()]
    assert tables and all({"option", "correct", "picked", "share"} <= set(t[0]) for t in tables)
    assert all(sum(o["correct"] for o in t) >= 1 for t in tables)
    assert set(data["reliability"]) >= {"kr20", "alpha", "students"} and data["reliability"]["students"] == 4
    # the written slot is still to be marked by hand: no coefficient yet, and the reason says so
    rel = data["reliability"]
    assert rel["kr20"] is None and "slot 5 (Written, question 1) yet" in rel["kr20_reason"]
    assert [len(s["variants"]) >= 1 for s in data["slots"]] == [True] * 5
    assert data["gradebook"]["files"] == [] and "anonymous" in data["gradebook"]["notes"][0]


def test_overlapping_pools_never_draw_a_question_twice(tmp_path):
    spec = tmp_path / "overlap.yaml"
    spec.write_text(
        textwrap.dedent("""\
        title: Overlap
        course: Test
        master_seed: 9
        versions: 8
        sections:
          - {title: GANs, draw: 2, from: {topic: gan}}
          - {title: More GANs, draw: 2, from: {topic: gan}}
        """)
    )
    out = tmp_path / "exam"
    build_exam(spec, out, formats=("tex",))
    manifest = json.loads((out / "instructor" / "manifest.json").read_text())
    for version in manifest["versions"]:
        qids = [q["qid"] for q in version["questions"]]
        assert len(qids) == len(set(qids)) == 4
    spec.write_text(spec.read_text().replace("{topic: gan}}\n", "{ids: [gan-mode-collapse, gan-minimax-roles]}}\n"))
    result = run_cli("exam", "build", str(spec), "--out", str(tmp_path / "x"), "--format", "tex")
    assert result.returncode == 2 and "shares questions with earlier sections" in result.stderr, result.stderr


def test_dates_and_durations_are_read_as_people_write_them(tmp_path):
    spec = tmp_path / "s.yaml"
    spec.write_text("title: T\ncourse: C\nmaster_seed: 1\ndate: 2026-12-14\nduration: 90\n"
                    "sections:\n  - {title: S, draw: 1, from: {topic: gan}}\n")  # fmt: skip
    loaded = load_spec(spec)
    assert (loaded.date, loaded.duration) == ("2026-12-14", "90 minutes")
