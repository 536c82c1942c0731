"""The question files an author is editing, as they are on disk now: each file is read again when
its content changed since the last request, so a saved edit shows without restarting the server,
and a file that does not load brings its problems (`file:line: message`) instead of an error."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from pathlib import Path

from ..bank.loader import load_file
from ..bank.sources import question_files


@dataclass(frozen=True)
class SourceFile:
    path: Path
    digest: str  # of the file's bytes: a change of content, whatever its timestamp says
    templates: list = field(default_factory=list)  # QuestionTemplate, in file order; none if it does not load
    problems: list = field(default_factory=list)  # why it does not load (YAML syntax, schema)

    @property
    def name(self) -> str:
        return self.path.name

    def template(self, qid: str):
        return next((t for t in self.templates if t.id == qid), None)


class Folder:
    """A folder of question files (or one file), previewed while it is written."""

    def __init__(self, path):
        self.path = Path(path)
        self._read: dict[Path, SourceFile] = {}
        self._lock = threading.Lock()  # requests run in threads; a file is parsed once per change

    def files(self) -> list[SourceFile]:
        """Every question file now in the folder, parsed again only where its bytes changed."""
        return [self._current(path) for path in question_files([self.path])]

    def file(self, name: str) -> SourceFile | None:
        return next((f for f in self.files() if f.name == name), None)

    def _current(self, path: Path) -> SourceFile:
        digest = _digest(path)
        with self._lock:
            known = self._read.get(path)
            if known is None or known.digest != digest:
                templates, problems, _ = load_file(path)
                known = self._read[path] = SourceFile(path, digest, templates, problems)
            return known


def _digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:  # removed or unreadable since the folder was listed: load_file says so
        return f"unreadable: {exc}"
