"""JSON Schema pieces the part types declare their fields with (their slice of `bank/schema.py`)."""

NAME = {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9_]*$"}
TEXT = {"type": "string", "minLength": 1}
NUMBER = {"type": "number"}
MATH = {"type": ["string", "number"]}
LINES = {"type": "integer", "minimum": 0, "maximum": 40}

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

POSITIVE = {"type": "number", "exclusiveMinimum": 0}

TOLERANCE = {  # positive: a zero or negative width would refuse even the key as printed
    "type": "object",
    "properties": {"abs": POSITIVE, "rel": POSITIVE, "sigfigs": {"type": "integer", "minimum": 1, "maximum": 10}},
    "additionalProperties": False,
    "minProperties": 1,
}

COMPUTED = {  # a key computed from the drawn parameters, with misconceptions computed alike
    "answer": MATH,
    "variables": {"type": "array", "items": NAME},
    "assume": {"type": "array", "items": TEXT},
    "dimension": NAME,  # the parameter counting what the answer sums or averages (mean/sum slips)
    "misconceptions": {"type": "array", "items": MISCONCEPTION},
}
