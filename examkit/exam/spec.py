"""The exam spec (YAML) and roster (CSV), validated with `file:line` errors."""

from __future__ import annotations

import csv
import datetime
from dataclasses import dataclass, field
from pathlib import Path

import jsonschema
import yaml

from ..bank.problems import Problem, Problems
from ..bank.yaml_errors import explain_syntax_error
from ..bank.yamlio import line_of, load_yaml

POOL = {
    "type": "object",
    "properties": {
        "ids": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        "topic": {"type": ["string", "array"]},
        "objective": {"type": ["string", "array"]},
        "difficulty": {"type": ["string", "array"]},
        "types": {"type": "array", "items": {"type": "string"}},
    },
    "additionalProperties": False,
}
SECTION = {
    "type": "object",
    "properties": {
        "title": {"type": "string"},
        "draw": {"type": "integer", "minimum": 1},
        "from": POOL,
        "points": {"type": "number", "exclusiveMinimum": 0},
        "shuffle_options": {"type": "boolean"},
    },
    "required": ["title", "draw", "from"],
    "additionalProperties": False,
}
SPEC = {
    "type": "object",
    "properties": {
        "title": {"type": "string"},
        "course": {"type": "string"},
        "date": {"type": ["string"]},
        "duration": {"type": "string"},
        "instructions": {"type": "string"},
        "master_seed": {"type": ["integer", "string"]},
        "versions": {"type": "integer", "minimum": 1, "maximum": 10000},
        "roster": {"type": "string"},
        "shuffle_questions": {"type": "boolean"},
        "sections": {"type": "array", "items": SECTION, "minItems": 1},
    },
    "required": ["title", "course", "master_seed", "sections"],
    "additionalProperties": False,
}
_VALIDATOR = jsonschema.Draft202012Validator(SPEC)


class SpecError(Problems):
    """An exam spec (or the roster it names) that cannot be used."""


@dataclass
class Section:
    title: str
    draw: int
    pool: dict
    points: float | None = None
    shuffle_options: bool = True
    line: int = 1  # of its entry in the spec, for messages


@dataclass
class Student:
    id: str
    name: str = ""
    email: str = ""  # optional roster columns: how an LMS knows the student (`gradebook.py`)
    username: str = ""
    line: int = 0  # of its row in the roster, for messages


@dataclass
class ExamSpec:
    title: str
    course: str
    master_seed: str
    sections: list
    date: str = ""
    duration: str = ""
    instructions: str = ""
    versions: int | None = None
    roster: str | None = None
    shuffle_questions: bool = False
    path: str = ""
    students: list = field(default_factory=list)


def load_spec(path) -> ExamSpec:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        tree = load_yaml(text)
    except OSError as exc:
        raise SpecError([Problem(str(path), 1, f"cannot read: {exc}")]) from None
    except yaml.YAMLError as exc:
        raise SpecError([Problem(str(path), *explain_syntax_error(exc, text))]) from None
    if not isinstance(tree, dict):
        raise SpecError([Problem(str(path), 1, "an exam spec is a mapping (title, course, sections, ...)")])
    if isinstance(tree.get("date"), datetime.date):  # date: 2026-12-14, unquoted, as people write it
        tree["date"] = tree["date"].isoformat()
    if isinstance(tree.get("duration"), (int, float)) and not isinstance(tree.get("duration"), bool):
        if tree["duration"] <= 0:
            raise SpecError([Problem(str(path), line_of(tree, ["duration"]), "duration must be more than 0 minutes")])
        tree["duration"] = f"{tree['duration']:g} minutes"  # duration: 90
    problems = [
        Problem(
            str(path),
            line_of(tree, list(e.absolute_path)),
            f"{'.'.join(map(str, e.absolute_path)) or 'top level'}: {e.message}",
        )
        for e in _VALIDATOR.iter_errors(tree)
    ]
    if problems:
        raise SpecError(problems)
    sections = [
        Section(
            s["title"],
            s["draw"],
            dict(s["from"]),
            s.get("points"),
            s.get("shuffle_options", True),
            line_of(tree, ["sections", i]),
        )  # fmt: skip
        for i, s in enumerate(tree["sections"])
    ]
    return ExamSpec(
        title=tree["title"],
        course=tree["course"],
        master_seed=str(tree["master_seed"]),
        sections=sections,
        date=str(tree.get("date", "")),
        duration=tree.get("duration", ""),
        instructions=tree.get("instructions", ""),
        versions=tree.get("versions"),
        roster=tree.get("roster"),
        shuffle_questions=tree.get("shuffle_questions", False),
        path=str(path),
    )


EMAIL_COLUMNS = ("email", "e-mail", "email address", "email_address")
USERNAME_COLUMNS = ("username", "user name", "user_name", "login", "login_id", "sis login id")


def load_roster(path) -> list[Student]:
    """CSV with a header: `student_id` (or `id`) and optional `name` (or `full name`, `fullname`,
    `student name`), `email` and `username` (or `login`): the LMS's identifiers, kept in the
    manifest for the gradebook files `exam grade` writes. Errors name the line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SpecError([Problem(str(path), 1, f"the roster is not UTF-8 text ({exc.reason} at byte {exc.start}): "
                                 "save it as CSV UTF-8 (Excel: Save As > CSV UTF-8)")]) from None  # fmt: skip
    except OSError as exc:
        raise SpecError([Problem(str(path), 1, f"cannot read roster: {exc}")]) from None
    reader = csv.DictReader(text.splitlines())
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    id_key = next((f for f in reader.fieldnames or [] if f.strip().lower() in ("student_id", "id", "sid")), None)
    if id_key is None:
        raise SpecError(
            [Problem(str(path), 1, f"roster needs a 'student_id' column (found: {', '.join(fields) or 'none'})")]
        )
    names = ("name", "full name", "full_name", "fullname", "student name", "student_name", "display name")
    name_key = next((f for f in reader.fieldnames if f.strip().lower() in names), None)
    email_key = next((f for f in reader.fieldnames if f.strip().lower() in EMAIL_COLUMNS), None)
    user_key = next((f for f in reader.fieldnames if f.strip().lower() in USERNAME_COLUMNS), None)
    if name_key is None and any("name" in f and f not in USERNAME_COLUMNS for f in fields):
        raise SpecError(
            [Problem(str(path), 1, f"which column is the name? call it 'name' (found: {', '.join(fields)})")]
        )
    students, seen, problems = [], {}, []
    for line, row in enumerate(reader, start=2):
        sid = (row.get(id_key) or "").strip()
        if not sid:
            problems.append(Problem(str(path), line, "empty student_id"))
            continue
        if sid in seen:
            problems.append(Problem(str(path), line, f"duplicate student_id {sid!r} (first on line {seen[sid]})"))
            continue
        seen[sid] = line
        name, email, username = ((row.get(key) or "").strip() if key else "" for key in (name_key, email_key, user_key))
        students.append(Student(sid, name, email, username, line))
    if problems:
        raise SpecError(problems)
    if not students:
        raise SpecError([Problem(str(path), 1, "roster has no students")])
    return students
