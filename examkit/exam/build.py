"""`examkit exam build`: spec (+ roster) -> .tex, PDFs, answer key, solutions and manifest."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..bank.identity import template_digest
from ..bank.loader import load_bank
from ..sheets.render import render_sheet
from .assemble import assemble, students_for
from .compile import INSTALL_HINT, compile_all, pdflatex_available
from .latex import environment, render_answer_key, render_version, write_figures
from .manifest import bank_entries, manifest, write_manifest
from .moodle import moodle_xml
from .names import check_distinct
from .preview import version_html
from .qti import qti_package
from .scripts import check_printable
from .spec import SpecError, load_roster, load_spec

FORMATS = ("pdf", "tex", "moodle", "qti", "html")


@dataclass
class BuildReport:
    out: Path
    versions: int = 0
    tex: list = field(default_factory=list)
    pdfs: list = field(default_factory=list)
    failures: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    seconds: float = 0.0

    def relocate(self, old: Path, new: Path):
        """The report's paths, once the build folder has been moved."""
        self.out = new
        self.tex = [new / p.relative_to(old) for p in self.tex]
        self.pdfs = [new / p.relative_to(old) for p in self.pdfs]
        for failure in self.failures:
            failure.tex = new / failure.tex.relative_to(old)

    @property
    def ok(self) -> bool:
        return not self.failures and not self.warnings

    def to_json(self) -> dict:
        return {
            "ok": self.ok,
            "out": str(self.out),
            "versions": self.versions,
            "tex": [str(p) for p in self.tex],
            "pdfs": [str(p) for p in self.pdfs],
            "failures": [f.error for f in self.failures],
            "warnings": self.warnings,
            "notes": self.notes,
            "seconds": round(self.seconds, 2),
        }


def bank_digest(bank) -> str:
    h = hashlib.sha256()
    for f in sorted(bank.files):
        h.update(Path(f).read_bytes())
    return h.hexdigest()[:16]


STUDENTS, INSTRUCTOR = "students", "instructor"
LAYOUT = f"""This folder was written by `examkit exam build`.

{STUDENTS}/    what may be handed out: one exam PDF per version (and, with html, a web copy
             without answers; with --answer-sheets, each version's answer sheet to scan).
{INSTRUCTOR}/  never hand out: manifest.json (for `examkit exam grade`), answer-key.pdf,
             solutions/ (each version's worked solutions), preview/ (web pages with answers,
             bank ids and seeds), moodle.xml and qti.zip (their questions carry the answers),
             tex/ (the LaTeX sources and logs: each document's own .tex compiles alone; the
             build set them many to a TeX run, in _batch-*.tex).
"""


def build_exam(
    spec_path,
    out,
    roster=None,
    versions=None,
    formats=("pdf",),
    jobs: int = 2,
    progress_factory=None,
    bank_paths=None,
    answer_sheets: bool = False,
    bundled: bool = True,
) -> BuildReport:
    """Build into a fresh folder beside OUT and put it in OUT's place only when it succeeded: a
    failed rebuild leaves the previous exam as it was (the failed attempt stays in OUT.failed/
    for its TeX logs), and a rebuild never leaves files of an older roster behind. `bank_paths`: own
    question files and folders, added to the bundled bank unless `bundled` is False."""
    started = time.perf_counter()
    if not formats:
        raise ValueError(f"--format names no format; choose from {', '.join(FORMATS)}")
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"--jobs must be a whole number of at least 1 (got {jobs!r})")
    unknown = set(formats) - set(FORMATS)
    if unknown:
        raise ValueError(f"unknown format(s) {', '.join(sorted(unknown))}; choose from {', '.join(FORMATS)}")
    if versions is not None and (isinstance(versions, bool) or not isinstance(versions, int) or versions < 1):
        raise ValueError(f"--versions must be a whole number of at least 1 (got {versions!r})")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"{out}: is a file; --out names the folder to build the exam into")
    if out.is_dir() and any(out.iterdir()) and not _is_build(out):
        raise ValueError(f"{out}: a folder that is not an exam build; a build replaces its whole --out folder, "
                         "so give a new or empty folder (or an earlier build's)")  # fmt: skip
    spec = load_spec(spec_path)
    roster_path = roster or (str(Path(spec.path).parent / spec.roster) if spec.roster and not versions else None)
    students = students_for(spec, load_roster(roster_path) if roster_path else None, versions)
    if "pdf" in formats and roster_path and pdflatex_available():
        problems = check_printable(students, roster_path)  # never a name printed as boxes
        if problems:
            raise SpecError(problems)
    bank = load_bank(bank_paths, bundled)
    exam_versions = assemble(spec, bank, students)
    names = check_distinct([v.student.id for v in exam_versions])
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.building-", dir=out.parent))
    try:
        with _terminate_as_exit():
            report = _build_into(staging, spec, bank, exam_versions, names, roster_path, formats, jobs,
                                 progress_factory, answer_sheets)  # fmt: skip
    except BaseException:
        # the half-built folder holds keys and solutions: never left behind (an interrupted
        # compile_all has already stopped its TeX runs)
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if report.failures:
        failed = out.with_name(out.name + ".failed")
        shutil.rmtree(failed, ignore_errors=True)
        staging.rename(failed)
        report.relocate(staging, failed)
        kept = f"{out} is unchanged" if out.exists() else f"nothing was written to {out}"
        report.notes.append(f"the build failed, so {kept}; the failed attempt, with its TeX logs, is in {failed}")
    else:
        _replace(out, staging)
        report.relocate(staging, out)
        shutil.rmtree(out.with_name(out.name + ".failed"), ignore_errors=True)
    report.seconds = time.perf_counter() - started
    return report


@contextlib.contextmanager
def _terminate_as_exit():
    """SIGTERM (a closed terminal, `kill`, a scheduler's time limit) as an exception while a build
    runs, so it cleans up as Ctrl-C does; its default would end the process on the spot."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum, frame):
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _is_build(folder: Path) -> bool:
    """An earlier build (this layout, or the older one with manifest.json at the top)."""
    return (folder / INSTRUCTOR / "manifest.json").is_file() or (folder / "manifest.json").is_file()


def _replace(out: Path, staging: Path):
    """Put the new build in OUT's place; the old one is removed only once the new one is there."""
    if not out.exists():
        staging.rename(out)
        return
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    out.rename(old)
    staging.rename(out)
    shutil.rmtree(old, ignore_errors=True)


def _build_into(root: Path, spec, bank, exam_versions, names, roster_path, formats, jobs, progress_factory,
                answer_sheets=False):  # fmt: skip
    students_dir, instructor = root / STUDENTS, root / INSTRUCTOR
    tex_dir = instructor / "tex"
    for folder in (students_dir, tex_dir):
        folder.mkdir(parents=True)
    (root / "README.txt").write_text(LAYOUT, encoding="utf-8")
    report = BuildReport(root, versions=len(exam_versions))
    totals = sorted({round(v.points, 4) for v in exam_versions})
    if len(totals) > 1:
        report.notes.append(
            f"versions differ in total points ({totals[0]:g} to {totals[-1]:g}); "
            "give each section `points:` to make them equal"
        )
    env = environment()
    progress = progress_factory(len(exam_versions), "render") if progress_factory else None
    for version in exam_versions:
        figures = write_figures(version, tex_dir)
        exam_tex, solutions_tex = render_version(env, spec, version, figures, roster=roster_path is not None)
        name = names[version.student.id]
        for suffix, text in (("", exam_tex), ("-solutions", solutions_tex)):
            path = tex_dir / f"{name}{suffix}.tex"
            path.write_text(text, encoding="utf-8")
            report.tex.append(path)
        if progress:
            progress()
    key = tex_dir / "answer-key.tex"
    key.write_text(render_answer_key(env, spec, exam_versions), encoding="utf-8")
    report.tex.append(key)
    qids = {q.qid for v in exam_versions for q in v.questions}
    digests = {qid: template_digest(bank.get(qid)) for qid in qids}
    # paths relative to root/instructor are those from OUT/instructor: root is a sibling of OUT
    banks = bank_entries(bank, qids, instructor)
    data = manifest(spec, exam_versions, bank_digest(bank), digests, anonymous=roster_path is None, banks=banks)
    write_manifest(data, instructor / "manifest.json")
    if answer_sheets:
        if "pdf" not in formats:
            report.notes.append("answer sheets were written as .tex only: add pdf to --format to print them")
        for entry in data["versions"]:
            path = tex_dir / f"{names[entry['student_id']]}-answer-sheet.tex"
            path.write_text(render_sheet(env, data["exam"], entry, roster=roster_path is not None), encoding="utf-8")
            report.tex.append(path)
    if "moodle" in formats or "qti" in formats:
        pictures = _png_figures(exam_versions, tex_dir)
    if "moodle" in formats:
        (instructor / "moodle.xml").write_bytes(moodle_xml(spec, exam_versions, pictures))
    if "qti" in formats:
        (instructor / "qti.zip").write_bytes(qti_package(spec, exam_versions, pictures))
    if "html" in formats:
        for folder, answers in ((students_dir / "html", False), (instructor / "preview", True)):
            folder.mkdir()
            for version in exam_versions:
                page = version_html(spec, version, show_answers=answers)
                (folder / f"{names[version.student.id]}.html").write_text(page, encoding="utf-8")
    if "pdf" in formats:
        if not pdflatex_available():
            report.warnings.append(INSTALL_HINT)
        else:
            progress = progress_factory(len(report.tex), "TeX") if progress_factory else None
            (instructor / "solutions").mkdir()
            for result in compile_all(report.tex, jobs, progress):
                if result.warning:
                    report.warnings.append(result.warning)
                if result.ok:
                    target = _pdf_place(result.pdf, students_dir, instructor)
                    shutil.move(str(result.pdf), target)
                    report.pdfs.append(target)
                else:
                    report.failures.append(result)
    return report


def _png_figures(exam_versions, tex_dir: Path) -> dict:
    """(question id, seed) -> PNG files of its figures, drawn once per build beside the PDFs (same
    names, same figure keys) and shared by the Moodle and QTI exports."""
    pictures = {}
    for version in exam_versions:
        paths = write_figures(version, tex_dir, suffix=".png")
        for q in version.questions:
            pictures[(q.qid, q.seed)] = [tex_dir / p for p in paths[q.number]]
    return pictures


def _pdf_place(pdf: Path, students_dir: Path, instructor: Path) -> Path:
    """Exams go to the students' folder; solutions and the key stay with the instructor."""
    if pdf.stem == "answer-key":
        return instructor / pdf.name
    if pdf.stem.endswith("-solutions"):
        return instructor / "solutions" / pdf.name
    return students_dir / pdf.name
