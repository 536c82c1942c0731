"""Compile .tex files to PDF with TeX, in parallel; a failure names its question and log lines.

Bank text reaches TeX as ASCII, so pdflatex sets most files. A file holding other characters (a
student's name in Greek or Chinese, an id like `é1`) goes to LuaLaTeX, which sets each name in its
own script's font (exam/scripts.py, templates/latex/fonts.tex.j2); a character no font has fails
the file, naming it, since a blank in a student's name cannot be handed out.

An exam prints "Page N of M", which needs the page total from a first pass: documents that use
it get a `-draftmode` pass (no PDF written) before the real one. A line that runs more than
`OVERFULL_LIMIT_PT` into the margin fails the build, naming the question and the text, because
a printed exam with a cut-off word cannot be handed out.

Documents that share a preamble are set many to a run (exam/batch.py) and the PDF is cut into one
file per document (exam/pdfsplit.py): a TeX run's start costs more than a student's few pages. A
batch that fails is compiled again one document at a time, so the error names its own file, line
and question, and the other documents still build. TeX runs with SOURCE_DATE_EPOCH fixed, so the
same sources give the same PDF bytes.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .batch import MARK as MARK_PREFIX
from .batch import Batch, log_sections, page_counts, plan, write_batch
from .pdfsplit import reproducible_id, split_pdf

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
BATCH_MOST = 24  # documents a run: enough to spread a run's start thinly, few enough to keep both cores busy
# A fixed date in every PDF (and in TeX's /ID), so a rebuild gives the same bytes; a build's own
# SOURCE_DATE_EPOCH, as reproducible-builds tooling sets it, wins.
TEX_ENV = {"SOURCE_DATE_EPOCH": os.environ.get("SOURCE_DATE_EPOCH", "0"), "FORCE_SOURCE_DATE": "1"}


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
    return _passes(tex_engine(source), tex.name, "\\numpages" in source)


def _passes(engine: str, name: str, totals: bool) -> list[list[str]]:
    final = [engine, "-interaction=nonstopmode", "-halt-on-error", "-file-line-error", name]
    return [final[:1] + ["-draftmode"] + final[1:], final] if totals else [final]


def missing_characters(log_text: str) -> list[str]:
    """Characters LuaLaTeX had no glyph for in any font (they would print as nothing)."""
    return sorted(set(_MISSING_CHAR.findall(log_text)))


def overfull_lines(
    tex: Path, log_text: str, limit: float = OVERFULL_LIMIT_PT, offset: int = 0
) -> list[tuple[str, str | None]]:
    """(message, question) for each line set wider than the text block by more than `limit` pt;
    `offset` is what to take off the log's line numbers (a batch's) to get the document's own."""
    found = []
    lines = log_text.splitlines()
    for i, line in enumerate(lines):
        m = _OVERFULL.match(line)
        if not m or float(m.group(1)) <= limit:
            continue
        number = int(next(g for g in m.groups()[1:] if g)) - offset
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
_STARTED = [0]  # TeX runs started by this process
_STOPPING = threading.Event()


def tex_runs_started() -> int:
    """How many TeX runs (passes) this process has started: bench/exam_build.py reports it."""
    return _STARTED[0]


def _run_tex(command: list[str], cwd: Path, timeout: float, on_line=None) -> tuple[int, str]:
    """(exit code, stdout) of one TeX pass, in a session of its own: Ctrl-C reaches the build, which
    stops its runs itself (stop_running), rather than every TeX job at once in the middle of a file.
    `on_line` sees each line of TeX's output as it comes (a batch's documents as they are done)."""
    with _RUNNING_LOCK:  # nothing starts once the build is being stopped (a failed batch's retries)
        if _STOPPING.is_set():
            return -signal.SIGKILL, ""
        proc = subprocess.Popen(
            command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            text=True, errors="replace", start_new_session=True, env={**os.environ, **TEX_ENV},
        )  # fmt: skip
        _RUNNING.add(proc)
        _STARTED[0] += 1
    expired = threading.Event()
    timer = threading.Timer(timeout, lambda: (expired.set(), proc.kill()))
    timer.start()
    lines = []
    try:
        for line in proc.stdout:
            lines.append(line)
            if on_line:
                on_line(line.rstrip("\n"))
        proc.wait()
    finally:
        timer.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        with _RUNNING_LOCK:
            _RUNNING.discard(proc)
    if expired.is_set():
        raise subprocess.TimeoutExpired(command, timeout)
    return proc.returncode, "".join(lines)


def stop_running():
    """Kill every TeX run in flight (an interrupted build removes its folder; nothing may still write there)."""
    with _RUNNING_LOCK:
        _STOPPING.set()
        running = list(_RUNNING)
    for proc in running:
        try:
            proc.kill()
        except OSError:
            pass


def _run_passes(tex: Path, passes: list[list[str]], timeout: float, on_line=None) -> tuple[str, CompileResult | None]:
    """(log text, None) once every pass succeeded, or (log text, the failure naming file, line, question)."""
    for command in passes:
        final = command is passes[-1]
        try:
            returncode, stdout = _run_tex(command, tex.parent, timeout, on_line if final else None)
        except FileNotFoundError:
            return "", CompileResult(tex, None, False, f"{tex.name}: {command[0]} was not found; this file holds "
                                     f"characters beyond ASCII (a name or id), which need it: install {UNICODE_PACKAGES}")  # fmt: skip
        except subprocess.TimeoutExpired:
            return "", CompileResult(tex, None, False, f"{tex.name}: {command[0]} took longer than {timeout:g} s")
        log = tex.with_suffix(".log")
        text = log.read_text(errors="replace") if log.exists() else stdout
        if returncode != 0:
            message, question = explain_failure(tex, text)
            return text, CompileResult(tex, None, False, message, question)
    return text, None


def _checked(tex: Path, pdf: Path, log_text: str, offset: int = 0) -> CompileResult:
    """The print checks on a document TeX set: a line into the margin or a missing glyph fails it."""
    overfull = overfull_lines(tex, log_text, offset=offset)
    if overfull:
        message = "\n".join(m for m, _ in overfull)
        return CompileResult(tex, None, False, message, overfull[0][1])
    missing = missing_characters(log_text)
    if missing:  # a name checked by exam/scripts.py never gets here; other text might
        return CompileResult(tex, None, False, f"{tex.name}: no installed font has {', '.join(missing)}, so it would "
                             f"print as a blank: install {UNICODE_PACKAGES}, or write it in another script")  # fmt: skip
    return CompileResult(tex, pdf, True)


def compile_one(tex: Path, timeout: float = 120) -> CompileResult:
    text, failure = _run_passes(tex, tex_passes(tex), timeout)
    if failure:
        return failure
    pdf = tex.with_suffix(".pdf")
    if not pdf.exists():
        return CompileResult(tex, None, False, f"{tex.name}: pdflatex wrote no PDF")
    reproducible_id(pdf)
    return _checked(tex, pdf, text)


def _engine(tex: Path) -> str:
    return tex_engine(tex.read_text(encoding="utf-8"))


def compile_batch(batch: Batch, timeout: float = 120, done=None) -> list[CompileResult]:
    """Set a batch's documents in one run and cut its PDF into theirs. `done(k)` is told as the final
    pass finishes document k. If the run fails, each document is compiled alone."""
    ticked = set()

    def tick(number: int):
        if done and number not in ticked:
            ticked.add(number)
            done(number)

    current = [0]

    def on_line(line: str):
        if line.startswith(MARK_PREFIX) and line[len(MARK_PREFIX) :].isdigit():
            if current[0]:
                tick(current[0])
            current[0] = int(line[len(MARK_PREFIX) :])

    members = batch.members
    passes = _passes(batch.engine, batch.tex.name, batch.needs_totals)
    text, failure = _run_passes(batch.tex, passes, timeout * len(members), on_line)
    counts = None if failure else page_counts(batch)
    pdf = batch.tex.with_suffix(".pdf")
    if counts is not None:
        try:
            split_pdf(pdf, counts, [m.tex.with_suffix(".pdf") for m in members])
        except ValueError:
            counts = None
    pdf.unlink(missing_ok=True)  # every page is in its document's file now
    if counts is None:  # compiled alone, each document's error names its own file and line
        results = []
        for number, member in enumerate(members, 1):
            results.append(compile_one(member.tex, timeout))
            tick(number)
        return results
    results = []
    for number, (member, log_text) in enumerate(zip(members, log_sections(text, len(members))), 1):
        member.tex.with_suffix(".log").write_text(log_text, encoding="utf-8")
        results.append(_checked(member.tex, member.tex.with_suffix(".pdf"), log_text, member.offset))
        tick(number)
    return results


def compile_all(texs: list[Path], jobs: int = 2, progress=None) -> list[CompileResult]:
    """Compile every file, documents of one preamble many to a TeX run; one failure does not stop
    the others. `progress()` is called once per document, as it is done."""
    lock = threading.Lock()

    def tick(_number=None):
        if progress:
            with lock:
                progress()

    def run(work: Path | Batch) -> list[CompileResult]:
        if isinstance(work, Path):
            result = compile_one(work)
            tick()
            return [result]
        return compile_batch(work, done=tick)

    # a document of its own first (the key: every version's answers), then the largest batches,
    # so that no long run is left to finish alone at the end
    groups = sorted(plan(texs, tex_engine, jobs, BATCH_MOST), key=lambda group: (len(group) > 1, -len(group)))
    works = [
        group[0]
        if len(group) == 1
        else write_batch(group[0].parent / f"_batch-{number:03d}.tex", group, _engine(group[0]))
        for number, group in enumerate(groups, 1)
    ]  # "_" starts no student's file name (exam/names.py)
    by_tex = {}
    _STOPPING.clear()
    pool = ThreadPoolExecutor(max_workers=max(1, jobs))
    try:
        for group, results in zip(groups, pool.map(run, works)):
            by_tex.update(zip(group, results))
    except BaseException:  # Ctrl-C, SIGTERM (build.py makes it an exception): stop at once, not after every file
        pool.shutdown(wait=False, cancel_futures=True)
        stop_running()
        pool.shutdown(wait=True)
        raise
    pool.shutdown()
    return [by_tex[tex] for tex in texs]
