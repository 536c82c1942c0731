"""Part types, one module each, and their registry.

A new part type is one module here (a `PartType` with its `response` kind and its YAML `fields`,
which `bank/schema.py` assembles into the question schema) plus one line below; a type defined
elsewhere (a course's own) joins with `register`.
"""

from __future__ import annotations

from . import choice, derivation, expression, numeric, short
from .base import RESPONSES, PartType

PART_TYPES: dict[str, PartType] = {
    p.name: p for p in (numeric.PART, expression.PART, derivation.PART, choice.CHOICE, choice.DIAGNOSIS, short.PART)
}


def part_type(name: str) -> PartType:
    return PART_TYPES[name]


def register(kind: PartType) -> PartType:
    """Add a part type: the question schema, checking, exports, sheets and pages take it from here."""
    if kind.response not in RESPONSES:
        raise ValueError(f"part type {kind.name!r}: response must be one of {', '.join(RESPONSES)}")
    PART_TYPES[kind.name] = kind
    return kind


def unregister(name: str) -> None:
    PART_TYPES.pop(name, None)


__all__ = ["PART_TYPES", "RESPONSES", "PartType", "part_type", "register", "unregister"]
