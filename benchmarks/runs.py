"""Whole runs of the scenarios, timed: wall time, and the CPU time of the run's own containers.

The run's containers are found by their run label, which ends in ``-p<pid>`` of the pytest process that owns
the run; a sampler reads each container's cgroup while it lives (the last half second of a container can be
missed). That CPU time is the cells' own work, whatever else the machine is doing.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from breakdown import cpu_times

LABEL = "io.github.two-tier-guide.guideproof.run"


@dataclass
class Run:
    name: str
    wall: float
    cpu: float  # seconds, the run's containers
    load: tuple[float, float]  # 1-minute load average at the start and at the end
    code: int
    summary: str  # pytest's last line

    def line(self) -> str:
        return (
            f"    {self.name:<44} {self.wall:6.0f} s wall {self.cpu:6.0f} s CPU in containers"
            f"   (load {self.load[0]:.1f} -> {self.load[1]:.1f}; {self.summary})"
        )


class Sampler(threading.Thread):
    """Polls the containers of the run owned by ``pid`` and keeps the last CPU reading of each."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.seen: dict[str, float] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.5):
            found = subprocess.run(
                ["docker", "ps", "--no-trunc", "--filter", f"label={LABEL}", "--format", "{{.ID}} {{.Labels}}"],
                capture_output=True,
                text=True,
                check=False,
            ).stdout
            for line in found.splitlines():
                cid, _, labels = line.partition(" ")
                if re.search(rf"{re.escape(LABEL)}=[^,]*-p{self.pid}(,|$)", labels):
                    times = cpu_times(cid)
                    if times:
                        self.seen[cid] = sum(times)

    @property
    def total(self) -> float:
        return sum(self.seen.values())


def run_scenarios(name: str, root: Path, args: list[str], env: dict[str, str] | None = None) -> Run:
    """``pytest -p guideproof.pytest_plugin <args>`` in ``root``, timed."""
    load = os.getloadavg()[0]
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-p", "guideproof.pytest_plugin", "-p", "no:cacheprovider", "-q", *args],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {})},
    )
    sampler = Sampler(proc.pid)
    sampler.start()
    output, _ = proc.communicate()
    wall = time.monotonic() - started
    sampler.stop.set()
    sampler.join()
    lines = [line for line in output.splitlines() if line.strip()]
    summary = lines[-1].strip("= ") if lines else "no output"
    if proc.returncode not in (0, 1):
        print(output[-3000:], flush=True)
    return Run(name, wall, sampler.total, (load, os.getloadavg()[0]), proc.returncode, summary)
