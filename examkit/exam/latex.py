"""Render exam versions, their solutions and the answer key to LaTeX with the templates in
`templates/latex/` (Jinja2 with `<< >>` and `<% %>`, which LaTeX does not use)."""

from __future__ import annotations

import re
from pathlib import Path

import sympy as sp
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from ..bank.figures import figure_key, render_figure
from ..checking.parse import AnswerError, Equation, parse_math
from ..markup import to_latex
from ..markup.latex import math_or_text
from ..markup.numbers import format_number
from ..parts.printed import key_text
from ..resources import bundled
from .names import safe_file_name
from .scripts import FALLBACK_FONTS, MAIN_FONTS, name_tex

LINE_CM = 0.75


def _pts(value) -> str:
    return format_number(value) if value != int(value) else str(int(value))


def _mm(value, places: int = 3) -> str:
    """A length for TeX: a plain decimal (never 1e-05), without trailing zeros."""
    text = f"{value:.{places}f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _points_label(value) -> str:
    """ "(1 point)", "(2.5 points)": printed by the template, inside the question's box."""
    return f"({_pts(value)} point{'' if value == 1 else 's'})"


_DECIMAL = re.compile(r"^-?\d+(\.\d+)?$")


def mathtex(text: str) -> str:
    """A plain-math line (`a*(1-D) = b*D`) typeset as LaTeX math; unreadable text stays verbatim."""
    if _DECIMAL.match(str(text).strip()):
        return str(text).strip()  # keep 0.3595 as written, not as a fraction
    try:
        value = parse_math(str(text), {}, allow_new_symbols=True)
    except AnswerError:
        return r"\text{" + to_latex(str(text)) + "}"
    if isinstance(value, Equation):
        return f"{sp.latex(value.lhs)} = {sp.latex(value.rhs)}"
    return sp.latex(value)


def _keytext(value) -> str:
    if isinstance(value, (int, float)):
        return f"${format_number(value, 6)}$"
    return f"${mathtex(value)}$"


def key_answer(part) -> str:
    if part.response == "number":
        tol = part.tolerance
        note = ""
        if tol:
            bits = [
                f"abs {tol['abs']}" if "abs" in tol else "",
                f"rel {tol['rel']}" if "rel" in tol else "",
                f"{tol['sigfigs']} s.f." if "sigfigs" in tol else "",
                "" if part.half_credit else "no half credit",
            ]
            note = " {\\footnotesize (" + ", ".join(b for b in bits if b) + ")}"
        unit = f" {to_latex(part.unit)}" if part.unit else ""
        return f"${key_text(part)}${unit}{note}"
    if part.response in ("formula", "steps"):
        return math_or_text(part.answer_latex, part.answer_text)
    if part.response == "options":
        return key_text(part)
    return r"\emph{manual marking:} " + to_latex(part.answer_text)


def answer_space(part) -> str:
    if part.response == "number":
        unit = f"\\enspace {to_latex(part.unit)}" if part.unit else ""
        return r"\answerfield{0.45\linewidth}" + unit
    if part.response == "formula":
        return r"\answerfield{0.85\linewidth}"
    if part.response == "steps":
        return rf"\par\vspace{{4pt}}\makeemptybox{{{part.lines * LINE_CM:.2f}cm}}"
    if part.response == "text":
        return rf"\par\fillwithlines{{{part.lines * LINE_CM:.2f}cm}}"
    note = "Select all that apply." if part.select == "multiple" else "Select one."
    if re.search(r"\b(select|choose|tick|circle)\b", part.prompt, re.I):  # the prompt says it already
        note = ""
    choices = "\n".join(r"\choice " + to_latex(o.text) for o in part.options)
    heading = rf"\par{{\small\emph{{{note}}}}}" if note else ""
    return heading + "\n\\begin{choices}\n" + choices + "\n\\end{choices}"


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(bundled("templates") / "latex")),
        block_start_string="<%",
        block_end_string="%>",
        variable_start_string="<<",
        variable_end_string=">>",
        comment_start_string="<#",
        comment_end_string="#>",
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
        keep_trailing_newline=True,
    )
    env.filters.update(tex=to_latex, pts=_pts, mm=_mm, points_label=_points_label, mathtex=mathtex, keytext=_keytext)
    env.filters.update(name=name_tex)  # a student's name or id, in its own script's font
    env.globals.update(answer_space=answer_space, key_answer=key_answer)
    env.globals.update(main_fonts=MAIN_FONTS, fallback_fonts=FALLBACK_FONTS)
    return env


def write_figures(version, tex_dir: Path, suffix: str = ".pdf") -> dict:
    """Figures of every question of a version (PDF for TeX, PNG for the LMS exports), one file per
    distinct figure in a build."""
    figures = {}
    for q in version.questions:
        paths = []
        for spec in q.variant.figures:
            name = f"figures/{safe_file_name(q.qid)}-{spec['id']}-{figure_key(spec, q.variant)}{suffix}"
            target = tex_dir / name
            if not target.exists() or target.stat().st_size == 0:  # shared within one build
                target.parent.mkdir(parents=True, exist_ok=True)
                render_figure(spec, q.variant, target)
            paths.append(name)
        figures[q.number] = paths
    return figures


def render_version(env, exam, version, figures, roster: bool) -> tuple[str, str]:
    """(exam .tex, solutions .tex) of one version."""
    context = {"exam": exam, "version": version, "figures": figures, "roster": roster}
    return env.get_template("exam.tex.j2").render(**context), env.get_template("solutions.tex.j2").render(**context)


def render_answer_key(env, exam, versions) -> str:
    return env.get_template("answer-key.tex.j2").render(exam=exam, versions=versions)
