"""What the Moodle and QTI exports share: the exam's question slots, a student-safe tag per
variant, the figures' PNG files, and how a part no importer can grade is marked.

Both LMS exports draw one variant per slot for each student (a Moodle random question from the
slot's category, a Canvas question group), so they are written per slot, never per student: no
student id, seed or master seed appears in what an LMS shows.
"""

from __future__ import annotations

import hashlib

AUTO = ("number", "options")  # response kinds Moodle and Canvas grade themselves
BY_HAND = "graded by hand"


def machine_number(value) -> str:
    """A number as importers parse it (no LaTeX, no thousands separators)."""
    return f"{float(value):.12g}"


def variant_tag(qid: str, seed) -> str:
    """Six hex digits telling a slot's variants apart without showing the question id or seed."""
    return hashlib.sha256(f"{qid}|{seed}".encode()).hexdigest()[:6]


def slots(versions) -> dict[int, list]:
    """Exam question number -> that slot's distinct questions across versions, in version order."""
    found: dict[int, dict] = {}
    for version in versions:
        for question in version.questions:
            found.setdefault(question.number, {}).setdefault((question.qid, question.seed), question)
    return {number: list(found[number].values()) for number in sorted(found)}


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
