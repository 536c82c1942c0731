"""Where the bundled question bank and templates live, installed or in a source checkout, where
rebuildable files are cached, and the digest of the code that decides a cached file."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def bundled(name: str) -> Path:
    """`questions`, `templates` or `mocks`: inside the wheel, else beside the package (dev)."""
    for candidate in (_PACKAGE / "_bundled" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"bundled folder {name!r} not found; reinstall examkit")


def user_cache_dir() -> Path:
    """examkit's folder under the XDG cache directory (default ~/.cache/examkit): rebuildable files."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "examkit"


def code_digest(*parts: str) -> str:
    """A digest of the Python sources under `parts` (files or folders, relative to the folder that
    holds the examkit package): a cache keyed by it is never read by other code, and there is no
    version to bump by hand."""
    root = _PACKAGE.parent
    digest = hashlib.sha256()
    for part in parts:
        target = root / part
        for path in [target] if target.is_file() else sorted(target.rglob("*.py")):
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]
