"""Schema errors in words: each mistake once, at the line of the key at fault, with the fix.

jsonschema says which rule failed on which object ("Additional properties are not allowed", "is not
valid under any of the given schemas"); an author needs the key that is wrong, its line, and what
was meant. So an unknown field is reported at its own line with the field it most likely misspells,
or, when it is a field of another level (a `misconceptions:` block dedented out of its part), with
the level it belongs to; a oneOf descends to the branch the value was meant for; and one slip that
breaks two rules (a misspelt field is also a missing one) is said once.
"""

from __future__ import annotations

from dataclasses import dataclass

import jsonschema

from ..errors import close_matches, did_you_mean
from ..parts import PART_TYPES
from .schema import COMMON

# How deep each kind of object sits, and the kind each container holds: a key of the wrong kind is
# said to be indented too little or too much.
_DEPTH = {"file": 0, "question": 1, "part": 2, "parameter": 2, "derived value": 2, "figure": 2}
_DEPTH |= {"misconception": 3, "option": 3, "tolerance": 3, "series": 3}
_HOLDS = {
    ("file", "questions"): "question",
    ("question", "parts"): "part",
    ("question", "params"): "parameter",
    ("question", "derived"): "derived value",
    ("question", "figures"): "figure",
    ("figure", "series"): "series",
    ("part", "misconceptions"): "misconception",
    ("part", "options"): "option",
    ("part", "rubric"): "rubric item",
}
_DIRECT = {("part", "tolerance"): "tolerance"}  # a field that is itself an object, not a container


@dataclass(frozen=True)
class Finding:
    path: tuple  # to the key at fault (its line is the problem's line)
    message: str
    subject: tuple  # what it is about: one slip two rules catch has one subject, said once
    rank: int = 0  # of two findings on one subject, the lower rank is said

    @property
    def where(self) -> str:
        """The object it is in, as a dotted path (`questions.0.parts.1`); the message names the key."""
        place = self.path[:-1] if self.subject[0] == "field" else self.path
        return ".".join(str(p) for p in place) or "top level"


def schema_findings(errors, tree, schema) -> list[Finding]:
    """Each mistake once, in file order: `errors` from a validator of `schema` over `tree`."""
    fields = _fields_by_kind(schema)
    found: dict[tuple, Finding] = {}
    for err in errors:
        for reason in _reasons(err):
            for finding in _findings(reason, tree, fields):
                kept = found.get(finding.subject)
                if kept is None or finding.rank < kept.rank:
                    found[finding.subject] = finding
    return [f for f in found.values() if not _explained_elsewhere(f, found.values())]


def _reasons(err) -> list:
    """The errors that say why: a oneOf/anyOf descends into the branch the value was meant for
    (the branches whose type the value has), or stays itself when no branch or several fit."""
    if err.validator not in ("oneOf", "anyOf") or not err.context:
        return [err]
    branches: dict = {}
    for sub in err.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    fitting = [subs for subs in branches.values() if not any(_wrong_type(s) for s in subs)]
    if len(fitting) == 1:
        return [reason for sub in fitting[0] for reason in _reasons(sub)]
    if len(fitting) > 1 and not all(s.validator == "required" for subs in fitting for s in subs):
        return _reasons(jsonschema.exceptions.best_match(s for subs in fitting for s in subs))
    return [err]


def _wrong_type(err) -> bool:
    return err.validator == "type" and not err.relative_path


def _findings(err, tree, fields):
    path = tuple(err.absolute_path)
    kind = kind_at(path)
    if err.validator == "additionalProperties":
        allowed = set(err.schema.get("properties", {}))
        meant = _part_fields(err.instance) if kind == "part" else allowed
        for key in err.instance:
            if key not in allowed:
                yield Finding(path + (key,), _unknown_field(key, kind, meant, fields), ("field", path, key))
    elif err.validator == "enum" and "propertyNames" in err.relative_schema_path:
        key = err.instance
        part_type = _node(tree, path).get("type")
        message = _other_types_field(key, part_type, err.validator_value)
        yield Finding(path + (key,), message, ("field", path, key), rank=1)
    elif err.validator == "enum":
        message = f"{err.instance!r} is not one of {err.validator_value}"
        if isinstance(err.instance, str):
            message += did_you_mean(err.instance, [v for v in err.validator_value if isinstance(v, str)])
        yield Finding(path, message, ("value", path))
    elif err.validator == "required":
        missing = err.message.split("'")[1] if "'" in err.message else ""
        yield Finding(path, f"{err.message} of a {kind}", ("required", path, missing))
    elif err.validator in ("oneOf", "anyOf"):
        yield Finding(path, _no_form(err), ("form", path))
    elif err.validator == "type" and _text_split_by_colon(err):
        yield Finding(path, _COLON_TEXT, ("value", path))
    elif err.validator == "exclusiveMinimum":  # points, a step, a tolerance: 0 or less
        yield Finding(path, f"{err.instance!r} must be greater than {err.validator_value!r}", ("value", path))
    else:
        yield Finding(path, err.message, ("value", path, err.validator))


def _unknown_field(key, kind, allowed, fields) -> str:
    """A field of another level (the nearest such level) is misplaced; else the field it misspells."""
    depth = _DEPTH.get(kind, 0)
    homes = sorted(
        (h for h, names in fields.items() if key in names and h != kind), key=lambda h: abs(_DEPTH[h] - depth)
    )
    if homes:
        home = homes[0]
        offset = _DEPTH[home] - depth
        direction = " (indented too little?)" if offset > 0 else " (indented too much?)" if offset < 0 else ""
        return f"{key!r} is a field of a {home}, not of a {kind}: move it into its {home}{direction}"
    if close_matches(key, allowed):
        return f"unknown field {key!r} in a {kind}{did_you_mean(key, allowed)}"
    return f"unknown field {key!r} in a {kind} (its fields: {', '.join(sorted(allowed))})"


def _part_fields(part) -> set:
    """The fields a part of its type may have (all parts' fields while its type is unknown)."""
    kinds = [PART_TYPES[part["type"]]] if part.get("type") in PART_TYPES else PART_TYPES.values()
    return set(COMMON) | {"type"} | {f for kind in kinds for f in kind.fields}


def _other_types_field(key, part_type, allowed) -> str:
    """A field of a part type other than this part's (`tolerance` on a choice part)."""
    owners = [name for name, kind in PART_TYPES.items() if key in kind.fields]
    belongs = f"; it belongs to {' and '.join(owners)} parts" if owners else did_you_mean(key, allowed)
    return (
        f"field {key!r} does not belong to this type of part ({part_type}){belongs} (its fields: {', '.join(allowed)})"
    )


def _no_form(err) -> str:
    """A oneOf/anyOf no single branch explains: a choice between required keys, or between types."""
    branches = err.validator_value
    if all(set(b) == {"required"} for b in branches):
        names = ", ".join(b["required"][0] for b in branches)
        if err.validator == "oneOf" and not err.context:  # more than one branch holds
            return f"gives more than one of: {names}; give exactly one"
        return f"needs {'exactly' if err.validator == 'oneOf' else 'at least'} one of: {names}"
    kinds = []
    for branch in branches:
        types = branch.get("type", "object")
        kinds.extend(types if isinstance(types, list) else [types])
    shown = ", ".join(dict.fromkeys(kinds))
    return f"should be one of these kinds of value: {shown} (see docs/QUESTION_BANK.md)"


_COLON_TEXT = "text expected, but an unquoted ': ' made this a `key: value` pair: put the whole text in quotes"


def _text_split_by_colon(err) -> bool:
    """Text like `- Compute the KL: in nats` that YAML read as a one-key mapping."""
    wanted = err.validator_value if isinstance(err.validator_value, list) else [err.validator_value]
    return "string" in wanted and isinstance(err.instance, dict) and len(err.instance) == 1


def _explained_elsewhere(finding, findings) -> bool:
    """A finding another one already explains: a missing field or form that an unknown field in the
    same place (or a misplaced one above or below) accounts for (`tolerence` is not also 'tolerance
    is missing', `integer` not also 'needs one of int, ...', a dedented `answer:` not also 'answer is
    missing'), and any error inside a field that does not belong where it is."""
    kind = finding.subject[0]
    fields = [other for other in findings if other.subject[0] == "field"]
    if kind == "field":
        return False
    if kind not in ("required", "form"):
        return any(f.path == finding.path or _within(f.path, finding.path) for f in fields)
    path = finding.subject[1]
    for other in fields:
        place, key = other.subject[1], other.subject[2]
        if kind == "form" and place == path:
            return True
        if kind == "required":
            missing = finding.subject[2]
            misspelt = place == path and missing in close_matches(key, [missing])
            misplaced = key == missing and (place == path or _within(place, path) or _within(path, place))
            if misspelt or misplaced:
                return True
    return False


def _within(outer, inner) -> bool:
    """Whether path `inner` lies strictly inside path `outer`."""
    return len(outer) < len(inner) and tuple(inner[: len(outer)]) == tuple(outer)


def kind_at(path) -> str:
    """What the object at a schema path is: file, question, part, parameter, misconception..."""
    kind, held = "file", None
    for key in path:
        if held:
            kind, held = held, None
        elif (kind, key) in _DIRECT:
            kind = _DIRECT[(kind, key)]
        else:
            held = _HOLDS.get((kind, key))
            if held is None:
                return "value"
    return kind if held is None else "list"


def _fields_by_kind(schema) -> dict:
    """{kind: its field names}, read from the schema itself (one home for what a field is)."""
    question = schema["properties"]["questions"]["items"]
    part = question["properties"]["parts"]["items"]
    figure = question["properties"]["figures"]["items"]
    return {
        "file": set(schema["properties"]),
        "question": set(question["properties"]),
        "part": _part_fields({}),
        "parameter": set(question["properties"]["params"]["additionalProperties"]["properties"]),
        "figure": set(figure["properties"]),
        "series": set(figure["properties"]["series"]["items"]["properties"]),
        "misconception": set(part["properties"]["misconceptions"]["items"]["properties"]),
        "option": set(part["properties"]["options"]["items"]["properties"]),
        "tolerance": set(part["properties"]["tolerance"]["properties"]),
    }


def _node(tree, path):
    for key in path:
        tree = tree[key]
    return tree
