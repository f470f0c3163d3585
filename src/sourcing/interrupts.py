"""Ctrl-C and SIGTERM: both stop a run the same way, with a message and no traceback.

SIGTERM (a job scheduler's or `kill`'s stop) raises `Terminated`, a `KeyboardInterrupt`, so
everything that handles Ctrl-C (HiGHS stops its search and the best plan found so far is
reported) handles it too. `deferred` holds both back while a step must not be cut in two
(an output folder's commit). Worker processes of a sweep die with the process that started
them.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from types import FrameType
from typing import Any

EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it
EXIT_TERMINATED = 143  # 128 + SIGTERM
PARENT_POLL_SECONDS = 1.0


class Terminated(KeyboardInterrupt):
    """The process received SIGTERM."""


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated()


def install() -> None:
    """Make SIGTERM raise `Terminated` in the main thread (Ctrl-C already raises
    KeyboardInterrupt)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _raise_terminated)


def exit_code(interrupt: KeyboardInterrupt) -> int:
    return EXIT_TERMINATED if isinstance(interrupt, Terminated) else EXIT_INTERRUPTED


def describe(interrupt: KeyboardInterrupt) -> str:
    return "terminated (SIGTERM)" if isinstance(interrupt, Terminated) else "interrupted (Ctrl-C)"


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Hold back SIGINT and SIGTERM inside the block; deliver them when it ends.

    Python-level handlers that only record the signal stand in for the previous handlers, which
    are restored on leaving; then each recorded signal is raised again. Only the main thread can
    set handlers: called from another thread, this does nothing. A signal whose handler was not
    set from Python is left alone.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []

    def record(number: int, frame: Any) -> None:
        received.append(number)

    previous: dict[int, Any] = {}
    for held in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(held) is not None:
            previous[held] = signal.signal(held, record)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        for pending in dict.fromkeys(received):
            signal.raise_signal(pending)


def worker_start() -> None:
    """Set up a worker process of a sweep: Ctrl-C is the parent's to handle (the terminal sends
    it to the whole process group), and the worker ends when its parent does."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()


def _die_with_parent() -> None:
    """Ask Linux to send SIGKILL when the parent ends; elsewhere, poll the parent's id."""
    parent = os.getppid()
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
            if os.getppid() != parent:  # the parent ended before the request took effect
                os._exit(1)
            return

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def ignore_from_now() -> None:
    """Ignore Ctrl-C and SIGTERM while the process ends, so that its exit code stays the one
    chosen (one arriving during Python's shutdown would kill it by the signal)."""
    if threading.current_thread() is threading.main_thread():
        for number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(number, signal.SIG_IGN)


def end_now(interrupt: KeyboardInterrupt) -> None:
    """End the process for an interrupt that came while the libraries loaded: its message and
    exit code, at once. (Python's own exit would report death by SIGINT when the interrupt
    hit code that a library ran through Python's C API while being imported.)"""
    ignore_from_now()
    sys.stderr.write(describe(interrupt) + "\n")
    sys.stderr.flush()
    os._exit(exit_code(interrupt))
