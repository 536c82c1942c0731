"""How pages read forms and show parts and answers, shared by the question, review and mock pages."""

from __future__ import annotations

import re
import time

from ...checking.echo import echo_latex
from ...exam.preview import answer_html
from ...markup import to_html
from ...markup.mathml import math_to_mathml

STATUS_MARKS = {"correct": "✔", "partial": "◐", "imprecise": "◐", "manual": "✎"}


def parts_of(v) -> list[dict]:
    """Per part: what its form field is (a line, lines, radio buttons, check boxes, a text box)."""
    out = []
    for p in v.parts:
        kind = {"number": "line", "formula": "line", "steps": "lines", "text": "text"}.get(p.response, "options")
        if kind == "options":
            kind = "radio" if p.select == "single" else "checkbox"
        out.append({"id": p.id, "kind": kind, "unit": to_html(p.unit) if p.unit else "", "part": p,
                    "start": math_to_mathml(p.start) if p.response == "steps" and p.start else ""})  # fmt: skip
    return out


def expected_html(part) -> str:
    """The expected answer as a page shows it: the right options with their text, everything else
    typeset as the exam preview shows it."""
    if part.options:
        return "; ".join(f"{o.letter}. {to_html(o.text)}" for o in part.options if o.letter in part.answer)
    return answer_html(part)


def picked(answer) -> set:
    """The option letters in a stored choice answer ("A,C" from a form, "a c" from the terminal)."""
    return set(re.findall(r"[A-Z]", (answer or "").upper()))


def kept(values, *extra) -> dict:
    """The practice choice (topic, objective, study-guide item) carried from page to page."""
    return {k: values[k] for k in ("topic", "objective", "item", *extra) if values.get(k)}


def when(at: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(at))


def count(text) -> int:
    """A small count from a form or query (hints shown): anything that is not one is 0."""
    return int(text) if isinstance(text, str) and text.isdigit() and len(text) < 4 else 0


def typed(form, part, prefix="") -> str:
    name = f"{prefix}answer-{part.id}" if prefix else f"answer-{part.id}"
    if part.response == "options":
        return ",".join(form.getlist(name))
    return form.get(name, "")


def reading(seen=None, error="") -> dict:
    """The live preview's answer: the structure as typed (text and MathML, its value beside it) and
    notes on readings worth saying; the same keys whatever was typed, and never a verdict."""
    seen = seen or {}
    return {
        "text": seen.get("text", ""),
        "value": seen.get("value", ""),
        "mathml": math_to_mathml(echo_latex(seen)) if seen.get("latex") else "",
        "notes": seen.get("notes", []),
        "error": error,
    }
