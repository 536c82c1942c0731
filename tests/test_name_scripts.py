"""Every student's name printed in its own script (exam/scripts.py): runs of one script, each in a
real font through HarfBuzz, right-to-left runs in their direction; the PDF's text read back with
pdftotext must be the roster's name, in logical order."""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest

from conftest import ROOT, run_cli
from examkit.exam.compile import compile_all
from examkit.exam.names import safe_file_name
from examkit.exam.scripts import coverage, name_tex, runs

EXAMPLE = ROOT / "examples" / "unit12-quiz.yaml"
WORLD = ROOT / "examples" / "world-roster.csv"
needs_fonts = pytest.mark.skipif(
    not (shutil.which("lualatex") and shutil.which("pdftotext") and coverage("Noto Sans Arabic")),
    reason="needs LuaLaTeX, poppler and fonts-noto-core (scripts/install-system-deps.sh)",
)
# One name per script of the world roster (Arabic as written in Arabic, Persian and Urdu; Han as
# Simplified and Traditional Chinese and with kana as Japanese), and one id in Han.
ONE_PER_SCRIPT = """w2001 w2002 w2024 w2027 w2031 w2032 w2034 w2036 w2039 w2040 w2043 w2044 w2048 w2052 w2054
w2056 w2058 w2060 w2062 w2064 w2066 w2067 w2069 w2072 w2073 w2075 w2077 w2082 w2087 w2092 w2094 w2096 w2097
w2098""".split()
EXTRA = {"王1": "王伟 Ελένη Παπαδοπούλου"}  # an id in Han, a name in two scripts
# The students whose exam and answer sheet are compiled (the key, with every name, always is):
# the scripts of the issue (right-to-left, Indic, Thai, Hangul, Han, kana) and a mixed one.
PRINTED = {"w2039": "NotoSansArabic", "w2044": "NotoSerifHebrew", "w2048": "NotoSerifDevanagari",
           "w2069": "NotoSerifThai", "w2077": "NotoSerifCJKkr", "w2092": "NotoSerifCJKjp", "王1": "NotoSerifCJKsc"}  # fmt: skip
LAM_ALEF = "w2036"  # محمد الأحمد: see test_pdftotext_reverses_the_lam_alef_ligature
BIDI_CONTROLS = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


def test_a_name_splits_into_runs_of_one_script():
    assert [(f and f.family, t) for f, t in runs("محمد الأحمد")] == [("Noto Sans Arabic", "محمد الأحمد")]
    assert [(f and f.family, t) for f, t in runs("王伟 Ελένη")] == [("Noto Serif CJK SC", "王伟"), (None, " Ελένη")]
    assert [(f and f.family, t) for f, t in runs("田中 ユウキー")] == [("Noto Serif CJK JP", "田中 ユウキー")]
    assert [(f and f.family, t) for f, t in runs("김민준")] == [("Noto Serif CJK KR", "김민준")]
    assert [(f and f.family, t) for f, t in runs("黃志明")] == [("Noto Serif CJK TC", "黃志明")]
    assert runs("Ọkafọ̀ Nguyễn")[0][0] is None  # Latin with combining marks stays in CMU


def test_name_tex_escapes_and_sets_a_right_to_left_stretch_right_to_left_with_its_numbers_left_to_right():
    assert name_tex("O'Brien & Co_1") == r"O'Brien \& Co\_1"
    assert name_tex("Αλέξανδρος") == "Αλέξανδρος"  # not math alphas, as the bank's escaping would make them
    hebrew = r"\examkitscript{Noto Serif Hebrew}{hebr}{TRT}"
    assert name_tex("דוד 12 כהן") == rf"{{\textdir TRT {hebrew}{{דוד}} {{\textdir TLT 12}} {hebrew}{{כהן}}}}"
    assert name_tex("Ada (מרים) Lee") == rf"Ada ({{\textdir TRT {hebrew}{{מרים}}}}) Lee"
    assert name_tex("王1") == r"\examkitscript{Noto Serif CJK SC}{hani}{TLT}{王}1"


def _normal(text: str) -> str:
    """Text as compared: NFC, without the bidi controls pdftotext adds around right-to-left words
    and without whitespace (pdftotext puts spaces inside Indic clusters where marks end early)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFC", text).translate(BIDI_CONTROLS))


def pdf_texts(pdf: Path) -> list[str]:
    """The PDF's text in pdftotext's two orders: reading order, and content-stream order (which
    keeps a raised mark, Khmer's, on the line of its letter)."""
    return [_normal(subprocess.run(["pdftotext", *mode, str(pdf), "-"], capture_output=True, text=True,
                                   check=True).stdout) for mode in ([], ["-raw"])]  # fmt: skip


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """One name per script, rendered by `exam build`; the key (every name) and the exams and answer
    sheets of PRINTED compiled by the build's own TeX runs."""
    folder = tmp_path_factory.mktemp("world")
    rows = {row["student_id"]: row["name"] for row in csv.DictReader(WORLD.open(encoding="utf-8"))}
    names = {sid: rows[sid] for sid in ONE_PER_SCRIPT} | EXTRA
    roster = folder / "roster.csv"
    with roster.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([("student_id", "name"), *names.items()])
    out = folder / "exam"
    result = run_cli("exam", "build", str(EXAMPLE), "--roster", str(roster), "--out", str(out),
                     "--format", "tex", "--answer-sheets")  # fmt: skip
    assert result.returncode == 0, result.stderr
    tex = out / "instructor" / "tex"
    wanted = [tex / f"{safe_file_name(sid)}{suffix}.tex" for sid in PRINTED for suffix in ("", "-answer-sheet")]
    results = compile_all([tex / "answer-key.tex", *wanted], jobs=2)
    assert all(r.ok for r in results), [r.error for r in results if not r.ok]
    return names, {r.tex.stem: r.pdf for r in results}


@needs_fonts
@pytest.mark.slow
def test_every_name_reads_back_from_the_key_in_logical_order(world):
    names, pdfs = world
    key = pdf_texts(pdfs["answer-key"])
    missing = [name for sid, name in names.items() if sid != LAM_ALEF and not any(_normal(name) in t for t in key)]
    assert not missing, missing


@needs_fonts
@pytest.mark.slow
def test_each_exam_and_answer_sheet_prints_its_name_in_its_scripts_font(world):
    names, pdfs = world
    for sid, font in PRINTED.items():
        for pdf in (pdfs[safe_file_name(sid)], pdfs[f"{safe_file_name(sid)}-answer-sheet"]):
            assert any(_normal(names[sid]) in t for t in pdf_texts(pdf)), (
                pdf.name,
                names[sid],
                pdf_texts(pdf)[0][:200],
            )
            fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
            assert font.lower() in fonts.replace("-", "").lower(), (pdf.name, fonts)
            log = pdf.with_suffix(".log").read_text(errors="replace")
            assert "Missing character" not in log, pdf.name


@needs_fonts
@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="poppler lists the two letters of a right-to-left ligature in reverse")
def test_pdftotext_reverses_the_lam_alef_ligature(world):
    """الأ prints as one lam-alef glyph whose /ToUnicode is lam, alef (logical order); pdftotext
    22.12 puts them in reverse. Strict: when poppler reads it right, this test says so."""
    names, pdfs = world
    assert any(_normal(names[LAM_ALEF]) in t for t in pdf_texts(pdfs["answer-key"]))


@needs_fonts
@pytest.mark.slow
def test_a_glyph_no_font_has_outside_the_names_fails_the_build_naming_it(tmp_path):
    """The spec's own text is not checked before TeX: LuaLaTeX's missing glyph fails the file."""
    spec = tmp_path / "quiz.yaml"
    spec.write_text(EXAMPLE.read_text(encoding="utf-8").replace('title: "', 'title: "\ue000 ', 1), encoding="utf-8")
    result = run_cli("exam", "build", str(spec), "--versions", "1", "--out", str(tmp_path / "exam"))
    assert result.returncode == 1, result.stderr
    assert re.search(r"V01\.tex: no installed font has .*\(U\+E000\), so it would print as a blank", result.stderr)
