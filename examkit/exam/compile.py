"""Compile .tex files to PDF with TeX, in parallel; a failure names its question and log lines.

Bank text reaches TeX as ASCII, so pdflatex sets most files. A file holding other characters (a
student's name in Greek or Chinese, an id like `é1`) goes to LuaLaTeX, which sets each name in its
own script's font (exam/scripts.py, templates/latex/fonts.tex.j2); a character no font has fails
the file, naming it, since a blank in a student's name cannot be handed out.

An exam prints "Page N of M", which needs the page total from a first pass: documents that use
it get a `-draftmode` pass (no PDF written) before the real one. A line that runs more than
`OVERFULL_LIMIT_PT` into the margin fails the build, naming the question and the text, because
a printed exam with a cut-off word cannot be handed out.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

TEX_PACKAGES = "texlive-latex-base texlive-latex-extra texlive-fonts-recommended"
UNICODE_PACKAGES = "texlive-luatex fonts-cmu fonts-dejavu-core fonts-noto-core fonts-noto-cjk"
INSTALL_HINT = (
    f"pdflatex was not found. Install TeX Live (Debian/Ubuntu: sudo apt-get install {TEX_PACKAGES}; "
    "macOS: MacTeX) and rebuild; the .tex sources were written and can be compiled by hand."
)
_MARKER = re.compile(r"^% examkit-question: (\S+)")
_FILE_LINE = re.compile(r"^(?:\./)?[^:\n]+\.tex:(\d+): (.*)$")
_OVERFULL = re.compile(
    r"^Overfull \\hbox \((\d+(?:\.\d+)?)pt too wide\) (?:in paragraph at lines (\d+)--\d+|in alignment at lines (\d+)--\d+|detected at line (\d+))"
)
_FONT = re.compile(r"\\[A-Z0-9]+/[\w-]+/[\w-]+/[\w-]+/[\d.]+ ?|\[\]|\$\[\]\$")
_MISSING_CHAR = re.compile(r"^Missing character: There is no (.+? \(U\+[0-9A-F]+\))", re.M)
OVERFULL_LIMIT_PT = 3.0


@dataclass
class CompileResult:
    tex: Path
    pdf: Path | None
    ok: bool
    error: str = ""
    question: str | None = None
    warning: str = ""


def pdflatex_available() -> bool:
    return shutil.which("pdflatex") is not None


def tex_engine(source: str) -> str:
    return "pdflatex" if source.isascii() else "lualatex"


def tex_passes(tex: Path) -> list[list[str]]:
    """The runs a document needs: a draft pass first where it prints page totals (\\numpages)."""
    source = tex.read_text(encoding="utf-8")
    final = [tex_engine(source), "-interaction=nonstopmode", "-halt-on-error", "-file-line-error", tex.name]
    if "\\numpages" in source:
        return [final[:1] + ["-draftmode"] + final[1:], final]
    return [final]


def missing_characters(log_text: str) -> list[str]:
    """Characters LuaLaTeX had no glyph for in any font (they would print as nothing)."""
    return sorted(set(_MISSING_CHAR.findall(log_text)))


def overfull_lines(tex: Path, log_text: str, limit: float = OVERFULL_LIMIT_PT) -> list[tuple[str, str | None]]:
    """(message, question) for each line set wider than the text block by more than `limit` pt."""
    found = []
    lines = log_text.splitlines()
    for i, line in enumerate(lines):
        m = _OVERFULL.match(line)
        if not m or float(m.group(1)) <= limit:
            continue
        number = int(next(g for g in m.groups()[1:] if g))
        question = question_at(tex, number)
        text = _FONT.sub("", lines[i + 1] if i + 1 < len(lines) else "").strip()
        where = f"question {question}" if question else "the document's own text"
        found.append((f"{tex.name}:{number}: in {where}, a line runs {m.group(1)} pt into the margin: {text[:90]}",
                      question))  # fmt: skip
    return found


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


_RUNNING: set = set()  # TeX processes in flight, so an interrupted build can stop them
_RUNNING_LOCK = threading.Lock()


def _run_tex(command: list[str], cwd: Path, timeout: float) -> tuple[int, str]:
    """(exit code, stdout) of one TeX pass, in a session of its own: Ctrl-C reaches the build, which
    stops its runs itself (stop_running), rather than every TeX job at once in the middle of a file."""
    proc = subprocess.Popen(
        command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        text=True, errors="replace", start_new_session=True,
    )  # fmt: skip
    with _RUNNING_LOCK:
        _RUNNING.add(proc)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise
    finally:
        with _RUNNING_LOCK:
            _RUNNING.discard(proc)
    return proc.returncode, out


def stop_running():
    """Kill every TeX run in flight (an interrupted build removes its folder; nothing may still write there)."""
    with _RUNNING_LOCK:
        running = list(_RUNNING)
    for proc in running:
        try:
            proc.kill()
        except OSError:
            pass


def compile_one(tex: Path, timeout: float = 120) -> CompileResult:
    for command in tex_passes(tex):
        try:
            returncode, stdout = _run_tex(command, tex.parent, timeout)
        except FileNotFoundError:
            return CompileResult(tex, None, False, f"{tex.name}: {command[0]} was not found; this file holds "
                                 f"characters beyond ASCII (a name or id), which need it: install {UNICODE_PACKAGES}")  # fmt: skip
        except subprocess.TimeoutExpired:
            return CompileResult(tex, None, False, f"{tex.name}: {command[0]} took longer than {timeout:g} s")
        log = tex.with_suffix(".log")
        text = log.read_text(errors="replace") if log.exists() else stdout
        if returncode != 0:
            message, question = explain_failure(tex, text)
            return CompileResult(tex, None, False, message, question)
    pdf = tex.with_suffix(".pdf")
    if not pdf.exists():
        return CompileResult(tex, None, False, f"{tex.name}: pdflatex wrote no PDF")
    overfull = overfull_lines(tex, text)
    if overfull:
        message = "\n".join(m for m, _ in overfull)
        return CompileResult(tex, None, False, message, overfull[0][1])
    missing = missing_characters(text)
    if missing:  # a name checked by exam/scripts.py never gets here; other text might
        return CompileResult(tex, None, False, f"{tex.name}: no installed font has {', '.join(missing)}, so it would "
                             f"print as a blank: install {UNICODE_PACKAGES}, or write it in another script")  # fmt: skip
    return CompileResult(tex, pdf, True)


def compile_all(texs: list[Path], jobs: int = 2, progress=None) -> list[CompileResult]:
    """Compile every file; one failure does not stop the others."""
    results = []
    pool = ThreadPoolExecutor(max_workers=max(1, jobs))
    try:
        for result in pool.map(compile_one, texs):
            results.append(result)
            if progress:
                progress()
    except BaseException:  # Ctrl-C, SIGTERM (build.py makes it an exception): stop at once, not after every file
        pool.shutdown(wait=False, cancel_futures=True)
        stop_running()
        pool.shutdown(wait=True)
        raise
    pool.shutdown()
    return results
