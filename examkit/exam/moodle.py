"""Moodle XML export: one category per exam question slot, one Moodle question per variant.

A one-part question is numerical (with tolerance), multichoice (fractions and feedback) or, for a
part Moodle cannot mark, an essay that says it is graded by hand. A multi-part question stays one
question: cloze (`multianswer`) with a NUMERICAL or MULTICHOICE_V/MULTIRESPONSE subquestion per
part, or, when a part needs a person, one essay holding every part. Figures travel inside the
question as base64 `<file>` elements referenced by `@@PLUGINFILE@@/name` (qformat_xml). Names show
the slot, the title and a short tag, never a student id or seed.
"""

from __future__ import annotations

import base64
import html
import xml.etree.ElementTree as ET
from math import isclose

from ..checking.numeric import decimal_inside, half_credit_answers, tolerance_width
from ..markup import to_moodle
from ..markup.numbers import machine_number
from ..parts.check import check_answer
from ..parts.printed import importer_key, key_text
from .exports import BY_HAND, auto_graded, figures_of, part_label, question_title, slots, variant_tag

__all__ = ["machine_number", "moodle_xml", "question_name"]


def question_name(question) -> str:
    return f"{question_title(question)} #{variant_tag(question.qid, question.seed)}"


def _text(parent, tag, text, fmt="html"):
    node = ET.SubElement(parent, tag, {"format": fmt} if fmt else {})
    ET.SubElement(node, "text").text = text
    return node


def _figures_html(paths) -> str:
    return "".join(f'<p><img src="@@PLUGINFILE@@/{p.name}" alt="figure {i}"></p>' for i, p in enumerate(paths, 1))


def _attach(textnode, paths):
    for p in paths:
        ET.SubElement(textnode, "file", {"name": p.name, "path": "/", "encoding": "base64"}).text = base64.b64encode(
            p.read_bytes()
        ).decode()


def _numeric_answers(question, part):
    """(fraction, value text, tolerance text, feedback): the key, the checker's half-credit
    roundings (only those it calls imprecise, at the credit it gives them: none where the part
    has `half_credit: false`), and each misconception at 0."""
    tol = part.tolerance
    key = importer_key(part)
    rows = [(100, key, decimal_inside(tolerance_width(part.answer, tol, center=key), 12, up=False),
             to_moodle(part.solution) or "Correct.")]  # fmt: skip
    for value, figures in half_credit_answers(part.answer, tol):
        verdict = check_answer(question.variant, part.id, machine_number(value))
        if verdict.status != "imprecise":
            continue  # a named misconception, a slip or no half credit: the checker gives 0, so Moodle must too
        rows.append((f"{100 * verdict.score / verdict.max_score:.7g}", machine_number(value), "0",
                     f"Right to {figures} significant figure(s): carry more digits through the calculation."))  # fmt: skip
    for m in part.misconceptions:
        rows.append((0, machine_number(m.value), decimal_inside(tolerance_width(m.value, tol), 12, up=False),
                     to_moodle(m.feedback)))  # fmt: skip
    return rows


def _option_fractions(part) -> list[float]:
    correct = sum(o.correct for o in part.options)
    wrong = len(part.options) - correct
    if part.select == "single":
        return [100.0 if o.correct else 0.0 for o in part.options]
    return [100 / correct if o.correct else -100 / max(wrong, 1) for o in part.options]


def _numeric(q, question, part):
    for fraction, value, tolerance, feedback in _numeric_answers(question, part):
        answer = ET.SubElement(q, "answer", {"fraction": str(fraction), "format": "moodle_auto_format"})
        ET.SubElement(answer, "text").text = value
        ET.SubElement(answer, "tolerance").text = tolerance
        _text(answer, "feedback", feedback)
    if part.unit:
        unit = ET.SubElement(ET.SubElement(q, "units"), "unit")
        ET.SubElement(unit, "multiplier").text = "1"
        ET.SubElement(unit, "unit_name").text = part.unit


def _choice(q, question, part):
    ET.SubElement(q, "single").text = "true" if part.select == "single" else "false"
    ET.SubElement(q, "shuffleanswers").text = "0"  # already shuffled per variant
    ET.SubElement(q, "answernumbering").text = "ABCD"
    for o, fraction in zip(part.options, _option_fractions(part)):
        answer = ET.SubElement(q, "answer", {"fraction": f"{fraction:.7g}", "format": "html"})  # Moodle grade list
        ET.SubElement(answer, "text").text = to_moodle(o.text)
        _text(answer, "feedback", to_moodle(o.feedback))


def _key_html(part) -> str:
    if part.response == "number":
        return f"<p>Answer: {importer_key(part)} {html.escape(part.unit)}</p>"
    if part.response == "options":
        return f"<p>Answer: {key_text(part)}</p>"
    info = f"<p>Answer: {to_moodle('$' + part.answer_latex + '$') if part.answer_latex else to_moodle(part.answer_text)}</p>"
    if part.response == "steps":
        info += "<ol>" + "".join(f"<li><code>{html.escape(s)}</code></li>" for s in part.steps) + "</ol>"
    for r in part.rubric:
        info += f"<p>[{r['points']:g}] {to_moodle(r['criterion'])}</p>"
    return info


def _essay(q, question, parts):
    info = f"<p><strong>{BY_HAND.capitalize()}</strong>: Moodle cannot mark this answer.</p>"
    for part in parts:
        info += f"<p>{part_label(question, part)} [{part.points:g} pt]</p>" + _key_html(part)
        if part.solution:
            info += f"<p>{to_moodle(part.solution)}</p>"
    _text(q, "graderinfo", info)
    ET.SubElement(q, "responseformat").text = "editor"
    ET.SubElement(q, "responserequired").text = "1"
    ET.SubElement(q, "responsefieldlines").text = str(max(sum(max(p.lines, 2) for p in parts), 5))


def cloze_escape(text: str) -> str:
    """Text inside a cloze subquestion: qtype_multianswer ends an answer at an unescaped } # or ~."""
    return text.replace("}", "\\}").replace("#", "\\#").replace("~", " ")


def _weights(parts) -> list[int]:
    """Cloze weights are whole numbers: the parts' points scaled by the smallest factor that makes them so."""
    for scale in (1, 2, 4, 10, 100):
        if all(isclose(p.points * scale, round(p.points * scale)) for p in parts):
            return [max(int(round(p.points * scale)), 1) for p in parts]
    return [max(int(round(p.points * 100)), 1) for p in parts]


def cloze_subquestion(question, part, weight: int) -> str:
    if part.response == "number":
        alts = [f"%{fraction}%{value}:{tol}#{cloze_escape(fb)}"
                for fraction, value, tol, fb in _numeric_answers(question, part)]  # fmt: skip
        return f"{{{weight}:NUMERICAL:{'~'.join(alts)}}}"
    kind = "MULTICHOICE_V" if part.select == "single" else "MULTIRESPONSE"
    alts = [f"%{fraction:.5g}%{cloze_escape(o.letter + '. ' + to_moodle(o.text))}#{cloze_escape(to_moodle(o.feedback))}"
            for o, fraction in zip(part.options, _option_fractions(part))]  # fmt: skip
    return f"{{{weight}:{kind}:{'~'.join(alts)}}}"


def _cloze_text(question) -> str:
    parts = question.variant.parts
    body = f"<p>{to_moodle(question.variant.stem)}</p>"
    for part, weight in zip(parts, _weights(parts)):
        unit = f" {html.escape(part.unit)}" if part.unit else ""
        body += f"<p>{part_label(question, part)} {to_moodle(part.prompt)}</p><p>{cloze_subquestion(question, part, weight)}{unit}</p>"
    return body


def _question_text(question, parts, by_hand: bool) -> str:
    body = f"<p>{to_moodle(question.variant.stem)}</p>"
    for part in parts:
        if part.prompt or len(parts) > 1:
            body += f"<p>{part_label(question, part)} {to_moodle(part.prompt)}</p>"
    if by_hand:
        body += f"<p><em>This answer is {BY_HAND}.</em></p>"
    return body


def _question(quiz, question, figures):
    parts = question.variant.parts
    if len(parts) > 1 and auto_graded(question):
        kind, text = "cloze", _cloze_text(question)
    elif len(parts) == 1 and parts[0].response == "number":
        kind, text = "numerical", _question_text(question, parts, False)
    elif len(parts) == 1 and parts[0].response == "options":
        kind, text = "multichoice", _question_text(question, parts, False)
    else:
        kind, text = "essay", _question_text(question, parts, True)
    paths = figures_of(question, figures)
    q = ET.SubElement(quiz, "question", {"type": kind})
    _text(q, "name", question_name(question), fmt=None)
    _attach(_text(q, "questiontext", text + _figures_html(paths)), paths)
    _text(q, "generalfeedback", to_moodle(question.variant.solution))
    ET.SubElement(q, "defaultgrade").text = machine_number(question.points)
    ET.SubElement(q, "penalty").text = "0"
    ET.SubElement(q, "hidden").text = "0"
    ET.SubElement(q, "idnumber").text = f"Q{question.number}-{variant_tag(question.qid, question.seed)}"
    if kind == "numerical":
        _numeric(q, question, parts[0])
    elif kind == "multichoice":
        _choice(q, question, parts[0])
    elif kind == "essay":
        _essay(q, question, parts)


def moodle_xml(spec, versions, figures=None) -> bytes:
    """FIGURES: (question id, seed) -> PNG paths, as `build.py` writes them."""
    quiz = ET.Element("quiz")
    for number, questions in slots(versions).items():
        category = ET.SubElement(quiz, "question", {"type": "category"})
        _text(category, "category", f"$course$/{spec.title}/Q{number}", fmt=None)
        for question in questions:
            _question(quiz, question, figures)
    ET.indent(quiz)
    return ET.tostring(quiz, encoding="utf-8", xml_declaration=True)
