"""The order in which a run hands its cells to workers: longest chains first, each shared prefix's builder early.

The cells are CPU-bound, so a run cannot end before the CPU time of its containers spread over the cores (the
floor ``nox -s bench`` prints). What keeps a run above that floor is scheduling: a worker idle while it waits
for a snapshot another worker is still building, and a long cell started last while the other workers have
nothing left. Both are planned away here, before the run, from what each step is expected to take (what the
last run and the committed baseline recorded, see :class:`Durations`):

- the run's workers are simulated taking cells in turn (list scheduling); a free worker takes, among the cells
  that would not wait for a snapshot in progress, the one heading the longest chain: its own steps, and for a
  snapshot it would build, the longest stretch a cell starting from it still has to run (Graham's rule of the
  longest job first, with the prefixes as dependencies);
- the order in which the simulation starts the cells is the order of the items; pytest-xdist hands them out in
  that order, one at a time (the plugin sets ``--maxschedchunk 1``), to whichever worker is free.

Pure: it sees commands, estimates and the prefix plan, never an engine; every xdist worker computes the same
order from the same collected cells, as xdist requires.
"""

from __future__ import annotations

import heapq
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from guideproof.plan.prefixes import CellRef, Prefix, PrefixPlan
from guideproof.results.record import CellRecord

DEFAULT_STEP_S = 1.0  # a step nothing is known of, when nothing at all is known

# What an earlier run recorded of a cell: its scenario, its id, and (line, seconds) for each step it ran.
Timing = tuple[str, str, tuple[tuple[int, float], ...]]


def timings(records: Iterable[CellRecord]) -> list[Timing]:
    """The step times of results-file records, step by step: a later record's time of a step wins, and the
    steps a later record did not run keep their earlier times. A run interrupted early records every cell it
    did not run, with no steps; that record used to replace the baseline's whole cell, so the next run (which
    reads the last run's results file after the baseline) ordered every cell by the default step time."""
    found: dict[tuple[str, str], dict[int, float]] = {}
    for record in records:
        steps = found.setdefault((record.scenario, record.id), {})
        steps.update((step.line, step.duration_s) for step in record.steps)
    return [(scenario, cell, tuple(sorted(steps.items()))) for (scenario, cell), steps in found.items() if steps]


@dataclass(frozen=True)
class Job:
    """One cell to run: what the plan knows it by, its platform, and its steps' commands in order."""

    cell: CellRef
    platform: str
    commands: tuple[str, ...]
    lines: tuple[int, ...] = ()  # the scenario line of each command (how earlier runs name a step)


@dataclass
class Durations:
    """What earlier runs say a step takes: the same cell's step on the same line; else the median of the
    same command on the same platform, else on any platform; else the median of every step known."""

    exact: dict[tuple[str, str, int], float] = field(default_factory=dict)
    by_platform: dict[tuple[str, str], list[float]] = field(default_factory=lambda: defaultdict(list))
    by_command: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    everything: list[float] = field(default_factory=list)

    @classmethod
    def of(cls, timings: Iterable[Timing], jobs: Sequence[Job]) -> Durations:
        """From the step times of earlier runs, for the cells of this one (a record names a step by its line;
        the cell's own scenario says which command is on that line now)."""
        known = {job.cell: job for job in jobs}
        durations = cls()
        for scenario, cell, steps in timings:
            job = known.get((scenario, cell))
            if job is None:
                continue
            command_at = dict(zip(job.lines, job.commands, strict=False))
            for line, seconds in steps:
                durations.exact[(scenario, cell, line)] = seconds
                command = command_at.get(line)
                if command is not None:
                    durations.by_platform[(job.platform, command)].append(seconds)
                    durations.by_command[command].append(seconds)
                durations.everything.append(seconds)
        return durations

    def costs(self, job: Job) -> tuple[float, ...]:
        fallback = statistics.median(self.everything) if self.everything else DEFAULT_STEP_S
        found = []
        for index, command in enumerate(job.commands):
            line = job.lines[index] if index < len(job.lines) else -1
            exact = self.exact.get((job.cell[0], job.cell[1], line))
            if exact is not None:
                found.append(exact)
            elif seen := self.by_platform.get((job.platform, command)) or self.by_command.get(command):
                found.append(statistics.median(seen))
            else:
                found.append(fallback)
        return tuple(found)


class _Simulation:
    """Workers running cells with the planned snapshots: which are built (or being built), and when."""

    def __init__(self, costs: Mapping[CellRef, Sequence[float]], plan: PrefixPlan | None) -> None:
        self.plan = plan
        self.built: dict[Prefix, float] = {}  # a planned snapshot -> when it is built
        self.sums: dict[CellRef, list[float]] = {}  # a cell -> the time of its first k steps, for each k
        for cell, steps in costs.items():
            sums = [0.0]
            for step in steps:
                sums.append(sums[-1] + step)
            self.sums[cell] = sums
        self.through: dict[Prefix, list[CellRef]] = defaultdict(list)  # the cells starting with a prefix
        for cell in costs:
            for _depth, node in self.points(cell):
                self.through[node].append(cell)

    def points(self, cell: CellRef) -> list[tuple[int, Prefix]]:
        if self.plan is None:
            return []
        return [(depth, self.plan.paths[cell].prefix(depth)) for depth in self.plan.points(cell)]

    def left(self, cell: CellRef, depth: int) -> float:
        """What ``cell`` still runs after its first ``depth`` steps."""
        sums = self.sums[cell]
        return sums[-1] - sums[depth]

    def look(self, cell: CellRef, start: float, remaining: set[CellRef]) -> tuple[float, float]:
        """``cell`` started at ``start``, without running it: how long it would wait for snapshots being
        built, and the longest chain it heads (its own work; or a snapshot it builds plus the longest stretch
        a remaining cell starting from that snapshot has left after it)."""
        clock, done, waited, own, chain = start, 0, 0.0, 0.0, 0.0
        sums = self.sums[cell]
        for depth, node in self.points(cell):
            built = self.built.get(node)
            if built is not None:  # built, or being built: the cell starts from it, waiting until it is
                waited += max(0.0, built - clock)
                clock = max(clock, built)
            else:
                own += sums[depth] - sums[done]
                clock = start + own + waited
                followers = [self.left(c, depth) for c in self.through[node] if c != cell and c in remaining]
                if followers:
                    chain = max(chain, own + max(followers))
            done = depth
        own += sums[-1] - sums[done]
        return waited, max(chain, own)

    def run(self, cell: CellRef, start: float) -> float:
        """Run ``cell`` from ``start``: it builds the planned snapshots nobody has built; when it ends."""
        clock, done, sums = start, 0, self.sums[cell]
        for depth, node in self.points(cell):
            built = self.built.get(node)
            if built is not None:
                clock = max(clock, built)
            else:
                clock += sums[depth] - sums[done]
                self.built[node] = clock
            done = depth
        return clock + sums[-1] - sums[done]


@dataclass(frozen=True)
class Start:
    """A cell the simulation starts: on which worker, and when (seconds from the run's start)."""

    cell: CellRef
    worker: int
    at: float


def simulate(
    cells: Sequence[CellRef], costs: Mapping[CellRef, Sequence[float]], plan: PrefixPlan | None, workers: int
) -> list[Start]:
    """``workers`` workers taking ``cells`` in turn, by the rule of the module: the cells in the order they start."""
    simulation = _Simulation({cell: costs[cell] for cell in cells}, plan)
    remaining = set(cells)
    position = {cell: index for index, cell in enumerate(cells)}
    free = [(0.0, worker) for worker in range(max(1, workers))]  # (when it is next free, which), a heap
    starts: list[Start] = []
    while remaining:
        now, worker = heapq.heappop(free)
        best: tuple[tuple[bool, float, float, int], CellRef] | None = None
        for cell in remaining:
            waited, chain = simulation.look(cell, now, remaining)
            # No wait first, then the longest chain; on a tie, the order collected.
            rank = (waited > 0, waited, -chain, position[cell])
            if best is None or rank < best[0]:
                best = (rank, cell)
        assert best is not None
        cell = best[1]
        remaining.discard(cell)
        starts.append(Start(cell, worker, now))
        heapq.heappush(free, (simulation.run(cell, now), worker))
    return starts


def handed_out(starts: Sequence[Start], workers: int) -> list[CellRef]:
    """The order to give a dispatcher that keeps one cell queued behind each running one (pytest-xdist's load
    scheduling with ``--maxschedchunk 1``: each worker is first given two cells, then one more whenever it
    starts its next), so that each worker runs the cells the simulation gave it, in its order."""
    workers = max(1, workers)
    if len(starts) < 2 * workers:  # xdist then hands one cell to each worker in turn
        return [start.cell for start in starts]
    queues: dict[int, list[Start]] = defaultdict(list)
    for start in starts:
        queues[start.worker].append(start)
    order = [start.cell for worker in range(workers) for start in queues[worker][:2]]
    # A worker asks for its next cell as it starts one (its second onwards): then its cell after that is due.
    asks = sorted(
        (queue[index].at, worker, queue[index + 1].cell)
        for worker, queue in queues.items()
        for index in range(1, len(queue) - 1)
    )
    return order + [cell for _at, _worker, cell in asks]


def dispatch_order(
    cells: Sequence[CellRef], costs: Mapping[CellRef, Sequence[float]], plan: PrefixPlan | None, workers: int
) -> list[CellRef]:
    """``cells`` in the order a run should start them on ``workers`` workers (see the module)."""
    return [start.cell for start in simulate(cells, costs, plan, workers)]


def makespan(
    order: Sequence[CellRef],
    costs: Mapping[CellRef, Sequence[float]],
    plan: PrefixPlan | None,
    workers: int,
    queued: bool = False,
) -> float:
    """When a run handing out ``order`` to ``workers`` workers would end, by the same simulation: what an order
    is worth before any run (the tests and the bench compare orders with it). ``queued``: as pytest-xdist hands
    it out (see :func:`handed_out`), else to whichever worker is free."""
    simulation = _Simulation({cell: costs[cell] for cell in order}, plan)
    workers = max(1, workers)
    end = 0.0
    if not queued or len(order) < 2 * workers:
        free = [0.0] * workers
        for cell in order:
            finished = simulation.run(cell, heapq.heappop(free))
            end = max(end, finished)
            heapq.heappush(free, finished)
        return end
    queues = {worker: list(order[2 * worker : 2 * worker + 2]) for worker in range(workers)}
    pending = list(order[2 * workers :])[::-1]
    running: list[tuple[float, int]] = []  # (when it ends, worker), a heap
    for worker in range(workers):
        heapq.heappush(running, (simulation.run(queues[worker].pop(0), 0.0), worker))
    while running:
        now, worker = heapq.heappop(running)
        end = max(end, now)
        if queues[worker]:
            heapq.heappush(running, (simulation.run(queues[worker].pop(0), now), worker))
            if pending:
                queues[worker].append(pending.pop())
    return end
