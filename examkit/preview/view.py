"""One variant as the author checks it: what the student sees (`exam/preview.question_view`, the
renderer the exam preview and the practice app use) and all that the student does not: the drawn
parameters, each part's type, hints and misconceptions, the question's own solution and hints.
A seed the template cannot build, or a figure it cannot draw, is a problem at its file and line."""

from __future__ import annotations

from ..bank.loader import Problem
from ..bank.template import TemplateError
from ..bank.yamlio import line_of
from ..checking.parse import AnswerError
from ..exam.preview import misconception_html, question_view
from ..markup import to_html
from ..markup.numbers import format_number


def variant_page(template, seed: int) -> tuple[dict | None, list[Problem]]:
    """(what the page shows, problems); no page when the seed gives no variant."""
    try:
        variant = template.variant(seed)
    except TemplateError as exc:
        return None, [_problem(template, f"seed {seed}: {exc}", exc.path)]
    problems = []
    try:
        view = question_view(None, None, template.id, seed, variant)
    except (AnswerError, TemplateError, ValueError) as exc:  # a figure that cannot be drawn
        problems.append(_problem(template, f"seed {seed}: a figure cannot be drawn: {exc}", ("figures",)))
        view = question_view(None, None, template.id, seed, variant, with_figures=False)
    for shown, part in zip(view["parts"], variant.parts):
        shown["type"] = part.type
        shown["hints"] = [to_html(h) for h in part.hints]
        shown["misconceptions"] = [
            {"name": m.name, "answer": misconception_html(part, m), "feedback": to_html(m.feedback)}
            for m in part.misconceptions
        ]
    page = {
        "view": view,
        "params": {name: format_number(value, 6) for name, value in variant.params.items()},
        "solution": to_html(variant.solution),
        "hints": [to_html(h) for h in variant.hints],
    }
    return page, problems


def _problem(template, message: str, path) -> Problem:
    return Problem(template.path, line_of(template.data, list(path)), f"{template.id}: {message}")
