"""`examkit exam build`: spec (+ roster) -> .tex, PDFs, answer key, solutions and manifest."""

from __future__ import annotations

import hashlib
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..bank.identity import template_digest
from ..bank.loader import load_bank
from .assemble import assemble, students_for
from .compile import INSTALL_HINT, compile_all, pdflatex_available
from .latex import environment, render_answer_key, render_version, safe_name, write_figures
from .manifest import manifest, write_manifest
from .moodle import moodle_xml
from .preview import version_html
from .qti import qti_package
from .spec import load_roster, load_spec

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


def build_exam(
    spec_path, out, roster=None, versions=None, formats=("pdf",), jobs: int = 2, progress_factory=None, bank_paths=None
) -> BuildReport:
    started = time.perf_counter()
    unknown = set(formats) - set(FORMATS)
    if unknown:
        raise ValueError(f"unknown format(s) {', '.join(sorted(unknown))}; choose from {', '.join(FORMATS)}")
    spec = load_spec(spec_path)
    roster_path = roster or (str(Path(spec.path).parent / spec.roster) if spec.roster and not versions else None)
    students = students_for(spec, load_roster(roster_path) if roster_path else None, versions)
    bank = load_bank(bank_paths)
    exam_versions = assemble(spec, bank, students)
    totals = sorted({round(v.points, 4) for v in exam_versions})
    out = Path(out)
    tex_dir = out / "tex"
    tex_dir.mkdir(parents=True, exist_ok=True)
    report = BuildReport(out, versions=len(exam_versions))
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
        name = safe_name(version.student.id)
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
    write_manifest(manifest(spec, exam_versions, bank_digest(bank), digests), out / "manifest.json")
    if "moodle" in formats:
        (out / "moodle.xml").write_bytes(moodle_xml(spec, exam_versions))
    if "qti" in formats:
        (out / "qti.zip").write_bytes(qti_package(spec, exam_versions))
    if "html" in formats:
        html_dir = out / "html"
        html_dir.mkdir(exist_ok=True)
        for version in exam_versions:
            (html_dir / f"{safe_name(version.student.id)}.html").write_text(
                version_html(spec, version), encoding="utf-8"
            )
    if "pdf" in formats:
        if not pdflatex_available():
            report.warnings.append(INSTALL_HINT)
        else:
            progress = progress_factory(len(report.tex), "pdflatex") if progress_factory else None
            pdf_dir = out / "pdf"
            pdf_dir.mkdir(exist_ok=True)
            for result in compile_all(report.tex, jobs, progress):
                if result.ok:
                    target = pdf_dir / result.pdf.name
                    shutil.move(str(result.pdf), target)
                    report.pdfs.append(target)
                else:
                    report.failures.append(result)
    report.seconds = time.perf_counter() - started
    return report
