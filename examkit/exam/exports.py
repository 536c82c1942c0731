"""What the Moodle and QTI exports share: the exam's question slots, a student-safe tag per
variant, the figures' PNG files, and how a part no importer can grade is marked.

Both LMS exports draw one variant per slot for each student (a Moodle random question from the
slot's category, a Canvas question group), so they are written per slot, never per student: no
student id, seed or master seed appears in what an LMS shows.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

AUTO = ("number", "options")  # response kinds Moodle and Canvas grade themselves
BY_HAND = "graded by hand"


def variant_tag(qid: str, seed) -> str:
    """Six hex digits telling a slot's variants apart without showing the question id or seed."""
    return hashlib.sha256(f"{qid}|{seed}".encode()).hexdigest()[:6]


def slots(versions) -> dict[int, list]:
    """Slot number -> the questions an LMS draws one of for it: a slot is a position in a section
    (its k-th question), so shuffled numbering never mixes sections. An LMS draws every slot on
    its own, so each question (template) is put in one slot only: the one where the versions
    drew it most often. Then no LMS quiz can show a student the same question twice, as the paper
    exam never does (`assemble.py`). Each question is copied with its slot number."""
    order: dict[str, int] = {}  # sections in exam order, as first drawn
    for version in versions:
        for question in version.questions:
            order.setdefault(question.section, len(order))
    drawn: dict[tuple, dict] = {}
    for version in versions:
        position: dict[str, int] = {}
        for question in version.questions:
            k = position[question.section] = position.get(question.section, 0) + 1
            drawn.setdefault((order[question.section], k), {}).setdefault((question.qid, question.seed), question)
    keys = sorted(drawn)
    home = {}
    for qid in {qid for found in drawn.values() for qid, _ in found}:
        counts = [(sum(1 for q, _ in drawn[key] if q == qid), -i) for i, key in enumerate(keys)]
        home[qid] = keys[-max(counts)[1]]
    result = {}
    for key in keys:
        mine = [q for (qid, _), q in drawn[key].items() if home[qid] == key]
        if mine:
            result[len(result) + 1] = [replace(q, number=len(result) + 1) for q in mine]
    return result


def question_title(question) -> str:
    return f"Q{question.number} {question.variant.title}"


def auto_graded(question) -> bool:
    """Every part is a number or options: the LMS can mark the whole question."""
    return all(part.response in AUTO for part in question.variant.parts)


def part_label(question, part) -> str:
    return f"({part.label or part.id})" if len(question.variant.parts) > 1 else ""


def figures_of(question, figures) -> list:
    """The PNG paths of a question's figures (written once per build, `build.py`)."""
    return list((figures or {}).get((question.qid, question.seed), []))
