"""Hard limits on checking work, in CPU seconds of this process (sympy is pure Python, so a
signal can stop it). CPU time, not wall-clock time: a key must not be judged "too long to check"
because other programs share the cores (on a loaded 2-core machine the same check took 4x longer
on the clock), while hostile input still gets only its budget of work.

Only the main thread can receive signals; elsewhere the limit is not enforced and callers rely
on the input-size limits of the parser instead.
"""

from __future__ import annotations

import signal
import threading
import time
from contextlib import contextmanager

SIGNAL, TIMER = signal.SIGPROF, signal.ITIMER_PROF  # the process's CPU time (user + system)


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
    previous_handler = signal.signal(SIGNAL, _on_alarm)
    outer_remaining, _ = signal.setitimer(TIMER, 0)
    budget = min(seconds, outer_remaining) if outer_remaining > 0 else seconds
    started = time.process_time()
    signal.setitimer(TIMER, budget)
    try:
        yield
    finally:
        signal.setitimer(TIMER, 0)
        signal.signal(SIGNAL, previous_handler)
        if outer_remaining > 0:
            left = outer_remaining - (time.process_time() - started)
            signal.setitimer(TIMER, max(left, 1e-3))
