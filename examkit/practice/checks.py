"""Answer checking for the practice server, in worker processes while it serves.

The checker's limits are CPU-time signals, which only a process's main thread receives. The server
answers each request in its own thread, so while it serves, each check goes to a worker process
whose main thread runs it under those limits: pages and checks for many tabs and students go on
at once, and a hostile answer still gets only its budget. Elsewhere `check` runs in the caller,
as `check_answer` does: tests, the terminal drill, and a class server's workers (classroom/server.py),
each of which answers one request at a time on its main thread, where the limits hold.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from ..bank.identity import VariantIdentity, identity_of, realize
from ..bank.loader import load_bank
from ..checking.verdict import Verdict
from ..parts.check import check_answer

WAIT_S = 60  # far beyond any check's CPU budget: a worker that hangs costs one answer, not the server

_pool: ProcessPoolExecutor | None = None
_pool_args: tuple = ()
_bank = None  # a worker's own copy of the bank


def start(bank_paths=None, workers: int = 2, bundled: bool = True) -> None:
    """Check in `workers` processes from now on, each with the bank (`load_bank`'s arguments) loaded once."""
    global _pool, _pool_args
    stop()
    _pool_args = (bank_paths, workers, bundled)
    context = multiprocessing.get_context("forkserver")  # never fork the server's threads
    _pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_load, initargs=(bank_paths, bundled))
    _pool.submit(int).result()  # the workers are up (and the bank loads) before the first page


def stop() -> None:
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=False, cancel_futures=True)
        _pool = None


def check(variant, part_id: str, text: str) -> Verdict:
    """`check_answer`, in a worker while the server runs. The variant travels as its identity, so a
    worker rebuilds exactly what the student saw (option order and points included)."""
    if _pool is None:
        return check_answer(variant, part_id, text)
    job = (identity_of(variant).to_json(), part_id, text)
    try:
        return _pool.submit(_check, *job).result(timeout=WAIT_S)
    except BrokenProcessPool:  # a worker died (killed from outside, out of memory): start afresh, once
        start(*_pool_args)
        return _pool.submit(_check, *job).result(timeout=WAIT_S)


def _load(bank_paths, bundled) -> None:
    global _bank
    _bank = load_bank(bank_paths, bundled)


def _check(identity: dict, part_id: str, text: str) -> Verdict:
    return check_answer(realize(_bank, VariantIdentity.from_json(identity)), part_id, text)
