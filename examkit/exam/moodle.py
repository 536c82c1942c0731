"""Moodle XML export: numerical (with tolerance), multichoice (fractions and feedback), and essay
(expressions, derivations, short answers, with the answer and rubric as grader information).

One Moodle question per part, in a category per exam question number, so a Moodle quiz can draw
"a random question from Q3" and every variant of every version is there.
"""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET

from ..checking.check import check_answer
from ..checking.numeric import decimal_inside, half_credit_answers, tolerance_width
from ..markup import to_moodle


def machine_number(value) -> str:
    """A number as importers parse it (no LaTeX, no thousands separators)."""
    return f"{float(value):.12g}"


def _text(parent, tag, text, fmt="html"):
    node = ET.SubElement(parent, tag, {"format": fmt} if fmt else {})
    ET.SubElement(node, "text").text = text
    return node


def _question_text(question, part) -> str:
    v = question.variant
    body = f"<p>{to_moodle(v.stem)}</p>"
    if part.prompt:
        body += f"<p>{to_moodle(part.prompt)}</p>"
    return body


def _numeric(q, question, part):
    tol = part.tolerance
    answer = ET.SubElement(q, "answer", {"fraction": "100", "format": "moodle_auto_format"})
    key = ET.SubElement(answer, "text")
    key.text = machine_number(part.answer)
    width = tolerance_width(part.answer, tol, center=key.text)  # the written key ± width: all correct
    ET.SubElement(answer, "tolerance").text = decimal_inside(width, 12, up=False)
    _text(answer, "feedback", to_moodle(part.solution) or "Correct.")
    for value, figures in half_credit_answers(part.answer, tol):
        if check_answer(question.variant, part.id, machine_number(value)).status != "imprecise":
            continue  # also a named misconception or a slip: the checker gives 0, so Moodle must too
        half = ET.SubElement(q, "answer", {"fraction": "50", "format": "moodle_auto_format"})
        ET.SubElement(half, "text").text = machine_number(value)
        ET.SubElement(half, "tolerance").text = "0"
        _text(half, "feedback", f"Right to {figures} significant figure(s): carry more digits through the calculation.")
    for m in part.misconceptions:
        wrong = ET.SubElement(q, "answer", {"fraction": "0", "format": "moodle_auto_format"})
        ET.SubElement(wrong, "text").text = machine_number(m.value)
        ET.SubElement(wrong, "tolerance").text = decimal_inside(tolerance_width(m.value, tol), 12, up=False)
        _text(wrong, "feedback", to_moodle(m.feedback))
    if part.unit:
        units = ET.SubElement(q, "units")
        unit = ET.SubElement(units, "unit")
        ET.SubElement(unit, "multiplier").text = "1"
        ET.SubElement(unit, "unit_name").text = part.unit


def _choice(q, question, part):
    single = part.select == "single"
    correct = [o for o in part.options if o.correct]
    wrong = [o for o in part.options if not o.correct]
    ET.SubElement(q, "single").text = "true" if single else "false"
    ET.SubElement(q, "shuffleanswers").text = "0"  # already shuffled per variant
    ET.SubElement(q, "answernumbering").text = "ABCD"
    for o in part.options:
        if single:
            fraction = 100 if o.correct else 0
        else:
            fraction = 100 / len(correct) if o.correct else -100 / max(len(wrong), 1)
        answer = ET.SubElement(q, "answer", {"fraction": f"{fraction:.7g}", "format": "html"})  # Moodle grade list
        ET.SubElement(answer, "text").text = to_moodle(o.text)
        _text(answer, "feedback", to_moodle(o.feedback))


def _essay(q, question, part):
    info = f"<p>Answer: {to_moodle('$' + part.answer_latex + '$') if part.answer_latex else to_moodle(part.answer_text)}</p>"
    if part.response == "steps":
        info += "<ol>" + "".join(f"<li><code>{html.escape(s)}</code></li>" for s in part.steps) + "</ol>"
    for r in part.rubric:
        info += f"<p>[{r['points']:g}] {to_moodle(r['criterion'])}</p>"
    if part.solution:
        info += f"<p>{to_moodle(part.solution)}</p>"
    _text(q, "graderinfo", info)
    ET.SubElement(q, "responseformat").text = "editor"
    ET.SubElement(q, "responsefieldlines").text = str(part.lines)


_KINDS = {  # by response kind: Moodle's question type and how its answers are written
    "number": ("numerical", _numeric),
    "options": ("multichoice", _choice),
    "formula": ("essay", _essay),
    "steps": ("essay", _essay),
    "text": ("essay", _essay),
}


def moodle_xml(spec, versions) -> bytes:
    quiz = ET.Element("quiz")
    numbers = sorted({q.number for v in versions for q in v.questions})
    for number in numbers:
        category = ET.SubElement(quiz, "question", {"type": "category"})
        _text(category, "category", f"$course$/{spec.title}/Q{number}", fmt=None)
        for version in versions:
            for question in version.questions:
                if question.number != number:
                    continue
                for part in question.variant.parts:
                    kind, fill = _KINDS[part.response]
                    q = ET.SubElement(quiz, "question", {"type": kind})
                    label = f"Q{number}{part.id if len(question.variant.parts) > 1 else ''}"
                    _text(
                        q,
                        "name",
                        f"{label} {question.qid} [{version.student.id} {version.code}] seed {question.seed}",
                        fmt=None,
                    )
                    _text(q, "questiontext", _question_text(question, part))
                    _text(q, "generalfeedback", to_moodle(question.variant.solution))
                    ET.SubElement(q, "defaultgrade").text = machine_number(part.points)
                    ET.SubElement(q, "penalty").text = "0"
                    ET.SubElement(q, "hidden").text = "0"
                    ET.SubElement(q, "idnumber").text = f"{question.qid}-{question.seed}-{part.id}"
                    fill(q, question, part)
    ET.indent(quiz)
    return ET.tostring(quiz, encoding="utf-8", xml_declaration=True)
