"""Where one cell's time goes: container start, each step's wall and CPU time, downloads vs unpacking, and what
a shared prefix costs (probe, state capture, commit) and saves (a cell starting from the snapshot).

CPU time is the container's (user + system), read from its cgroup on the host, so it does not depend on how
busy the machine is the way wall time does. Each ``apt-get install`` step is preceded by the same command with
``--download-only``: that pre-pass is the download, the step itself is unpacking and configuring.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from guideproof.engines.base import CellLabels
from guideproof.engines.container import ContainerEngine
from guideproof.engines.runid import RunId
from guideproof.engines.shellstate import capture
from guideproof.engines.snapshot import RecordedStep, Snapshot
from guideproof.plan.cells import Cell
from guideproof.run.session import Session
from guideproof.run.shared import LEFTOVERS

TICK = os.sysconf("SC_CLK_TCK")


# Where the daemon's containers' cgroups are: under one parent per cgroup version with the cgroupfs driver
# (v1 cpuacct, v2), the only layout where a cgroup holds every container and nothing else; or, with the systemd
# driver, as docker-<id>.scope among the system's services.
CGROUP_PARENTS = (Path("/sys/fs/cgroup/cpuacct/docker"), Path("/sys/fs/cgroup/docker"))
SYSTEMD_SLICE = Path("/sys/fs/cgroup/system.slice")


def cpu_times(container_id: str) -> tuple[float, float] | None:
    """The container's (user, system) CPU seconds so far: cgroup v1 (cpuacct) or v2 (cpu.stat)."""
    v1 = CGROUP_PARENTS[0] / container_id / "cpuacct.stat"
    if v1.is_file():
        fields = dict(line.split() for line in v1.read_text().splitlines())
        return int(fields["user"]) / TICK, int(fields["system"]) / TICK
    for v2 in (
        SYSTEMD_SLICE / f"docker-{container_id}.scope" / "cpu.stat",
        CGROUP_PARENTS[1] / container_id / "cpu.stat",
    ):
        if v2.is_file():
            fields = dict(line.split() for line in v2.read_text().splitlines())
            return int(fields["user_usec"]) / 1e6, int(fields["system_usec"]) / 1e6
    return None


def engine_cgroup_cpu() -> float | None:
    """CPU seconds every container of the daemon used so far, those already removed included (a parent
    cgroup's counter keeps its children's time); None where no cgroup holds the containers alone."""
    v1 = CGROUP_PARENTS[0] / "cpuacct.usage"
    if v1.is_file():
        return int(v1.read_text()) / 1e9
    v2 = CGROUP_PARENTS[1] / "cpu.stat"
    if v2.is_file():
        fields = dict(line.split() for line in v2.read_text().splitlines())
        return int(fields["usage_usec"]) / 1e6
    return None


def live_containers() -> list[str]:
    """The ids of the containers that have a cgroup now (read from the cgroup tree, not from the daemon)."""
    for parent in CGROUP_PARENTS:
        if parent.is_dir():
            return [p.name for p in parent.iterdir() if p.is_dir() and len(p.name) == 64]
    if SYSTEMD_SLICE.is_dir():
        return [p.name[7:-6] for p in SYSTEMD_SLICE.glob("docker-*.scope")]
    return []


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a host process used so far (dockerd: where commits are done)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


@dataclass
class Phase:
    name: str
    wall: float
    user: float | None = None
    system: float | None = None
    note: str = ""

    def line(self) -> str:
        cpu = "" if self.user is None else f"{self.user + (self.system or 0):6.1f} s CPU ({self.user:.1f} user"
        cpu += "" if self.user is None else f" + {self.system:.1f} sys)"
        return f"    {self.wall:6.1f} s wall {cpu:<30} {self.name[:60]}{'  ' + self.note if self.note else ''}"


class Clock:
    """Times what runs in one container: wall and the container's CPU."""

    def __init__(self, engine: ContainerEngine, container: str) -> None:
        self.container_id = engine.cli("inspect", "--format", "{{.Id}}", container).output.strip()

    @contextmanager
    def phase(self, phases: list[Phase], name: str, note: str = "") -> Iterator[Phase]:
        before = cpu_times(self.container_id)
        started = time.monotonic()
        phase = Phase(name, 0.0, note=note)
        yield phase
        phase.wall = time.monotonic() - started
        after = cpu_times(self.container_id)
        if before and after:
            phase.user, phase.system = after[0] - before[0], after[1] - before[1]
        phases.append(phase)


def breakdown(session: Session, path: Path, env: str) -> None:
    """The cell of the scenario at ``path`` with this ``env``, on the platform the session selects."""
    engine = session.engine
    assert isinstance(engine, ContainerEngine)
    scenario, _matrix, named = session.planned(path)
    cells = [cell for _, cell in named]
    (cell,) = [c for c in cells if c.axis_values.get("env") == env]
    steps = scenario.steps_for(cell.axis_values)
    shared_depth = _prefix_depth(scenario, cells, [s.command for s in steps])
    labels = CellLabels(RunId.new("bench"), scenario.name, cell.id)
    phases: list[Phase] = []
    total = time.monotonic()
    print(f"(c) where one cell's time goes: {scenario.name} [{cell.id}], {len(steps)} steps", flush=True)
    started = time.monotonic()
    with engine.open_cell(cell.platform, labels, {}) as shell:
        assert shell.start().status == 0
        phases.append(Phase("container create + start + bash", time.monotonic() - started))
        clock = Clock(engine, engine.snapshots.container_of(shell))
        for depth, step in enumerate(steps, start=1):
            command = step.command
            if re.search(r"\bapt-get install\b", command):
                with clock.phase(phases, "  download only: " + command, "(download)"):
                    shell.run(command.replace("apt-get install", "apt-get install --download-only", 1), 600)
                note = "(unpack + configure)"
            else:
                note = ""
            with clock.phase(phases, command, note):
                got = shell.run(command, 600)
            if got.status != step.status:
                phases[-1].note += f" [exit {got.status}, expected {step.status}]"
            if depth == shared_depth:
                _snapshot_costs(engine, clock, shell, phases, steps[:depth], cell.platform.name, labels, cell.platform)
    phases.append(Phase("the whole cell (with the probes above)", time.monotonic() - total))
    for phase in phases:
        print(phase.line(), flush=True)
    _summary(phases)


def _prefix_depth(scenario, cells: list[Cell], commands: list[str]) -> int:
    """How many first steps the cell shares with the other cells of its scenario on its platform."""
    others = [[s.command for s in scenario.steps_for(c.axis_values)] for c in cells]
    depth = 0
    while depth < len(commands) and sum(o[: depth + 1] == commands[: depth + 1] for o in others) >= 2:
        depth += 1
    return depth


def _snapshot_costs(engine, clock, shell, phases, steps, platform_name, labels, platform) -> None:
    """What sharing the prefix costs the cell that builds it, and what starting from it costs the others."""
    dockerd = _pid_of("dockerd")
    store = engine.snapshots.store(labels.run_id, reuse=False)
    with clock.phase(phases, "  shared prefix: leftovers probe + state capture", "(sharing)"):
        shell.run(LEFTOVERS, 60)
        state = capture(shell)
    before = process_cpu(dockerd) if dockerd else None
    with clock.phase(phases, "  shared prefix: docker commit", "(sharing)") as phase:
        recorded = tuple(RecordedStep(s.command, "", s.status, 0.0) for s in steps)
        snap = Snapshot("bench" + "0" * 59, "", len(steps), recorded, state.script(), "bench", str(labels.run_id))
        made = store.commit(engine.snapshots.container_of(shell), platform_name, engine.start_image(platform), snap)
    if before is not None:
        phase.note += f" dockerd {process_cpu(dockerd) - before:.1f} s CPU, layer {made.layer_bytes / 1e6:.0f} MB"
    try:
        started = time.monotonic()
        with engine.open_cell(platform, labels, {}, start=made.image) as other:
            other.start()
            other.run(made.state, 60)
            phases.append(Phase("  a cell starting from the snapshot: start + restore", time.monotonic() - started))
    finally:
        store.remove([made])


def _pid_of(name: str) -> int | None:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == name:
                    return int(entry.name)
            except OSError:
                continue
    return None


def _summary(phases: list[Phase]) -> None:
    def total(kind: str) -> tuple[float, float]:
        chosen = [p for p in phases if kind in p.note]
        return sum(p.wall for p in chosen), sum((p.user or 0) + (p.system or 0) for p in chosen)

    steps = [p for p in phases if p.user is not None and "(sharing)" not in p.note]
    wall = sum(p.wall for p in steps)
    cpu = sum((p.user or 0) + (p.system or 0) for p in steps)
    download, unpack = total("(download)"), total("(unpack")
    print(
        f"    steps: {wall:.1f} s wall, {cpu:.1f} s CPU; apt downloads {download[0]:.1f} s wall, "
        f"apt unpack+configure {unpack[0]:.1f} s wall / {unpack[1]:.1f} s CPU",
        flush=True,
    )
