"""Hard wall-clock limits for checking work (sympy is pure Python, so SIGALRM can stop it).

Only the main thread can receive signals; elsewhere the limit is not enforced and callers rely
on the input-size limits of the parser instead.
"""

from __future__ import annotations

import signal
import threading
import time
from contextlib import contextmanager


class CheckTimeout(Exception):
    """Raised inside a `time_limit` block when its time runs out."""


def _on_alarm(signum, frame):
    raise CheckTimeout()


@contextmanager
def time_limit(seconds: float):
    usable = (
        seconds
        and seconds > 0
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return
    previous_handler = signal.signal(signal.SIGALRM, _on_alarm)
    outer_remaining, _ = signal.setitimer(signal.ITIMER_REAL, 0)
    budget = min(seconds, outer_remaining) if outer_remaining > 0 else seconds
    started = time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, budget)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if outer_remaining > 0:
            left = outer_remaining - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-3))
