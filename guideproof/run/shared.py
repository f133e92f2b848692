"""Running a cell with shared prefixes: start from a snapshot, or build one for the cells that share it.

A cell's steps come from two places: the steps a snapshot recorded (run once, for every cell that starts
with the same commands on the same root) and the steps the cell runs in its own container. Either way each
result goes through the runner's check against this cell's own expectations and is reported; a recorded
step is marked as shared. A prefix is shared only when that is safe: every step matched, nothing was left
running, no file descriptor or resource limit of the shell changed (a snapshot keeps files and the shell's
variables, functions and options, never processes), and committing it pays for itself.

Several cells needing the same snapshot: the first takes its lock and builds it; the others wait on the
lock, then start from it. Locks are taken in the order of the cell's steps, hand over hand, so two cells
never wait for each other.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from guideproof.engines.base import CellLabels, Engine, Snapshots
from guideproof.engines.shell import CommandResult, Shell
from guideproof.engines.shellstate import capture
from guideproof.engines.snapshot import Lock, RecordedStep, Snapshot, SnapshotStore, chain
from guideproof.errors import EngineError
from guideproof.matrix.model import Matrix, Platform
from guideproof.plan.cells import Cell
from guideproof.plan.prefixes import PrefixPlan
from guideproof.results.record import SharedStep, ToolVersion
from guideproof.scenario.model import Scenario, Step
from guideproof.versions.tools import artefacts_for, constraints_setup

PROBE_TIMEOUT = 60.0
# Commit a shared stretch only when the time its other sharers save is at least this: committing a few
# hundred MB costs the daemon a few seconds of CPU, a small layer well under one.
MIN_SAVING_S = 2.0
# With --reuse a snapshot is also kept wherever this much step time passed since the last one, so an edited
# scenario reruns at most about this much before its first changed step. Each such snapshot costs a commit
# (seconds of the daemon's CPU) and a layer holding every change since the cell's container started: at 1 s
# the default matrix kept 423 snapshots and filled 70 GB of disk in one run; at 10 s a few per cell.
REUSE_SEGMENT_S = 10.0

# Its variables are its own (``__gp_l*``: the shell's driver keeps its state in other ``__gp_*`` names).
# Builtins only, so it sees exactly what the steps left and starts no process itself: every process in the
# container but PID 1 (the engine's idle init) and this shell (zombies are over), the shell's jobs, its open
# file descriptors and its soft resource limits. A snapshot keeps none of these: if a step changed one, the
# prefix is not shared.
LEFTOVERS = r"""for __gp_lp in /proc/[0-9]*; do
  __gp_lp=${__gp_lp#/proc/}
  case $__gp_lp in 1|$$) continue;; esac
  __gp_ls=; builtin read -r __gp_ls < "/proc/$__gp_lp/stat" 2>/dev/null || continue
  __gp_lr=${__gp_ls##*) }
  case ${__gp_lr%% *} in Z|X) continue;; esac
  __gp_ln=${__gp_ls#*(}; builtin printf 'a process left running: %s (pid %s)\n' "${__gp_ln%)*}" "$__gp_lp"
done
for __gp_lp in $(builtin jobs -p); do builtin printf 'a background job: %s\n' "$__gp_lp"; done
builtin printf 'open file descriptors:'
for __gp_lp in /proc/$$/fd/*; do builtin printf ' %s' "${__gp_lp##*/}"; done
builtin printf '\n'
builtin ulimit -S -a
builtin unset __gp_lp __gp_ls __gp_lr __gp_ln
"""

Check = Callable[[Step, CommandResult], object | None]  # the runner's check: None when the step is as expected


@dataclass(frozen=True)
class StepRun:
    """One step of a cell as it is reported: its result, what the check said, and where a shared step ran."""

    step: Step
    result: CommandResult
    duration_s: float
    problem: object | None = None  # the runner's check's answer: None when the step is as expected
    shared: SharedStep | None = None


class Diverged(Exception):
    """A shared step's recorded output fails this cell's own expectation: run the cell on its own instead.

    Rare (two scenarios with the same command and different expectations); running the whole cell unshared
    keeps everything about it, the versions probe included, exactly as without sharing.
    """


@dataclass
class Sharing:
    """What the cells of a run need to share prefixes."""

    plan: PrefixPlan
    store: SnapshotStore
    reuse: bool = False  # snapshots outlive the run, and are looked for at every step
    min_saving_s: float = MIN_SAVING_S
    reuse_segment_s: float = REUSE_SEGMENT_S
    reuse_max_bytes: float | None = None  # with --reuse: no more kept-only snapshots once the store holds this


def may_share(scenario: Scenario, cell: Cell, tools: Sequence[ToolVersion], keep_failed: bool, update: bool) -> bool:
    """Whether ``cell`` may start from (and build) a shared prefix: the one place that decides it, for the plan
    and for the runner. Not when a failure is kept or the run proposes updates (both go on in the cell's own
    shell as it failed; a known failure is never kept), nor when local tool builds are copied into it."""
    keep = keep_failed and scenario.xfail_for(cell.axis_values) is None
    return not (keep or update or artefacts_for(cell.tools, tools))


def pins_setup(cell: Cell, matrix: Matrix) -> str:
    """What a sharing cell runs before its first step: its ``--tool`` pins alone (no local builds: see
    :func:`may_share`). It is part of the prefix's root, so cells with other pins never share."""
    return constraints_setup(cell.tools, matrix)


def prefix_root(cell: Cell, matrix: Matrix, env: Mapping[str, str]) -> tuple[object, ...]:
    """Where a cell's prefix starts: its platform, its pins and the variables it gets."""
    return (cell.platform.name, pins_setup(cell, matrix), tuple(sorted(env.items())))


@dataclass
class _Live:
    """The cell's own container, once it has one."""

    stack: ExitStack
    shell: Shell
    container: str
    image: str  # the image it started from: every commit of this container holds all changes since then
    baseline: str  # the leftovers probe right after the start: what the steps must leave as they found it
    since_snapshot: float = 0.0  # seconds of steps since the last snapshot (or the start)


@dataclass
class SharedCell:
    """One cell's run with prefix sharing.

    Iterate :meth:`run` for the steps' results, in order (it stops after the first that fails its check);
    then :meth:`shell` gives the cell's own shell after its last step, for the versions probe.
    """

    engine: Engine
    sharing: Sharing
    platform: Platform
    cell: tuple[str, str]  # (scenario name, cell id): what the plan knows the cell by
    labels: CellLabels
    env: Mapping[str, str]
    setup: str
    steps: Sequence[Step]
    check: Check
    files: Path | None = None  # the scenario's files, copied into a cell that starts from its first step
    mask: Callable[[CommandResult], CommandResult] = lambda got: got  # credentials out of what steps print

    def __post_init__(self) -> None:
        support = self.engine.snapshots
        if support is None:
            raise EngineError(f"the {self.engine.name} engine cannot snapshot a cell")
        self.support: Snapshots = support
        root = support.root(self.platform, self.env, self.setup, self.files)
        self.keys = chain(root, [s.command for s in self.steps])
        self.points = self.sharing.plan.points(self.cell)
        self.history: list[StepRun] = []
        self.live: _Live | None = None
        self.start: Snapshot | None = None  # the snapshot the steps so far come from
        self.name = f"{self.cell[0]}[{self.cell[1]}]"

    # -- the cell -----------------------------------------------------------------------------------------

    def run(self, timeout: float) -> Generator[StepRun, None, None]:
        store = self.sharing.store
        found = self._deepest_snapshot()
        if found is not None:
            yield from self._replay(found)
        held: Lock | None = None
        try:
            for point in [p for p in self.points if p > self.done]:
                lock = store.lock(self.keys[point])
                lock.acquire()  # waits while another cell builds it
                if held is not None:
                    held.release()
                held = lock
                found = store.usable(self.keys[point])
                if found is not None:
                    self._drop_live()  # another run built it meanwhile (--reuse): start from it instead
                    yield from self._replay(found)
                    continue
                if store.declined(self.keys[point]) is not None:
                    continue
                try:
                    passed = yield from self._run_until(point, timeout)
                except BaseException:
                    store.decline(self.keys[point], f"{self.name}: the cell stopped while building it")
                    raise
                if not passed:
                    store.decline(self.keys[point], f"{self.name}: a step did not pass")
                    return
                self._offer(point, self.sharing.plan.sharing(self.cell, point), planned=True)
        finally:
            if held is not None:
                held.release()
        if (yield from self._run_until(len(self.steps), timeout)) and self.sharing.reuse:
            self._offer_optional(len(self.steps))

    def shell(self) -> Shell | None:
        """The cell's own shell after its last step (opened from the last snapshot if the cell had none)."""
        if self.live is None and self.start is not None:
            self.live = self._open(self.start)
        return self.live.shell if self.live else None

    def close(self) -> None:
        self._drop_live()

    @property
    def done(self) -> int:
        return len(self.history)

    # -- pieces -------------------------------------------------------------------------------------------

    def _deepest_snapshot(self) -> Snapshot | None:
        depths = range(len(self.steps), 0, -1) if self.sharing.reuse else reversed(self.points)
        for depth in depths:
            found = self.sharing.store.usable(self.keys[depth])
            if found is not None:
                return found
        return None

    def _replay(self, snapshot: Snapshot) -> Generator[StepRun, None, None]:
        """Report the snapshot's steps this cell has not reported yet, checked against its own expectations."""
        shared = SharedStep(snapshot.key[:12], snapshot.built_by, snapshot.run_id)
        runs = []
        for index in range(self.done, snapshot.depth):
            recorded = snapshot.steps[index]
            result = recorded.result()
            problem = self.check(self.steps[index], result)
            if problem is not None:
                raise Diverged(f"{self.name}: step {index + 1} of snapshot {snapshot.key[:12]} differs here")
            runs.append(StepRun(self.steps[index], result, recorded.duration_s, None, shared))
        self.sharing.store.touch(snapshot.key)
        self.start = snapshot
        for run in runs:
            self.history.append(run)
            yield run

    def _open(self, start: Snapshot | None) -> _Live:
        stack = ExitStack()
        try:
            # A snapshot already holds the scenario's files, and its shell already ran the setup.
            opened = self.engine.open_cell(
                self.platform,
                self.labels,
                self.env,
                files=None if start else self.files,
                start=start.image if start else None,
            )
            shell = stack.enter_context(opened)
            boot = shell.start("" if start else self.setup)
            if boot.status != 0:
                raise EngineError(f"could not start bash in the cell: {boot.text.strip() or boot}")
            if start is not None:
                restored = shell.run_aside(start.state, PROBE_TIMEOUT)
                if restored.status != 0:
                    raise EngineError(f"could not restore the shell of snapshot {start.key[:12]}: {restored.text}")
            baseline = _settled(shell.run_aside(LEFTOVERS, PROBE_TIMEOUT).text)
            image = start.image if start else self.support.base_image(self.platform)
            return _Live(stack, shell, self.support.container_of(shell), image, baseline)
        except BaseException:
            stack.close()
            raise

    def _drop_live(self) -> None:
        if self.live is not None:
            live, self.live = self.live, None
            live.stack.close()

    def _run_until(self, depth: int, timeout: float) -> Generator[StepRun, None, bool]:
        """Run this cell's own steps up to ``depth``; False when one fails its check."""
        if self.done >= depth:
            return True
        while self.done < depth:
            if self.live is None:  # the cell's start, or a commit moved it onto its snapshot
                self.live = self._open(self.start)
            live = self.live
            step = self.steps[self.done]
            started = time.monotonic()
            result = self.mask(live.shell.run(step.command, timeout))
            duration = round(time.monotonic() - started, 3)
            live.since_snapshot += duration
            run = StepRun(step, result, duration, self.check(step, result))
            self.history.append(run)
            yield run
            if run.problem is not None:
                return False
            if self.sharing.reuse and self.done < depth and live.since_snapshot >= self.sharing.reuse_segment_s:
                self._offer_optional(self.done)
        return True

    def _offer_optional(self, depth: int) -> None:
        """With --reuse: keep a snapshot here for later runs, unless another cell is making it right now."""
        live = self.live
        if live is None or live.since_snapshot <= 0:
            return
        cap = self.sharing.reuse_max_bytes
        if cap is not None and self.sharing.store.size()[1] >= cap:
            return  # the store is full: the next --reuse run prunes it to the cap
        lock = self.sharing.store.lock(self.keys[depth])
        if not lock.acquire(wait=False):
            return
        try:
            if self.sharing.store.usable(self.keys[depth]) is None:
                self._offer(depth, sharers=2, planned=False)
        finally:
            lock.release()

    def _offer(self, depth: int, sharers: int, planned: bool) -> None:
        """Commit the cell's container as the snapshot after ``depth`` steps, when that is safe and pays."""
        live = self.live
        assert live is not None and self.done == depth
        reason = self._commit(live, depth, sharers, planned)
        if reason is not None and planned:
            self.sharing.store.decline(self.keys[depth], f"{self.name}, after step {depth}: {reason}")
        elif reason is not None:  # one for later runs: they rerun the steps since the last one kept
            self.sharing.store.not_kept(self.keys[depth], f"{self.name}, after step {depth}: {reason}")

    def _commit(self, live: _Live, depth: int, sharers: int, planned: bool) -> str | None:
        """Commit, or say why not."""
        left = _settled(live.shell.run_aside(LEFTOVERS, PROBE_TIMEOUT).text)
        if left != live.baseline:
            return "; ".join(sorted(set(left.splitlines()) - set(live.baseline.splitlines())))
        if planned and not self.sharing.reuse and (sharers - 1) * live.since_snapshot < self.sharing.min_saving_s:
            return f"too quick to be worth a snapshot ({live.since_snapshot:.1f} s, {sharers - 1} other cells)"
        try:
            state = capture(live.shell)
            recorded = tuple(RecordedStep.of(r.step.command, r.result, r.duration_s) for r in self.history[:depth])
            run_id = str(self.labels.run_id)
            snapshot = Snapshot(self.keys[depth], "", depth, recorded, state.script(), self.name, run_id)
            made = self.sharing.store.commit(live.container, self.platform.name, live.image, snapshot)
        except EngineError as exc:
            return f"the snapshot failed: {exc}"
        live.since_snapshot = 0.0
        if planned:
            self._mark_shared(made)  # other cells of this run start from it (a kept-only one: later runs may)
        if self._commits_follow(depth):
            # A commit holds every change since the container started: committed again, this one would hold
            # these changes a second time (the default matrix kept 37 GB where its changes take far less).
            # The rest of the cell goes on from the snapshot, as its sharers do, so each layer holds its own.
            self.start = made
            self._drop_live()
        return None

    def _commits_follow(self, depth: int) -> bool:
        """Whether this cell may commit its container again after ``depth`` steps."""
        if depth >= len(self.steps):
            return False
        return self.sharing.reuse or any(point > depth for point in self.points)

    def _mark_shared(self, snapshot: Snapshot) -> None:
        """The steps this cell ran into a snapshot are shared from now on: say so in its own report too."""
        shared = SharedStep(snapshot.key[:12], snapshot.built_by, snapshot.run_id)
        for index, run in enumerate(self.history[: snapshot.depth]):
            if run.shared is None:
                self.history[index] = StepRun(run.step, run.result, run.duration_s, run.problem, shared)


def _settled(text: str) -> str:
    """The leftovers probe's answer, one fact per line, sorted."""
    return "\n".join(sorted(line for line in text.splitlines() if line))
