"""Reading question files into templates, with every error tied to `file:line`."""

from __future__ import annotations

import functools
from pathlib import Path

import jsonschema
import yaml

from ..errors import NotFound, did_you_mean
from ..parts import PART_TYPES
from .problems import BankError, Problem
from .schema import question_file_schema
from .schema_errors import schema_findings
from .sources import bank_sources
from .syllabus import load_syllabus
from .template import QuestionTemplate
from .yaml_errors import explain_syntax_error
from .yamlio import line_of, load_yaml


def _validator() -> jsonschema.Draft202012Validator:
    return _validator_for(tuple(PART_TYPES))


@functools.cache
def _validator_for(part_types: tuple) -> jsonschema.Draft202012Validator:
    """The schema for these registered part types, compiled once."""
    return jsonschema.Draft202012Validator(question_file_schema())


__all__ = ["Bank", "BankError", "Problem", "load_bank", "load_file", "load_syllabus", "read_templates"]


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
        return [], [Problem(name, *explain_syntax_error(exc, text))], None
    if tree is None:
        return [], [Problem(name, 1, "file is empty")], None
    validator = _validator()
    findings = schema_findings(validator.iter_errors(tree), tree, validator.schema)
    problems = sorted(
        (Problem(name, line_of(tree, list(f.path)), f"{f.where}: {f.message}") for f in findings),
        key=lambda p: p.line,
    )
    if problems:
        return [], problems, tree
    templates = [QuestionTemplate(q, name, tree["topic"]) for q in tree["questions"]]
    return templates, [], tree


class Bank:
    """All templates of a set of sources (`sources.py`), indexed by id, with their merged syllabus."""

    def __init__(self, templates, files, topic_titles=None, syllabus=None, sources=()):
        self.templates = {t.id: t for t in templates}
        self.files = files
        self.topic_titles = topic_titles or {}  # topic -> its file's title, e.g. vae -> Variational autoencoders
        self.syllabus = syllabus if syllabus is not None else {"objectives": {}, "items": {}}
        self.sources = list(sources)  # where the files came from (`sources.py`), for the exam manifest
        self._source_of_file = {str(f): s for s in self.sources for f in s.question_files()}

    def source_of(self, qid: str):
        """The source (the bundled bank, an own folder or file) question `qid` was read from."""
        return self._source_of_file[self.get(qid).path]

    def __iter__(self):
        return iter(self.templates.values())

    def __len__(self):
        return len(self.templates)

    def get(self, qid: str) -> QuestionTemplate:
        try:
            return self.templates[qid]
        except KeyError:
            raise NotFound(f"no question {qid!r} in the bank{did_you_mean(qid, self.templates)}") from None

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


def read_templates(files) -> tuple[list[QuestionTemplate], list[Problem], dict]:
    """Every template of these files once: (templates, problems, topic titles); an id met again is
    a problem naming both places."""
    templates, problems, seen, titles = [], [], {}, {}
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
    return templates, problems, titles


def load_bank(paths=None, bundled: bool = True) -> Bank:
    """The bundled bank (unless `bundled` is False) and these own files and folders, with their
    syllabus; raises BankError listing every structural problem, duplicate id and syllabus clash."""
    sources = bank_sources(paths, bundled)
    files = [f for s in sources for f in s.question_files()]
    templates, problems, titles = read_templates(files)
    try:
        syllabus = load_syllabus(sources)
    except BankError as exc:
        problems.extend(exc.problems)
    if problems:
        raise BankError(problems)
    return Bank(templates, files, titles, syllabus, sources)
