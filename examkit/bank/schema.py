"""The question-file schema (JSON Schema), documented in docs/QUESTION_BANK.md.

Structure is checked here; meaning (names that resolve, answers that pass their own checker)
is checked by `examkit.bank.validate`.
"""

from ..parts import PART_TYPES
from ..parts.fields import MATH, NAME, NUMBER, POSITIVE, TEXT

PARAM = {
    "type": "object",
    "properties": {
        "uniform": {"type": "array", "items": NUMBER, "minItems": 2, "maxItems": 2},
        "decimals": {"type": "integer", "minimum": 0, "maximum": 6},
        "int": {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2},
        "step": POSITIVE,
        "choice": {"type": "array", "minItems": 1},
        "vector": {"type": "integer", "minimum": 1, "maximum": 16},
        "run": NAME,  # one cached reference run of this scenario (examkit/bank/runs.py)
    },
    "oneOf": [{"required": ["uniform"]}, {"required": ["int"]}, {"required": ["choice"]}, {"required": ["run"]}],
    "additionalProperties": False,
}

DERIVED = {
    "oneOf": [
        MATH,
        {
            "type": "object",
            "properties": {"fn": NAME, "args": {"type": "array"}},
            "required": ["fn", "args"],
            "additionalProperties": False,
        },
    ]
}

COMMON = {  # every part's fields; the rest belong to its type (examkit/parts/, `fields`)
    "id": NAME,
    "prompt": TEXT,
    "points": POSITIVE,
    "solution": TEXT,
    "hints": {"type": "array", "items": TEXT},
}


def _part_schema() -> dict:
    """Common fields, then each type's own: a field of another type is an error naming the type."""
    common = {**COMMON, "type": {"enum": list(PART_TYPES)}}
    properties = dict(common)
    for kind in PART_TYPES.values():
        properties.update(kind.fields)
    return {
        "type": "object",
        "properties": properties,
        "required": ["id", "type", "points"],
        "additionalProperties": False,
        "allOf": [
            {
                "if": {"properties": {"type": {"const": name}}, "required": ["type"]},
                "then": {"required": list(kind.required), "propertyNames": {"enum": [*common, *kind.fields]}},
            }
            for name, kind in PART_TYPES.items()
        ],
    }


FIGURE = {
    "type": "object",
    "properties": {
        "id": NAME,
        "kind": {"enum": ["curves", "scatter2d", "histogram"]},
        "title": TEXT,
        "caption": TEXT,
        "xlabel": TEXT,
        "ylabel": TEXT,
        "x": {"type": "array", "items": NUMBER, "minItems": 2, "maxItems": 2},
        "run": NAME,  # a `{run: ...}` parameter: the series below name that run's series
        "series": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "properties": {
                    "label": TEXT,
                    "x": NAME,
                    "y": MATH,
                    "values": NAME,
                    "noise": MATH,
                    "centers": MATH,
                    "spread": MATH,
                    "count": {"type": "integer", "minimum": 1, "maximum": 5000},
                },
                "required": ["label"],
                "additionalProperties": False,
            },
        },
        "logy": {"type": "boolean"},
    },
    "required": ["id", "kind", "title", "series"],
    "additionalProperties": False,
}


def question_schema() -> dict:
    """One question, with the part types registered now."""
    return {
        "type": "object",
        "properties": {
            "id": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_.-]*$"},
            "title": TEXT,
            "objectives": {"type": "array", "items": NAME, "minItems": 1},
            "covers": {"type": "array", "items": {"type": "string"}},
            "difficulty": {"enum": ["easy", "medium", "hard"]},
            "params": {"type": "object", "additionalProperties": PARAM, "propertyNames": NAME},
            "derived": {"type": "object", "additionalProperties": DERIVED, "propertyNames": NAME},
            "constraints": {"type": "array", "items": TEXT},
            "stem": TEXT,
            "figures": {"type": "array", "items": FIGURE},
            "parts": {"type": "array", "items": _part_schema(), "minItems": 1},
            "solution": TEXT,
            "hints": {"type": "array", "items": TEXT},
        },
        "required": ["id", "title", "objectives", "difficulty", "stem", "parts"],
        "additionalProperties": False,
    }


def question_file_schema() -> dict:
    return {
        "type": "object",
        "properties": {
            "topic": NAME,
            "title": TEXT,
            "section": TEXT,
            "questions": {"type": "array", "items": question_schema(), "minItems": 1},
        },
        "required": ["topic", "title", "questions"],
        "additionalProperties": False,
    }
