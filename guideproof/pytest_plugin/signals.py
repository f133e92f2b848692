"""SIGTERM and SIGHUP (a CI cancel, ``timeout``, a closed terminal) get the cleanup Ctrl-C gets.

The handler raises :class:`Terminated`, a ``KeyboardInterrupt``, in the main thread: pytest then ends the
session as interrupted, every ``finally`` of a running cell runs (its container removed, its processes
killed), and the results file is written with the cells that did not run. An xdist controller passes the
signal on to its workers first (they are its children), so a ``kill`` of the controller alone is enough.
A second signal during that cleanup is ignored; SIGKILL is the way to stop without cleanup.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable
from types import FrameType

from guideproof.engines.contain import children

SIGNALS = (signal.SIGTERM, signal.SIGHUP)


class Terminated(KeyboardInterrupt):
    """The run received SIGTERM or SIGHUP."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(f"received {signal.Signals(signum).name}: cleaning up, then stopping")


class SignalGuard:
    """Installed once per pytest process (controller or worker) for the session's duration."""

    def __init__(self, forward: bool) -> None:
        self.forward = forward  # the xdist controller: pass the signal on to the workers
        self.received: str | None = None
        self._previous: dict[int, Callable[..., object] | int | None] = {}

    def install(self) -> SignalGuard:
        if threading.current_thread() is threading.main_thread():
            for signum in SIGNALS:
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def restore(self) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous if previous is not None else signal.SIG_DFL)
        self._previous.clear()

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        if self.received is not None:
            return  # already stopping: let the cleanup finish
        self.received = signal.Signals(signum).name
        if self.forward:
            for pid in children(os.getpid()):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signum)
        raise Terminated(signum)
