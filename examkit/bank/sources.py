"""Where a bank's questions come from: the bundled bank, then the instructor's own files and
folders (`--bank`), each a `Source`. A folder is read the same way whoever wrote it: its `*.yaml`
question files and, if it has one, its `syllabus.yaml`. An exam's manifest records each source
and its digest, so `exam grade` finds the folders again (`exam/rebuild.py`)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from .. import resources
from ..errors import UsageError

SYLLABUS_FILE = "syllabus.yaml"


@dataclass(frozen=True)
class Source:
    path: Path  # a folder, or one question file
    bundled: bool = False

    def question_files(self) -> list[Path]:
        if self.path.is_dir():
            return sorted(f for f in self.path.glob("*.yaml") if f.name != SYLLABUS_FILE)
        return [self.path]

    def syllabus_file(self) -> Path | None:
        """The folder's syllabus.yaml; a single file's is its folder's, so a question validated or
        previewed alone keeps the objectives it was written for."""
        found = (self.path if self.path.is_dir() else self.path.parent) / SYLLABUS_FILE
        return found if found.is_file() else None

    def digest(self) -> str:
        """Of its question files and syllabus, names and bytes: another folder's, or the same
        folder edited, gives another digest."""
        h = hashlib.sha256()
        for f in self.question_files() + [s for s in [self.syllabus_file()] if s]:
            h.update(f.name.encode() + b"\0")
            h.update(f.read_bytes() if f.is_file() else b"(missing)")
            h.update(b"\0")
        return h.hexdigest()[:16]

    def __str__(self) -> str:
        return "the bundled bank" if self.bundled else str(self.path)


def bundled_folder() -> Path:
    return resources.bundled("questions")


def bank_sources(paths=None, bundled: bool = True) -> list[Source]:
    """The bundled bank (unless left out), then each own file or folder once, in the order given.
    A path that is the bundled folder or a file in it is the bundled bank itself, not a second copy
    (`--bank questions` in a clone, as examkit once needed, still works)."""
    home = bundled_folder().resolve()
    found = [Source(bundled_folder(), bundled=True)] if bundled else []
    seen = {home} if bundled else set()
    for path in map(Path, paths or []):
        if not path.exists():
            raise UsageError(f"{path}: no such question file or folder")
        where = path.resolve()
        if where in seen or (bundled and where.parent == home):
            continue
        seen.add(where)
        found.append(Source(path))
    if not found:
        raise UsageError("no question bank: the bundled bank is left out (--no-bundled) and no --bank is given")
    return found


def question_files(paths=None) -> list[Path]:
    """The question files of these files and folders (default: the bundled bank's)."""
    sources = [Source(Path(p)) for p in paths] if paths else bank_sources()
    return [f for s in sources for f in s.question_files()]
