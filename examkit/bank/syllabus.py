"""The syllabus: the checklist objectives and study-guide items questions serve (`objectives:`,
`covers:`). Each source folder may hold a `syllabus.yaml`; the bank's syllabus is all of them
merged, the bundled one first. A key defined again with the same text is the same objective; with
another text it is an error naming both places, since questions written for one would count for
the other."""

from __future__ import annotations

import yaml

from .problems import BankError, Problem
from .sources import bank_sources
from .yaml_errors import explain_syntax_error
from .yamlio import line_of, load_yaml

KINDS = {"objectives": "objective", "items": "study-guide item"}


def load_syllabus(sources=None) -> dict:
    """{"objectives": {key: text}, "items": {key: text}} of these sources (default: the bundled
    bank's); raises BankError naming every malformed entry and every clash."""
    merged = {kind: {} for kind in KINDS}
    first = {}  # (kind, key) -> where it was defined, "file:line"
    problems = []
    for source in bank_sources() if sources is None else sources:
        path = source.syllabus_file()
        if path is None:
            continue
        tree, found = _read(path)
        problems.extend(found)
        for kind, label in KINDS.items():
            for key, text in (tree.get(kind) or {}).items():
                where = f"{path}:{line_of(tree, [kind, key])}"
                if key not in merged[kind]:
                    merged[kind][key], first[kind, key] = text, where
                elif merged[kind][key] != text:
                    problems.append(Problem(str(path), line_of(tree, [kind, key]),
                                            f"{label} {key!r} is already defined differently in {first[kind, key]} "
                                            f"({merged[kind][key]!r}): give yours a key of its own"))  # fmt: skip
    if problems:
        raise BankError(problems)
    return merged


def _read(path) -> tuple[dict, list]:
    """The file's tree (empty where unusable) and its problems: only `objectives` and `items`,
    each a mapping of keys to one line of text."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return {}, [Problem(name, 1, f"cannot read the syllabus: {exc}")]
    try:
        tree = load_yaml(text)
    except yaml.YAMLError as exc:
        return {}, [Problem(name, *explain_syntax_error(exc, text))]
    if tree is None:
        return {}, []
    if not isinstance(tree, dict):
        return {}, [Problem(name, 1, "a syllabus is a mapping with `objectives:` and `items:`")]
    problems = [Problem(name, line_of(tree, [key]), f"unknown field {key!r} (a syllabus has objectives and items)")
                for key in tree if key not in KINDS]  # fmt: skip
    for kind in KINDS:
        entries = tree.get(kind)
        if entries is None:
            continue
        if not isinstance(entries, dict):
            problems.append(Problem(name, line_of(tree, [kind]), f"{kind}: a mapping of key: description"))
            continue
        for key, text in entries.items():
            if not isinstance(key, str) or not isinstance(text, str):
                problems.append(Problem(name, line_of(tree, [kind, key]), f"{kind}.{key}: write key: description"))
    return ({} if problems else tree), problems
