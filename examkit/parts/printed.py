"""A part's key as the outputs print it, made in one place: the answer key and worked solutions
(LaTeX), the exam preview and practice pages (MathML), the terminal drill, and the Moodle XML and
QTI exports take their key text from here and only typeset it. `validate` types these very texts
back into the checker (`bank/keys.py`), so a key as printed always earns full marks."""

from __future__ import annotations

from ..markup.numbers import machine_number
from .base import Response

FOR_PEOPLE = "the answer key, worked solutions and practice pages"
FOR_IMPORTERS = "the Moodle XML and QTI exports"


def key_text(part) -> str:
    """The key people read, before typesetting: a number as drawn or to `KEY_FIGURES` significant
    figures with its trailing zeros (`answer_text`, made once when the variant is built), a
    formula in LaTeX (as written where it has none), the right option letters, a model answer."""
    if part.response == Response.OPTIONS:
        return ", ".join(part.answer)
    if part.response in (Response.FORMULA, Response.STEPS) and part.answer_latex:
        return part.answer_latex
    return part.answer_text


def importer_key(part) -> str:
    """A numeric key as the LMS exports write it (12 significant figures, no LaTeX)."""
    return machine_number(part.answer)


def printed_keys(part) -> list[tuple[str, str]]:
    """(where, text): each form of the key the outputs print that a student could type back. None
    for a derivation (its printed target alone is not an answer) or a written answer."""
    if part.response == Response.NUMBER:
        return [(FOR_PEOPLE, key_text(part)), (FOR_IMPORTERS, importer_key(part))]
    if part.response in (Response.FORMULA, Response.OPTIONS):
        return [(FOR_PEOPLE, key_text(part))]
    return []
