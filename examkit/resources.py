"""Where the bundled question bank and templates live, installed or in a source checkout."""

from __future__ import annotations

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
