"""`examkit validate` of each previewed file, in a worker process while the pages are served.

A file takes seconds to validate, and the checker's time limits are CPU-time signals that only a
process's main thread receives (the server answers each request in a thread of its own). So each
file is validated in a worker whose main thread keeps those limits, a page says "validating" until
its report is there, and the page's poll brings the report in when it is. A report belongs to the
content it was made from: an edit starts a new one.
"""

from __future__ import annotations

import multiprocessing
import signal
import sys
import threading
import traceback
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from ..bank.loader import Problem
from ..bank.validate import Report, validate

PREVIEW_SEEDS = 20  # `examkit validate` checks 200; 20 keep a page's report a few seconds away


class Validations:
    def __init__(self, seeds: int = PREVIEW_SEEDS):
        self.seeds = seeds
        self._runs: dict = {}  # file path -> (content digest, Future of its Report)
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def report(self, source) -> Report | None:
        """The report of `source` (a folder.SourceFile) as it is now; None while it is being made."""
        if source.problems:  # it does not load: validate would say just that, at once
            return Report(files=1, problems=list(source.problems))
        with self._lock:
            run = self._runs.get(source.path)
            if run is None or run[0] != source.digest:
                run = self._runs[source.path] = (source.digest, self._submit(source.path))
        return _outcome(run[1], source.path) if run[1].done() else None

    def done(self, source) -> bool:
        run = self._runs.get(source.path)
        return bool(source.problems) or (run is not None and run[0] == source.digest and run[1].done())

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = None

    def _submit(self, path) -> Future:
        for _ in range(2):  # a worker that died (killed from outside, out of memory): start afresh, once
            if self._pool is None:
                context = multiprocessing.get_context("forkserver")  # never fork the server's threads
                self._pool = ProcessPoolExecutor(1, mp_context=context, initializer=_ignore_ctrl_c)
            try:
                return self._pool.submit(_validate, path, self.seeds)
            except BrokenProcessPool:
                self._pool = None
        raise BrokenProcessPool("the validation worker cannot be started")


def _validate(path, seeds: int) -> Report:
    return validate([path], seeds=seeds, jobs=1)


def _ignore_ctrl_c() -> None:
    """Ctrl-C stops the server, which stops its worker; the worker prints no traceback of its own."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _outcome(future: Future, path) -> Report:
    """The report; a validation that failed inside examkit says so on the page (and its traceback
    goes to the server's terminal), instead of taking the page down with it."""
    error = future.exception()
    if error is None:
        return future.result()
    traceback.print_exception(error, file=sys.stderr)
    message = f"validation stopped with an error inside examkit (a bug; please report it): {error!r}"
    return Report(files=1, problems=[Problem(str(path), 1, message)])
