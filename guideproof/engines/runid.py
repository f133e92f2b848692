"""The run id: names one run's containers, and says which process owns the run.

A run id is ``<date>-<time>-<random>-p<pid>``. It labels every container of the run; a later run sweeps
the containers of runs whose owner process is gone from this host, and never those of a live run.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from dataclasses import dataclass


@dataclass(frozen=True)
class RunId:
    stamp: str  # when the run started, and a random part: "20261124-101500-ab12"
    pid: int | None  # the process that owns the run; None when the id names none (not one of ours)

    @classmethod
    def new(cls, stamp: str | None = None) -> RunId:
        """A fresh id owned by this process (``stamp``: instead of the time and a random part)."""
        return cls(stamp or f"{dt.datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(2)}", os.getpid())

    @classmethod
    def parse(cls, text: str) -> RunId:
        stamp, sep, pid = text.rpartition("-p")
        if sep and pid.isdigit():
            return cls(stamp, int(pid))
        return cls(text, None)

    def __str__(self) -> str:
        return self.stamp if self.pid is None else f"{self.stamp}-p{self.pid}"

    def owner_alive(self) -> bool:
        """Does the owning process still run on this host? (An id naming no process: no.)"""
        if self.pid is None:
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True  # it exists, under another user
        return True
