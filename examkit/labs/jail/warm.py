"""A warm jail for batch grading: one bubblewrap jail per worker whose zygote (inside/zygote.py)
has torch, matplotlib and the digits loaded, and forks each notebook into its own user and PID
namespace. Starting Python and importing torch per notebook cost more than grading it.

Between notebooks the scratch folder is wiped from outside. A jail that dies or stops answering is
killed and the next notebook starts a fresh one. Where the kernel refuses nested namespaces the
jail reports it at start-up and the caller falls back to one jail per notebook (runner.run_probes).

A process that grades batch after batch (the Python API, a notebook, the test suite) borrows its
jails and gives them back: a live zygote is kept for the next batch instead of starting again
(2.5 s each). Nothing of a submission outlives its notebook's namespace and the wiped scratch, so a
kept zygote is as clean between batches as it is between notebooks.
"""

from __future__ import annotations

import atexit
import json
import os
import queue
import shutil
import stat
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..extract import Extracted
from .quota import ScratchQuota
from .runner import RunOutput, collect, copy_harness, jail_settings
from .sandbox import Limits, kill_group, kill_jail, read_capped_in_background, spawn_jailed

START_TIMEOUT_S = 120
REPLY_GRACE_S = 15  # beyond the notebook's own deadline, which the jail enforces itself
# bubblewrap's --die-with-parent is PR_SET_PDEATHSIG, which fires when the *thread* that started the
# jail ends: a batch's worker thread would take its zygote with it. Jails are started from this one
# thread, which lives as long as the process (and so do they, at most).
_SPAWNER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="examkit-jail-spawner")


class WarmJailUnavailable(RuntimeError):
    pass


def _wipe(folder: Path):
    """Empty a folder a submission wrote to: no symlink is followed, locked-down modes are undone."""

    def unlock(func, path, _):
        try:
            os.chmod(os.path.dirname(path), stat.S_IRWXU)
            if os.path.isdir(path) and not os.path.islink(path):
                os.chmod(path, stat.S_IRWXU)
            func(path)
        except OSError:
            pass

    for entry in list(folder.iterdir()):
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, onerror=unlock)
        else:
            try:
                entry.unlink()
            except OSError:
                pass


def _lines(stream, sink: queue.Queue, limit=1 << 20):
    """The zygote's replies, one JSON line each; a line over `limit` bytes is dropped."""
    for line in iter(lambda: stream.readline(limit), b""):
        sink.put(line)
    sink.put(None)


class WarmJail:
    def __init__(self, limits: Limits = Limits(), notebook_timeout: float = 120):
        self.limits, self.notebook_timeout = limits, notebook_timeout
        self.folder = Path(tempfile.mkdtemp(prefix="examkit-warm-"))
        self.scratch = self.folder / "scratch"
        self.scratch.mkdir()
        self.harness = copy_harness(self.folder)
        self.proc = None

    def _start(self):
        _wipe(self.scratch)
        extra_ro, env = jail_settings()
        spawning = _SPAWNER.submit(
            spawn_jailed,
            [sys.executable, "/harness/harness.py", "--serve"],
            self.scratch,
            self.harness,
            limits=self.limits,
            extra_ro=extra_ro,
            env=env,
        )
        self.proc, self.cgroup = spawning.result()
        read_capped_in_background(self.proc.stderr, self.limits.output_kb * 1024)
        self.replies = queue.Queue()
        threading.Thread(target=_lines, args=(self.proc.stdout, self.replies), daemon=True).start()
        ready = self._reply(START_TIMEOUT_S)
        if not (isinstance(ready, dict) and ready.get("ready") is True):
            self._stop()
            raise WarmJailUnavailable("the warm jail could not start notebooks in their own namespaces")

    def _reply(self, timeout):
        try:
            line = self.replies.get(timeout=timeout)
        except queue.Empty:
            return None
        try:
            return json.loads(line) if line is not None else None
        except ValueError:
            return None

    def _stop(self):
        if self.proc is not None:
            kill_jail(self.proc, self.cgroup)
            self.proc = None

    def run(self, lab: str, extracted: Extracted, probes: list[dict], seed: int) -> RunOutput:
        if self.proc is None or self.proc.poll() is not None:
            self._stop()
            self._start()
        job_id = uuid.uuid4().hex  # unguessable: an earlier submission cannot prepare this folder
        workdir = self.scratch / job_id
        workdir.mkdir()
        started = time.monotonic()
        job = {
            "id": job_id,
            "lab": lab,
            "statements": extracted.statements,
            "probes": probes,
            "seed": seed,
            "timeout": self.notebook_timeout,
        }
        proc = self.proc
        quota = ScratchQuota(self.scratch, self.limits.scratch_mb, self.limits.scratch_files, lambda: kill_group(proc))
        try:
            with quota:
                self.proc.stdin.write(json.dumps(job).encode() + b"\n")
                self.proc.stdin.flush()
                reply = self._reply(self.notebook_timeout + REPLY_GRACE_S)
        except (BrokenPipeError, OSError):
            reply = None
        if quota.exceeded:
            self._stop()
            status = quota.exceeded
        elif not (isinstance(reply, dict) and reply.get("id") == job_id):
            self._stop()  # dead or wedged: the next notebook gets a fresh jail
            status = "timeout" if time.monotonic() - started >= self.notebook_timeout else "crashed"
        else:
            status = {"ok": "ok", "timeout": "timeout"}.get(reply.get("status"), f"exit ({reply.get('status')})")
        try:
            return collect(workdir / "out", probes, status, time.monotonic() - started)
        finally:
            _wipe(self.scratch)

    def close(self):
        self._stop()
        shutil.rmtree(self.folder, ignore_errors=True)


KEEP_IDLE = 4  # zygotes kept between batches (about 0.35 GB each); more are closed
_idle: list[WarmJail] = []
_idle_lock = threading.Lock()


def borrow(limits: Limits, notebook_timeout: float) -> WarmJail:
    """A warm jail for one batch worker: one this process kept with the same limits, or a new one."""
    with _idle_lock:
        for jail in _idle:
            if jail.limits == limits:
                _idle.remove(jail)
                jail.notebook_timeout = notebook_timeout
                return jail
    return WarmJail(limits, notebook_timeout)


def give_back(jail: WarmJail) -> None:
    """Keep a jail whose zygote is alive for this process's next batch; close any other."""
    if jail.proc is not None and jail.proc.poll() is None:
        with _idle_lock:
            if len(_idle) < KEEP_IDLE:
                _idle.append(jail)
                return
    jail.close()


@atexit.register
def close_idle() -> None:
    with _idle_lock:
        kept = list(_idle)
        _idle.clear()
    for jail in kept:
        jail.close()
