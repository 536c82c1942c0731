"""A size cap on a jail's scratch folder, enforced from outside the jail: a watcher thread measures
the folder every 0.1 s and kills the jail once it holds more than the quota (bytes on disk, or
entries: a million empty files fill a disk too). The same cap works under bubblewrap, without it,
and for an unprivileged user in a Gradescope container, where no tmpfs can be mounted."""

from __future__ import annotations

import os
import threading
from pathlib import Path

INTERVAL_S = 0.1


def usage(folder: Path, max_entries: int) -> tuple[int, int]:
    """(bytes on disk, entries) under `folder`, no symlink followed; stops counting past max_entries."""
    total, entries, stack = 0, 0, [str(folder)]
    while stack and entries <= max_entries:
        try:
            with os.scandir(stack.pop()) as it:
                for entry in it:
                    entries += 1
                    try:
                        st = entry.stat(follow_symlinks=False)
                    except OSError:
                        continue
                    total += st.st_blocks * 512
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
        except OSError:
            continue  # a folder the submission made unreadable is wiped from outside afterwards
    return total, entries


class ScratchQuota:
    """Watch `folder` while a jail runs; call `kill` (once) when it grows past the quota."""

    def __init__(self, folder: Path, max_mb: int, max_entries: int, kill):
        self.folder, self.max_bytes, self.max_entries, self.kill = folder, max_mb * 2**20, max_entries, kill
        self.max_mb = max_mb
        self.exceeded: str | None = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._done.set()
        self._thread.join(timeout=5)

    def _watch(self):
        while not self._done.wait(INTERVAL_S):
            size, entries = usage(self.folder, self.max_entries)
            if size > self.max_bytes or entries > self.max_entries:
                self.exceeded = (
                    f"the notebook wrote more than its {self.max_mb} MB scratch quota"
                    if size > self.max_bytes
                    else f"the notebook created more than {self.max_entries} files"
                ) + ": it was stopped"
                self.kill()
                return
