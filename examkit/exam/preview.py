"""HTML preview of exam versions (and, with the same template, practice sheets): MathML math,
figures embedded as data URIs, answers and solutions folded under each question."""

from __future__ import annotations

import base64
import functools
import hashlib
import os
import tempfile
from pathlib import Path

import sympy as sp
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from ..bank.figures import figure_key, render_figure
from ..kept import Kept
from ..markup import to_html
from ..markup.mathml import math_to_mathml
from ..markup.numbers import KEY_FIGURES, format_number
from ..parts.printed import key_text
from ..resources import bundled, code_digest, user_cache_dir
from .latex import mathtex

_figures = Kept(256)  # rendered figures kept per process (about 30 kB each)


def _figure_uri(spec, variant) -> str:
    """The figure as a data URI. Rendering one takes matplotlib 100-300 ms, and a practice page
    shows the same figure again (question, then its result; on a class server, every student whose
    variant draws the same run or numbers): a figure's identity is its pixels. Kept per process,
    and as a PNG in the user's cache folder, so that the next process (a class server restarted, the
    next worker) reads it instead of drawing it."""
    key = figure_key(spec, variant)  # the picture's identity: variants drawing one run share it

    def render():
        cached = user_cache_dir() / "figures" / f"{key}-{_drawing_version()}.png"
        try:
            data = cached.read_bytes()
        except OSError:
            with tempfile.TemporaryDirectory() as tmp:
                data = render_figure(spec, variant, Path(tmp) / "figure.png").read_bytes()
            _keep(cached, data)
        return "data:image/png;base64," + base64.b64encode(data).decode()

    return _figures.get(key, render)


@functools.cache
def _drawing_version() -> str:
    """What else decides a figure's pixels: the drawing code (bank/figures.py, and checking/ that
    computes its curves' points) and matplotlib's version."""
    import matplotlib

    drawing = code_digest("examkit/bank/figures.py", "examkit/checking") + matplotlib.__version__
    return hashlib.sha256(drawing.encode()).hexdigest()[:12]


def _keep(path: Path, data: bytes):
    """Write the cached PNG whole (a reader never sees half of one); a cache that cannot be
    written (read-only, full) only means drawing it again next time."""
    partial = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".part", delete=False) as fh:
            partial = fh.name
            fh.write(data)
        os.replace(partial, path)
    except OSError:
        if partial:  # a half-written file (the disk full) is not left behind
            Path(partial).unlink(missing_ok=True)


def answer_html(part) -> str:
    """The expected answer typeset: a number with its unit, a formula as MathML, option letters, text."""
    if part.response == "number":
        return math_to_mathml(key_text(part)) + _unit(part)
    if part.answer_latex:
        return math_to_mathml(part.answer_latex)
    if part.options:
        return key_text(part)
    return to_html(part.answer_text)


def misconception_html(part, misconception) -> str:
    """A misconception's answer typeset as the part's key is (the authoring preview shows both)."""
    value = misconception.value
    if part.response == "number":
        return math_to_mathml(format_number(value, KEY_FIGURES)) + _unit(part)
    if isinstance(value, sp.Basic):
        return math_to_mathml(sp.latex(value))
    return to_html(misconception.text)


def _unit(part) -> str:
    return f" {to_html(part.unit)}" if part.unit else ""


def question_view(number, section, qid, seed, variant, with_figures=True) -> dict:
    return {
        "number": number,
        "section": section,
        "qid": qid,
        "seed": seed,
        "points": format_number(variant.points),
        "stem": to_html(variant.stem),
        "figures": [_figure_uri(f, variant) for f in variant.figures] if with_figures else [],
        "parts": [
            {
                "id": p.id,
                "label": p.label,
                "prompt": to_html(p.prompt),
                "points": format_number(p.points),
                "answer": answer_html(p),
                "options": [
                    {
                        "letter": o.letter,
                        "text": to_html(o.text),
                        "correct": o.correct,
                        "feedback": to_html(o.feedback),
                        "role": o.role,
                    }
                    for o in p.options
                ],
                "steps": [math_to_mathml(mathtex(s)) for s in p.steps],
                "step_link": p.step_link,
                "rubric": [
                    {"points": format_number(r["points"]), "criterion": to_html(r["criterion"])} for r in p.rubric
                ],
                "solution": to_html(p.solution),
                # lines of answer space on paper: the part's own, or enough for a number or a few steps
                "space": 0 if p.options else (p.lines or (2 if p.response in ("number", "formula") else 6)),
            }
            for p in variant.parts
        ],
    }


def render_page(title, subtitle, questions, show_answers=True, printable=False, show_ids=None) -> str:
    """`printable`: a practice sheet: answer space under each part and, in print, the answers as a
    key at the end instead of folded under the questions. `show_ids` (default: with the answers):
    each question's bank id and seed, for the instructor."""
    env = Environment(
        loader=FileSystemLoader(str(bundled("templates") / "html")),
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("version.html.j2").render(
        title=title, subtitle=subtitle, questions=questions, show_answers=show_answers, printable=printable,
        show_ids=show_answers if show_ids is None else show_ids,
    )  # fmt: skip


def version_html(spec, version, show_answers: bool = True) -> str:
    """A version as a web page: the instructor's preview (answers, ids, seeds) or the student's
    copy (`show_answers=False`: the questions only, with answer space)."""
    questions = [question_view(q.number, q.section, q.qid, q.seed, q.variant) for q in version.questions]
    subtitle = f"{spec.course} · {version.student.id} {version.student.name} · version {version.code}"
    return render_page(spec.title, subtitle, questions, show_answers=show_answers, printable=not show_answers)
