"""Reading files that untrusted code could have made: submissions, and what a jail wrote."""

from __future__ import annotations

import os
import stat
from pathlib import Path


def read_capped(path: Path, limit: int) -> bytes | None:
    """A file the jail wrote, if it is a regular file of at most `limit` bytes: opened without
    following a symlink (a result linked to /proc/self/mem or a FIFO is refused, never read)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(limit + 1)
        return data if len(data) <= limit else None
    except OSError:
        return None
    finally:
        os.close(fd)
