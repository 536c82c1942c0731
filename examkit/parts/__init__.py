"""Part types, one module each, and their registry.

A new part type is one module here (a `PartType` with its `response` kind and its YAML `fields`,
which `bank/schema.py` assembles into the question schema) plus one line below.
"""

from __future__ import annotations

from . import choice, derivation, expression, numeric, short
from .base import RESPONSES, PartType

PART_TYPES: dict[str, PartType] = {
    p.name: p for p in (numeric.PART, expression.PART, derivation.PART, choice.CHOICE, choice.DIAGNOSIS, short.PART)
}


def part_type(name: str) -> PartType:
    return PART_TYPES[name]


__all__ = ["PART_TYPES", "RESPONSES", "PartType", "part_type"]
