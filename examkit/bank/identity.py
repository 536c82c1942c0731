"""A variant's identity: everything that decides what a student saw.

(question id, seed) fixes the drawn numbers; an exam may also fix the option order (a section with
`shuffle_options: false`) and scale the points. Exams record the whole identity in the manifest, and
every consumer that rebuilds a variant (exam grading, the drill's ID@SEED, the exports and keys
through the assembled exam) goes through `realize`, so a key can never be graded against a variant
the student did not see.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from ..parts.choice import LETTERS
from .points import split_points
from .template import TemplateError


@dataclass(frozen=True)
class VariantIdentity:
    qid: str
    seed: int | str
    # part id -> the options' stable keys in the order printed (A, B, ...); None: the variant's own shuffle
    option_order: dict | None = None
    # part id -> points as printed; None: the bank's points
    points: dict | None = None

    def to_json(self) -> dict:
        data = {"qid": self.qid, "seed": self.seed}
        if self.option_order:
            data["option_order"] = {pid: list(keys) for pid, keys in self.option_order.items()}
        if self.points:
            data["points"] = dict(self.points)
        return data

    @classmethod
    def from_json(cls, data: dict) -> VariantIdentity:
        order = data.get("option_order")
        return cls(
            data["qid"],
            data["seed"],
            {pid: tuple(keys) for pid, keys in order.items()} if order else None,
            dict(data["points"]) if data.get("points") else None,
        )


def identity_of(variant) -> VariantIdentity:
    """The identity of a variant as it stands (after any reordering or scaling)."""
    order = {p.id: tuple(o.key for o in p.options) for p in variant.parts if p.options}
    return VariantIdentity(variant.qid, variant.seed, order or None, {p.id: p.points for p in variant.parts})


def template_digest(template) -> str:
    """Changes whenever the template's YAML entry changes (text, parameters, answers, options)."""
    canonical = json.dumps(template.data, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def realize(bank, identity: VariantIdentity):
    """The variant the student saw: drawn from (qid, seed), options put in the recorded order and
    relettered, points set as printed."""
    return apply_identity(bank.get(identity.qid).variant(identity.seed), identity)


def apply_identity(variant, identity: VariantIdentity):
    """Put a freshly drawn variant of (qid, seed) into the recorded option order and points."""
    for part in variant.parts:
        if identity.option_order and part.id in identity.option_order:
            _reorder(variant.qid, part, identity.option_order[part.id])
        if identity.points and part.id in identity.points and part.points != identity.points[part.id]:
            part.points = identity.points[part.id]
            if part.rubric:  # the rubric is scaled with its part, so the marker's points add up
                shares = split_points([r["points"] for r in part.rubric], part.points)
                part.rubric = [{**r, "points": share} for r, share in zip(part.rubric, shares)]
    return variant


def fixed_order(variant) -> dict:
    """The options in the bank's own order (for sections that do not shuffle options)."""
    return {p.id: tuple(sorted((o.key for o in p.options), key=int)) for p in variant.parts if p.options}


def _reorder(qid, part, keys):
    by_key = {o.key: o for o in part.options}
    if sorted(by_key) != sorted(keys):
        raise TemplateError(f"question {qid} part {part.id}: the recorded options no longer match the bank's")
    part.options = [by_key[k] for k in keys]
    for letter, option in zip(LETTERS, part.options):
        option.letter = letter
    part.answer = [o.letter for o in part.options if o.correct]
    part.answer_text = ", ".join(part.answer)
