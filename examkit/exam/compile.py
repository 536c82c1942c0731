"""Compile .tex files to PDF with pdflatex, in parallel; a failure names its question and log lines.

The templates need a single pdflatex pass (no page totals or aux-based tables), so a build costs
about what bare pdflatex costs on the same files.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

TEX_PACKAGES = "texlive-latex-base texlive-latex-extra texlive-fonts-recommended"
INSTALL_HINT = (
    f"pdflatex was not found. Install TeX Live (Debian/Ubuntu: sudo apt-get install {TEX_PACKAGES}; "
    "macOS: MacTeX) and rebuild; the .tex sources were written and can be compiled by hand."
)
_MARKER = re.compile(r"^% examkit-question: (\S+)")
_FILE_LINE = re.compile(r"^(?:\./)?[^:\n]+\.tex:(\d+): (.*)$")


@dataclass
class CompileResult:
    tex: Path
    pdf: Path | None
    ok: bool
    error: str = ""
    question: str | None = None


def pdflatex_available() -> bool:
    return shutil.which("pdflatex") is not None


def pdflatex_command(tex: Path) -> list[str]:
    return ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error", tex.name]


def question_at(tex: Path, line: int) -> str | None:
    """The question whose block contains `line` (from the `% examkit-question:` markers)."""
    current = None
    for number, text in enumerate(tex.read_text(encoding="utf-8").splitlines(), 1):
        if number > line:
            break
        m = _MARKER.match(text)
        if m:
            current = m.group(1)
    return current


def explain_failure(tex: Path, log_text: str) -> tuple[str, str | None]:
    lines = log_text.splitlines()
    for i, line in enumerate(lines):
        m = _FILE_LINE.match(line)
        if m:
            question = question_at(tex, int(m.group(1)))
            context = "\n".join(lines[i : i + 6])
            where = f"question {question}" if question else "the document preamble"
            return f"{tex.name}:{m.group(1)}: TeX error in {where}: {m.group(2)}\n{context}", question
    errors = [line for line in lines if line.startswith("!")]
    summary = "\n".join(errors[:3]) or "see the .log file"
    line = _runaway_line(tex, lines)
    if line:
        question = question_at(tex, line)
        where = f"question {question}" if question else "the document preamble"
        return f"{tex.name}:{line}: TeX error in {where}: {summary}", question
    return f"{tex.name}: TeX failed: {summary}", None


def _runaway_line(tex: Path, log_lines: list[str]) -> int | None:
    """Where a runaway argument (an unclosed brace) starts: TeX prints the text, not the line."""
    for i, line in enumerate(log_lines[:-1]):
        if line.startswith("Runaway argument?"):
            text = log_lines[i + 1].replace("\\ETC.", "").strip()
            snippet = text[:1] + text[1:].split("\\")[0].rstrip()  # up to the next control word
            for number, source in enumerate(tex.read_text(encoding="utf-8").splitlines(), 1):
                if snippet and snippet in source:
                    return number
    return None


def compile_one(tex: Path, timeout: float = 120) -> CompileResult:
    try:
        proc = subprocess.run(
            pdflatex_command(tex),
            cwd=tex.parent,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        return CompileResult(tex, None, False, f"{tex.name}: pdflatex took longer than {timeout:g} s")
    pdf = tex.with_suffix(".pdf")
    if proc.returncode == 0 and pdf.exists():
        return CompileResult(tex, pdf, True)
    log = tex.with_suffix(".log")
    text = log.read_text(errors="replace") if log.exists() else proc.stdout
    message, question = explain_failure(tex, text)
    return CompileResult(tex, None, False, message, question)


def compile_all(texs: list[Path], jobs: int = 2, progress=None) -> list[CompileResult]:
    """Compile every file; one failure does not stop the others."""
    results = []
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for result in pool.map(compile_one, texs):
            results.append(result)
            if progress:
                progress()
    return results
