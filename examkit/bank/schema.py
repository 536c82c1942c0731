"""The question-file schema (JSON Schema), documented in docs/QUESTION_BANK.md.

Structure is checked here; meaning (names that resolve, answers that pass their own checker)
is checked by `examkit.bank.validate`.
"""

from ..parts import PART_TYPES

NAME = {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9_]*$"}
TEXT = {"type": "string", "minLength": 1}
NUMBER = {"type": "number"}
MATH = {"type": ["string", "number"]}

PARAM = {
    "type": "object",
    "properties": {
        "uniform": {"type": "array", "items": NUMBER, "minItems": 2, "maxItems": 2},
        "decimals": {"type": "integer", "minimum": 0, "maximum": 6},
        "int": {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2},
        "step": {"type": "number", "exclusiveMinimum": 0},
        "choice": {"type": "array", "minItems": 1},
        "vector": {"type": "integer", "minimum": 1, "maximum": 16},
    },
    "oneOf": [{"required": ["uniform"]}, {"required": ["int"]}, {"required": ["choice"]}],
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

MISCONCEPTION = {
    "type": "object",
    "properties": {"name": NAME, "answer": MATH, "feedback": TEXT},
    "required": ["name", "answer", "feedback"],
    "additionalProperties": False,
}

OPTION = {
    "type": "object",
    "properties": {
        "text": TEXT,
        "correct": {"type": ["boolean", "string"]},
        "feedback": TEXT,
        "role": {"enum": ["cause", "fix", "symptom", "other"]},
        "when": TEXT,
    },
    "required": ["text", "correct", "feedback"],
    "additionalProperties": False,
}


PART = {
    "type": "object",
    "properties": {
        "id": NAME,
        "type": {"enum": list(PART_TYPES)},  # the registry in examkit/parts/
        "prompt": TEXT,
        "points": {"type": "number", "exclusiveMinimum": 0},
        "answer": MATH,
        "unit": TEXT,
        "tolerance": {
            "type": "object",
            "properties": {"abs": NUMBER, "rel": NUMBER, "sigfigs": {"type": "integer", "minimum": 1, "maximum": 10}},
            "additionalProperties": False,
            "minProperties": 1,
        },
        "variables": {"type": "array", "items": NAME},
        "dimension": NAME,  # the parameter counting what the answer sums or averages (mean/sum slips)
        "assume": {"type": "array", "items": TEXT},
        "start": MATH,
        "unknown": NAME,
        "steps": {"type": "array", "items": MATH, "minItems": 1},
        "select": {"enum": ["single", "multiple"]},
        "partial": {"enum": ["all_or_nothing", "right_minus_wrong", "per_option"]},
        "sample": {"type": "integer", "minimum": 2},
        "shuffle": {"type": "boolean"},
        "options": {"type": "array", "items": OPTION, "minItems": 2},
        "rubric": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"points": NUMBER, "criterion": TEXT},
                "required": ["points", "criterion"],
                "additionalProperties": False,
            },
            "minItems": 1,
        },
        "model_answer": TEXT,
        "solution": TEXT,
        "hints": {"type": "array", "items": TEXT},
        "misconceptions": {"type": "array", "items": MISCONCEPTION},
        "lines": {"type": "integer", "minimum": 0, "maximum": 40},
    },
    "required": ["id", "type", "points"],
    "additionalProperties": False,
    "allOf": [
        {"if": {"properties": {"type": {"enum": ["numeric", "expression"]}}}, "then": {"required": ["answer"]}},
        {"if": {"properties": {"type": {"const": "derivation"}}}, "then": {"required": ["answer", "start", "steps"]}},
        {"if": {"properties": {"type": {"enum": ["choice", "diagnosis"]}}}, "then": {"required": ["options"]}},
        {"if": {"properties": {"type": {"const": "short"}}}, "then": {"required": ["rubric", "model_answer"]}},
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
        "series": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "properties": {
                    "label": TEXT,
                    "y": MATH,
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

QUESTION = {
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
        "parts": {"type": "array", "items": PART, "minItems": 1},
        "solution": TEXT,
        "hints": {"type": "array", "items": TEXT},
    },
    "required": ["id", "title", "objectives", "difficulty", "stem", "parts"],
    "additionalProperties": False,
}

QUESTION_FILE = {
    "type": "object",
    "properties": {
        "topic": NAME,
        "title": TEXT,
        "section": TEXT,
        "questions": {"type": "array", "items": QUESTION, "minItems": 1},
    },
    "required": ["topic", "title", "questions"],
    "additionalProperties": False,
}
