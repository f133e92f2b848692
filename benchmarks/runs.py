"""Whole runs of the scenarios, timed: wall time, and the CPU time of the run's own containers.

The containers' CPU time is read from the cgroup that holds every container of the daemon (cgroupfs driver:
``docker/``), whose counter keeps the time of containers already removed: exact, and read twice. Where there
is no such cgroup (the systemd driver puts containers among the system's services) a sampler adds up each
container's own counter while it lives (the last half second of a container can be missed) and the figure says
so. The sampler also splits the time by platform: it lists the containers' cgroups (no ``docker`` command per
poll: at two a second those cost the machine about 2 % of two cores) and asks the daemon for a container's
labels once. The run's containers are found by their run label, which ends in ``-p<pid>`` of the pytest
process that owns the run. That CPU time is the cells' own work, whatever else the machine is doing.
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

from breakdown import cpu_times, engine_cgroup_cpu, live_containers

LABEL = "io.github.two-tier-guide.guideproof.run"
CELL_LABEL = "io.github.two-tier-guide.guideproof.cell"


def daemon_cpu() -> float:
    """CPU seconds the container engine's own processes (dockerd, containerd) used so far, when they run here:
    ``docker commit`` is their work, not a container's."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for name in ("dockerd", "containerd"):
        found = subprocess.run(["pgrep", "-x", name], capture_output=True, text=True, check=False).stdout.split()
        for pid in found:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def host_idle(stat: Path = Path("/proc/stat")) -> tuple[float, float, float]:
    """Seconds the cores of this machine spent so far, added up (``/proc/stat``): idle with nothing to wait
    for, idle while a process waited for the disk (iowait), and taken by the hypervisor for other machines
    (steal: a virtual machine's core that was not there to run anything)."""
    fields = [int(f) for f in stat.read_text().splitlines()[0].split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    steal = fields[7] if len(fields) > 7 else 0
    return fields[3] / tick, fields[4] / tick, steal / tick


@dataclass
class Run:
    name: str
    wall: float
    cpu: float  # seconds, the run's containers
    load: tuple[float, float]  # 1-minute load average at the start and at the end
    code: int
    summary: str  # pytest's last line
    cpu_by_platform: dict[str, float] | None = None
    daemon: float = 0.0  # CPU seconds of the container engine's own processes during the run
    idle: float = 0.0  # seconds the machine's cores spent idle during the run, added up (iowait included)
    iowait: float = 0.0  # of ``idle``: while a process waited for the disk
    steal: float = 0.0  # seconds the hypervisor gave the cores to other machines during the run
    sampled: bool = False  # ``cpu`` is the sampler's sum (no cgroup of all containers here): a little low

    def line(self) -> str:
        how = " (sampled)" if self.sampled else ""
        return (
            f"    {self.name:<44} {self.wall:6.0f} s wall {self.cpu:6.0f} s CPU in containers{how}"
            f" {self.daemon:5.0f} s in the engine   (load {self.load[0]:.1f} -> {self.load[1]:.1f}; {self.summary})"
        )


def cores_split(run: Run, cores: int) -> str:
    """Where the cores' whole time in ``run`` went: what is neither the containers, the engine, idle nor
    stolen is other processes (pytest, the container CLI, runc and the shims, the engine's helper processes
    for ``cp`` and ``commit``) and the kernel's own threads and interrupts."""
    whole = run.wall * cores
    other = whole - run.cpu - run.daemon - run.idle - run.steal
    return (
        f"the cores' {whole:.0f} s: {run.cpu:.0f} s the containers, {run.daemon:.0f} s the engine, {other:.0f} s"
        f" other processes (pytest, the container CLI, the engine's helpers, the kernel), {run.idle:.0f} s idle"
        f" ({run.iowait:.0f} s of it waiting for the disk), {run.steal:.0f} s taken by the hypervisor (steal)"
    )


class Sampler(threading.Thread):
    """Polls the containers of the run owned by ``pid`` and keeps the last CPU reading of each."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.seen: dict[str, float] = {}
        self.cells: dict[str, str] = {}  # container -> the cell it ran (its id starts with the platform's name)
        self.others: set[str] = set()  # containers of no run of ``pid``
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.5):
            for cid in live_containers():
                if cid in self.others:
                    continue
                if cid not in self.cells and not self._labels(cid):
                    continue
                times = cpu_times(cid)
                if times:
                    self.seen[cid] = sum(times)

    def _labels(self, cid: str) -> bool:
        """Read a new container's labels once: is it this run's, and which cell does it run?"""
        fmt = f'{{{{index .Config.Labels "{LABEL}"}}}} {{{{index .Config.Labels "{CELL_LABEL}"}}}}'
        found = subprocess.run(["docker", "inspect", "--format", fmt, cid], capture_output=True, text=True).stdout
        run, _, cell = found.strip().partition(" ")
        if not re.search(rf"-p{self.pid}$", run):
            self.others.add(cid)
            return False
        self.cells[cid] = cell
        return True

    @property
    def total(self) -> float:
        return sum(self.seen.values())

    def by_platform(self, platforms: list[str]) -> dict[str, float]:
        """CPU seconds by platform: a cell's id starts with its platform's name (the longest that fits)."""
        found: dict[str, float] = {}
        for cid, seconds in self.seen.items():
            cell = self.cells.get(cid, "")
            names = [p for p in platforms if cell == p or cell.startswith(p + "-")]
            name = max(names, key=len) if names else "other"
            found[name] = found.get(name, 0.0) + seconds
        return found


def run_scenarios(
    name: str, root: Path, args: list[str], env: dict[str, str] | None = None, platforms: list[str] | None = None
) -> Run:
    """``pytest -p guideproof.pytest_plugin <args>`` in ``root``, timed (with ``platforms``: CPU by platform)."""
    load = os.getloadavg()[0]
    daemon, idle, counted = daemon_cpu(), host_idle(), engine_cgroup_cpu()
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
    log = os.environ.get("GUIDEPROOF_BENCH_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(f"==== {name}: pytest {' '.join(args)}\n{output}\n")
    if proc.returncode not in (0, 1):
        print(output[-3000:], flush=True)
    by_platform = sampler.by_platform(platforms) if platforms else None
    daemon = daemon_cpu() - daemon
    idle, iowait, steal = (after - before for after, before in zip(host_idle(), idle, strict=True))
    after = engine_cgroup_cpu()
    cpu = after - counted if after is not None and counted is not None else sampler.total
    load_span = (load, os.getloadavg()[0])
    return Run(
        name,
        wall,
        cpu,
        load_span,
        proc.returncode,
        summary,
        by_platform,
        daemon,
        idle + iowait,
        iowait,
        steal,
        sampled=after is None,
    )
