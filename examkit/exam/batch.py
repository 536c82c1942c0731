"""Many documents in one TeX run, each still a document of its own.

Starting TeX costs more than setting a student's few pages (LuaLaTeX loads its fonts for about two
CPU-seconds a run), so documents that share a preamble (every version's exam and solutions; every
answer sheet) are set one after another in one batch file: the preamble once, then each document's
body between `\\examkitbegin{k}` and `\\examkitend{k}`. Each body starts with the counters a
document of its own starts with (page 1, question 1), inside a group so its definitions do not
reach the next one, and prints its own "of N" total. `\\examkitend` writes the document's page
count to `BATCH.pages`, by which exam/pdfsplit.py cuts the PDF into one file per document.

The batch keeps each body's lines as they are, so a batch line maps back to a line of the
document's own .tex (which stays in tex/ and compiles alone), and the log is cut at each
document's `examkit-document:` line, so print checks name the document and its question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

BEGIN, END = r"\begin{document}", r"\end{document}"
MARK = "examkit-document: "
_MARK_LINE = re.compile(rf"^{MARK}(\d+)$", re.M)
_TOTALS = r"\numpages"  # a document printing it needs a draft pass for its page total

# Defined once per batch, after the documents' shared preamble.
SUPPORT = r"""% examkit batch (exam/batch.py): documents set one after another, each as if alone
\makeatletter
\newwrite\examkit@pages
\def\examkitsetpages#1#2{\expandafter\gdef\csname examkit@pages@#1\endcsname{#2}}
\newcommand\examkitstart{\begingroup\def\@elt##1{\expandafter\xdef\csname examkit@start@##1\endcsname{\the\value{##1}}}\cl@@ckpt\endgroup
  \immediate\openout\examkit@pages=\jobname.pages\relax}
\newcommand\examkitbegin[1]{\begingroup\def\@elt##1{\@ifundefined{examkit@start@##1}{}{\global\csname c@##1\endcsname=\csname examkit@start@##1\endcsname\relax}}\cl@@ckpt\endgroup
  \typeout{examkit-document: #1}\begingroup
  \def\numpages{\@ifundefined{examkit@pages@#1}{\mbox{\normalfont\bfseries ??}}{\csname examkit@pages@#1\endcsname}}}
\newcommand\examkitend[1]{\clearpage
  \immediate\write\@mainaux{\string\examkitsetpages{#1}{\the\numexpr\value{page}-1\relax}}%
  \immediate\write\examkit@pages{#1 \the\numexpr\value{page}-1\relax}\endgroup}
\makeatother"""


@dataclass(frozen=True)
class Member:
    """A document inside a batch; `offset` is its body's batch line minus its own line."""

    tex: Path
    offset: int


@dataclass(frozen=True)
class Batch:
    tex: Path
    engine: str
    members: tuple[Member, ...]
    needs_totals: bool

    @property
    def pages(self) -> Path:
        return self.tex.with_suffix(".pages")


def split_source(text: str) -> tuple[str, list[str], int] | None:
    """(preamble, body lines, line number of the body's first line) of a standalone document, or
    None where it has no `\\begin{document}` ... `\\end{document}` lines of its own."""
    lines = text.splitlines()
    if BEGIN not in lines or END not in lines:
        return None
    begin, end = lines.index(BEGIN), len(lines) - 1 - lines[::-1].index(END)
    if end < begin:
        return None
    return "\n".join(lines[:begin]), lines[begin + 1 : end], begin + 2


def group_by_preamble(texs: list[Path], engine_of) -> list[list[Path]]:
    """Documents that can share a run: the same engine and the same preamble, in their order; a
    document that cannot be split into preamble and body is a group of its own."""
    groups: dict = {}
    for tex in texs:
        text = tex.read_text(encoding="utf-8")
        parts = split_source(text)
        key = (engine_of(text), parts[0]) if parts else ("alone", str(tex))
        groups.setdefault(key, []).append(tex)
    return list(groups.values())


def plan(texs: list[Path], engine_of, jobs: int, most: int) -> list[list[Path]]:
    """Batches of at most `most` documents, each group cut into equal chunks, with at least `jobs`
    chunks where the documents allow, so that every core has work to the end."""
    groups = group_by_preamble(texs, engine_of)
    total = sum(len(g) for g in groups)
    batches = []
    for group in groups:
        share = max(1, round(jobs * len(group) / total))  # this group's part of the cores
        count = min(len(group), max(share, -(-len(group) // most)))
        size = -(-len(group) // count)
        batches.extend(group[i : i + size] for i in range(0, len(group), size))
    return batches


def write_batch(path: Path, texs: list[Path], engine: str) -> Batch:
    """One file setting every document of `texs` (all of one preamble) in turn, by `engine`."""
    preamble = None
    lines: list[str] = []
    members = []
    totals = False
    for number, tex in enumerate(texs, 1):
        text = tex.read_text(encoding="utf-8")
        parts = split_source(text)
        if parts is None or (preamble is not None and parts[0] != preamble):
            raise ValueError(f"{tex.name}: not of the batch's preamble")
        if preamble is None:
            preamble = parts[0]
            lines = [preamble, SUPPORT, BEGIN, r"\examkitstart"]
            lines = "\n".join(lines).splitlines()
        totals = totals or _TOTALS in text
        lines.append(rf"\examkitbegin{{{number}}}")
        members.append(Member(tex, offset=len(lines) + 1 - parts[2]))
        lines.extend(parts[1])
        lines.append(rf"\examkitend{{{number}}}")
    lines.append(END)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Batch(path, engine, tuple(members), totals)


def log_sections(log_text: str, count: int) -> list[str]:
    """The log cut at each document's start line: what TeX said while setting document k."""
    sections = [""] * count
    marks = list(_MARK_LINE.finditer(log_text))
    for i, m in enumerate(marks):
        number = int(m.group(1))
        if 1 <= number <= count:
            stop = marks[i + 1].start() if i + 1 < len(marks) else len(log_text)
            sections[number - 1] = log_text[m.end() : stop]
    return sections


def page_counts(batch: Batch) -> list[int] | None:
    """Pages of each document, as `\\examkitend` wrote them; None if any is missing."""
    if not batch.pages.exists():
        return None
    found = {}
    for line in batch.pages.read_text(encoding="utf-8").splitlines():
        number, pages = line.split()
        found[int(number)] = int(pages)
    counts = [found.get(k) for k in range(1, len(batch.members) + 1)]
    return None if None in counts else counts
