"""Reading question files into templates, with every error tied to `file:line`."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import yaml

from ..errors import NotFound
from ..parts import PART_TYPES
from ..resources import bundled
from .schema import question_file_schema
from .template import QuestionTemplate
from .yamlio import line_of, load_yaml


def _validator() -> jsonschema.Draft202012Validator:
    return _validator_for(tuple(PART_TYPES))


@functools.cache
def _validator_for(part_types: tuple) -> jsonschema.Draft202012Validator:
    """The schema for these registered part types, compiled once."""
    return jsonschema.Draft202012Validator(question_file_schema())


SYLLABUS_FILE = "syllabus.yaml"


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self):
        return f"{self.file}:{self.line}: {self.message}"


class BankError(Exception):
    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def load_file(path) -> tuple[list[QuestionTemplate], list[Problem], object]:
    """Parse and schema-check one question file; returns (templates, problems, raw tree)."""
    path = Path(path)
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [Problem(name, 1, f"cannot read file: {exc}")], None
    try:
        tree = load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else 1
        detail = getattr(exc, "problem", None) or str(exc)
        return [], [Problem(name, line, f"YAML syntax error: {detail}")], None
    if tree is None:
        return [], [Problem(name, 1, "file is empty")], None
    problems = []
    for err in sorted(_validator().iter_errors(tree), key=lambda e: list(map(str, e.absolute_path))):
        where = ".".join(str(p) for p in err.absolute_path) or "top level"
        problems.append(Problem(name, line_of(tree, list(err.absolute_path)), f"{where}: {_message(err)}"))
    if problems:
        return [], problems, tree
    templates = [QuestionTemplate(q, name, tree["topic"]) for q in tree["questions"]]
    return templates, [], tree


def _message(err) -> str:
    if err.validator == "additionalProperties":
        return err.message.replace("Additional properties are not allowed", "unknown field(s)")
    if err.validator == "enum" and err.relative_schema_path and "propertyNames" in err.relative_schema_path:
        return f"field {err.instance!r} does not belong to this type of part (its fields: {', '.join(err.validator_value)})"
    if err.validator == "exclusiveMinimum":  # points, a step, a tolerance: 0 or less
        return f"{err.instance!r} must be greater than {err.validator_value!r}"
    if err.validator in ("oneOf", "anyOf"):
        return "value matches none of the allowed forms (see docs/QUESTION_BANK.md)"
    return err.message


def question_files(paths=None) -> list[Path]:
    if not paths:
        paths = [bundled("questions")]
    files = []
    for p in map(Path, paths):
        if p.is_dir():
            files.extend(sorted(f for f in p.glob("*.yaml") if f.name != SYLLABUS_FILE))
        else:
            files.append(p)
    return files


class Bank:
    """All templates of a set of files, indexed by id."""

    def __init__(self, templates, files, topic_titles=None):
        self.templates = {t.id: t for t in templates}
        self.files = files
        self.topic_titles = topic_titles or {}  # topic -> its file's title, e.g. vae -> Variational autoencoders

    def __iter__(self):
        return iter(self.templates.values())

    def __len__(self):
        return len(self.templates)

    def get(self, qid: str) -> QuestionTemplate:
        try:
            return self.templates[qid]
        except KeyError:
            close = [k for k in self.templates if qid in k or k in qid][:5]
            hint = f" (did you mean: {', '.join(close)}?)" if close else ""
            raise NotFound(f"no question {qid!r} in the bank{hint}") from None

    def select(self, topic=None, objective=None, difficulty=None, ids=None):
        return [
            t
            for t in self
            if (topic is None or t.topic == topic)
            and (objective is None or objective in t.objectives)
            and (difficulty is None or t.difficulty == difficulty)
            and (ids is None or t.id in ids)
        ]

    @property
    def topics(self):
        return sorted({t.topic for t in self})


def load_bank(paths=None) -> Bank:
    """Load templates; raises BankError listing every structural problem and duplicate id."""
    templates, problems, seen, titles = [], [], {}, {}
    files = question_files(paths)
    for f in files:
        found, errs, tree = load_file(f)
        problems.extend(errs)
        if found:
            titles[tree["topic"]] = tree["title"]
        for t in found:
            if t.id in seen:
                problems.append(Problem(t.path, t.line, f"duplicate question id {t.id!r} (first in {seen[t.id]})"))
            else:
                seen[t.id] = f"{t.path}:{t.line}"
                templates.append(t)
    if problems:
        raise BankError(problems)
    return Bank(templates, files, titles)


def load_syllabus(path=None):
    path = Path(path) if path else bundled("questions") / SYLLABUS_FILE
    return load_yaml(path.read_text(encoding="utf-8"))
