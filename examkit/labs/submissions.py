"""Who submitted what: files and folders as a TA has them (one file per student, Gradescope's
export `submission_1001/lab11.2_VAE.ipynb` with its `submission_metadata.yml`, Canvas's bulk
download `smithjohn_12345_67890_lab11.2_VAE.ipynb`), and an optional roster CSV."""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

SUFFIXES = (".ipynb", ".py")
SKIPPED_FOLDERS = {".ipynb_checkpoints", "__MACOSX", "__pycache__"}
# Canvas: login[_LATE]_userid_attachmentid_original-name (the name may itself contain underscores)
CANVAS = re.compile(r"^(?P<login>[a-z0-9]+?)(?:_LATE)?_(?P<user>\d+)_(?P<attachment>\d+)_(?P<rest>.+)$")


class SubmissionsError(ValueError):
    """The submissions cannot be told apart, or the roster does not read."""


@dataclass
class Submission:
    path: Path
    name: str  # unique in the batch: the output folder, and the key of grades.csv
    student: str = ""  # as the LMS shows the student
    canvas_id: str = ""  # Canvas's user id (the gradebook's ID column)
    sis_id: str = ""
    login: str = ""


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", text)[:100] or "submission"


def _files(root: Path) -> list[Path]:
    """Submission files under a folder, without following symlinks or reading hidden folders."""
    found = []
    for folder, subfolders, names in os.walk(root, followlinks=False):
        subfolders[:] = sorted(d for d in subfolders if d not in SKIPPED_FOLDERS and not d.startswith("."))
        found += [Path(folder) / n for n in sorted(names) if n.endswith(SUFFIXES) and not n.startswith(".")]
    return found


def _gradescope_metadata(root: Path) -> dict:
    """submission_1001 -> (name, sid, email) from Gradescope's export metadata, when present."""
    path = root / "submission_metadata.yml"
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise SubmissionsError(f"{path}: not readable YAML ({exc})") from None
    people = {}
    for key, entry in data.items() if isinstance(data, dict) else ():
        submitters = entry.get(":submitters") if isinstance(entry, dict) else None
        if isinstance(submitters, list) and submitters and isinstance(submitters[0], dict):
            first = submitters[0]
            people[str(key)] = (
                str(first.get(":name", "")),
                str(first.get(":sid", "") or ""),
                str(first.get(":email", "")),
            )
    return people


def collect(inputs) -> list[Submission]:
    """Every submission in the given files and folders (or Submissions already collected), each
    with a unique name."""
    found: list[Submission] = []
    for item in inputs:
        if isinstance(item, Submission):
            found.append(item)
            continue
        item = Path(item)
        if item.is_dir():
            people = _gradescope_metadata(item)
            for path in _files(item):
                found.append(_describe(path, item, people))
        else:
            found.append(_describe(item, item.parent, {}))
    names = [s.name for s in found]
    for s in found:
        if names.count(s.name) > 1:  # same file name in two folders: the folder tells them apart
            s.name = _safe(f"{s.path.parent.name}-{s.path.stem}")
    names = [s.name for s in found]
    clashes = sorted({n for n in names if names.count(n) > 1})
    if clashes:
        raise SubmissionsError(f"submissions cannot be told apart by name: {', '.join(clashes[:5])}")
    return found


def _describe(path: Path, root: Path, people: dict) -> Submission:
    relative = path.relative_to(root) if path.is_relative_to(root) else Path(path.name)
    top = relative.parts[0] if len(relative.parts) > 1 else ""
    if top.startswith("submission_"):  # Gradescope: one folder per submission
        name, sid, email = people.get(top, ("", "", ""))
        return Submission(path, _safe(top), student=name or top, sis_id=sid, login=email)
    m = CANVAS.match(path.name)
    if m:
        return Submission(
            path, _safe(f"{m['login']}_{m['user']}"), student=m["login"], canvas_id=m["user"], login=m["login"]
        )
    return Submission(path, _safe(path.stem), student=path.stem)


def apply_roster(submissions: list[Submission], roster: Path) -> None:
    """A roster CSV with a `file` (or `submission`) column and any of student, id, sis_id, login:
    the LMS's names for each student. A listed file that is not among the submissions is an error."""
    try:
        with open(roster, newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise SubmissionsError(f"{roster}: cannot read the roster ({exc})") from None
    if not rows or not ({"file", "submission"} & set(rows[0])):
        raise SubmissionsError(f"{roster}: needs a 'file' (or 'submission') column, and student / id / sis_id / login")
    by_key = {}
    for s in submissions:
        for key in (s.path.name, s.path.stem, s.name, s.canvas_id):
            if key:
                by_key.setdefault(key, s)
    for line, row in enumerate(rows, start=2):
        key = (row.get("file") or row.get("submission") or "").strip()
        s = by_key.get(key)
        if s is None:
            raise SubmissionsError(f"{roster}:{line}: no submission matches {key!r}")
        s.student = (row.get("student") or row.get("name") or s.student).strip()
        s.canvas_id = (row.get("id") or s.canvas_id).strip()
        s.sis_id = (row.get("sis_id") or s.sis_id).strip()
        s.login = (row.get("login") or s.login).strip()
