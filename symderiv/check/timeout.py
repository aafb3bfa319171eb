"""A per-check time limit that interrupts pure-Python work such as a runaway simplification."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class CheckTimeout(BaseException):
    """Raised inside a check when its time is up (BaseException: sympy must not swallow it)."""


@contextmanager
def deadline(seconds: float | None) -> Iterator[None]:
    """Raise CheckTimeout in this block after `seconds` (main thread only; else no limit).

    Deadlines nest: an inner one never outlives the outer one, and the outer one is armed
    again on leaving the inner block (firing at once if its time ran out meanwhile).
    """
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: FrameType | None) -> None:
        raise CheckTimeout()

    outer, _ = signal.getitimer(signal.ITIMER_REAL)
    started = time.monotonic()
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, min(seconds, outer) if outer else seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer:
            left = outer - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-6))
