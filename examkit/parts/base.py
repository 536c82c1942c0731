"""What every part type provides, and the closed set of response kinds outputs switch on.

A part type (one module in this package) knows how an answer to it is checked, what its own key and
its misconception answers look like when typed (for `validate` and the property tests), and which
kind of response it asks for. LaTeX, HTML, Moodle, QTI, the manifest, the drill and grading switch
on the response kind, never on the part type's name.
"""

from __future__ import annotations

from enum import StrEnum

import sympy as sp

from ..checking.equivalence import Variables
from ..checking.verdict import Verdict
from .fields import COMPUTED


class Response(StrEnum):
    """What a part asks the student for (a str: it is written to manifests and compared as text)."""

    NUMBER = "number"  # one number, with a tolerance and maybe a unit
    FORMULA = "formula"  # one line of math
    STEPS = "steps"  # a derivation, one step per line
    OPTIONS = "options"  # option letters
    TEXT = "text"  # prose, marked by a person


RESPONSES = tuple(Response)


class PartType:
    name: str
    response: Response
    default_select: str | None = None  # option parts: "single" or "multiple"
    fields: dict = {}  # the type's own YAML fields, as JSON Schema (`parts/fields.py`)
    required: tuple = ()

    def build(self, template, spec, context, rng, path, part) -> None:
        """Fill the type's own fields of a variant's part (answers, options, rubric...) from its
        YAML `spec`, using the template's rendering and evaluation helpers."""

    def check(self, variant, part, answer) -> Verdict:
        raise NotImplementedError

    def own_answer(self, part) -> str:
        """The answer a perfect student types, in the form the checker reads."""
        return part.answer_text

    def misconception_answer(self, part, misconception) -> str:
        return misconception.text


class Computed(PartType):
    """A part whose key is computed from the drawn parameters, with misconceptions computed alike."""

    fields = COMPUTED
    required = ("answer",)

    def value(self, template, text, context, path, variables) -> tuple[object, str]:
        raise NotImplementedError

    def build(self, template, spec, context, rng, path, part) -> None:
        part.variables = Variables.declare(spec.get("variables", []), spec.get("assume", []))
        part.formula = str(spec["answer"])
        part.answer, part.answer_text = self.value(
            template, spec["answer"], context, path + ("answer",), part.variables
        )
        part.answer_latex = sp.latex(part.answer) if isinstance(part.answer, sp.Basic) else ""
        for j, m in enumerate(spec.get("misconceptions", [])):
            where = path + ("misconceptions", j)
            value, text = self.value(template, m["answer"], context, where + ("answer",), part.variables)
            part.misconceptions.append(template.misconception(m["name"], value, text, m["feedback"], context, where))


def numeric_symbols(variant) -> dict:
    """Parameters a student may type by name: only those the stem or a prompt shows as a symbol."""
    return {k: v for k, v in variant.context.items() if k in variant.shown and isinstance(v, sp.Basic) and v.is_number}


def student_symbols(variant, part) -> dict:
    """Declared variables, plus shown parameters by name (a student may write `beta` for 4)."""
    symbols = numeric_symbols(variant)
    if part.variables:
        symbols.update(part.variables.symbols)
    return symbols


def mistake_verdict(part, slips, matches) -> Verdict | None:
    """The recognised mistake the answer matches: the part's named misconceptions first, then the
    generic slips (`checking/slips.py`), as an incorrect verdict with that mistake's feedback. Where
    two named mistakes give this very value, both are said: naming one could tell a falsehood."""
    hits = [m for m in part.misconceptions if matches(m.value)]
    if len(hits) > 1:
        message = "incorrect: this answer is what more than one common mistake gives; one of these happened:"
        return _mistake(part, message, hits[0].name, [m.feedback for m in hits])
    if hits:
        return _mistake(part, f"incorrect: {hits[0].feedback}", hits[0].name, [hits[0].feedback])
    for slip, value in slips:
        if matches(value):
            return _mistake(part, f"incorrect: {slip.feedback}", f"slip:{slip.name}", [slip.feedback])
    return None


def _mistake(part, message, name, feedback) -> Verdict:
    return Verdict("incorrect", 0.0, part.points, message, misconception=name, feedback=feedback)
