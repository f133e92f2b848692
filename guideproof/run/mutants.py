"""Mutation runs: which steps of a scenario does the scenario really check?

Each step is mutated in turn and its cell run again; a mutant the cell still passes on *survives*: what that
step does, or what it prints, is checked by nothing. Two mutations per step:

``true``
    The command is replaced by ``true``: nothing of it runs, it prints nothing and exits 0. Killed when the
    step's own expectation rejects that, or when a later step fails without the step's effects.
``silent``
    The command runs, but its output is dropped and it exits 0. Killed only by the step's own expectation:
    the rest of the cell runs exactly as in the passing run (same effects, same ``$?`` when the step is
    expected to exit 0), so no container is needed to decide it. It survives on a step whose expectation
    accepts no output and status 0: one that checks nothing but that the command ran.

A ``true`` mutant that the step's own check rejects is killed without a run either; the others run from the
deepest snapshot before the mutated step (the cells' commands up to it are unchanged, so the snapshot keys
of a shared prefix or of a ``--reuse`` store still match): a mutant costs the steps after its step, and the
few before it back to that snapshot. The passing run of each cell (the baseline) keeps a snapshot every
``segment_s`` seconds of steps for them. Steps marked ``#setup REASON`` are not mutated.

Which cells: for each scenario, the cells of the selection in matrix order, each taking the steps no earlier
cell runs; a step is mutated in the first cell that runs it, and each ``#if`` branch in a cell that takes it.
A step whose mutants all survive there is tried in the other cells that run it (a shared ``export PATH``
matters only in the cells whose later steps use it): killed in one is checked.

This module works over the runner's API alone (:func:`run_cell` with a :class:`Runtime`), pytest-free; a
face (``guideproof mutants``) assembles the runtime.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from guideproof.engines.shell import CommandResult
from guideproof.matrix.model import Platform
from guideproof.plan.cells import Cell, cells_for
from guideproof.plan.prefixes import PrefixPlan
from guideproof.results.mutants import MutantRecord, MutationRun, ScenarioMutants, StepMutants
from guideproof.results.record import Outcome
from guideproof.run.runner import Runtime, check_step, relative, run_cell
from guideproof.run.shared import Sharing
from guideproof.scenario.model import Branch, Item, Scenario, Step, Switch

TRUE = "true"  # the command replaced by `true`
SILENT = "silent"  # the command's output dropped, exit status 0
MUTATIONS = (TRUE, SILENT)
SEGMENT_S = 5.0  # the baseline keeps a snapshot after this many seconds of steps: a mutant reruns at most this


def mutated(step: Step, mutation: str) -> Step:
    """``step`` with its command mutated (its expectations unchanged)."""
    if mutation == TRUE:
        return dataclasses.replace(step, command="true")
    if mutation == SILENT:
        # A group, so `cd` and variables still take effect; the newline lets a here-document end in the command.
        return dataclasses.replace(step, command=f"{{ {step.command}\n}} >/dev/null 2>&1; true")
    raise ValueError(f"unknown mutation {mutation!r}")


def with_step(scenario: Scenario, line: int, step: Step) -> Scenario:
    """``scenario`` with the step at ``line`` replaced by ``step``."""

    def swap(item: Item) -> Item:
        if isinstance(item, Step) and item.line == line:
            return step
        if isinstance(item, Switch):
            branches = tuple(
                Branch(b.condition, b.line, tuple(swap(i) for i in b.items))  # type: ignore[misc]
                for b in item.branches
            )
            return Switch(branches, item.line)
        return item

    return dataclasses.replace(scenario, items=tuple(swap(i) for i in scenario.items))


def assign_steps(scenario: Scenario, cells: Sequence[Cell]) -> list[tuple[Cell, list[Step]]]:
    """Each cell with the steps it is the first to run (cells left with none are left out)."""
    seen: set[int] = set()
    plan = []
    for cell in cells:
        mine = [s for s in scenario.steps_for(cell.axis_values) if s.line not in seen]
        seen.update(s.line for s in mine)
        if mine:
            plan.append((cell, mine))
    return plan


NOTHING = CommandResult(b"", 0)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass
class MutationOptions:
    segment_s: float = SEGMENT_S
    jobs: int = 1  # mutants of one cell run at the same time
    reuse: bool = False  # start from (and add to) the snapshots kept across runs (--reuse), else the run's own
    now: Callable[[], str] = field(default=_now)
    progress: Callable[[str], None] = field(default=lambda line: None)
    # After each scenario, the run so far (``complete`` False until the last): a long run stopped early
    # still leaves the scenarios it finished.
    partial: Callable[[MutationRun], None] = field(default=lambda run: None)


def mutate_scenario(
    scenario: Scenario, platforms: Sequence[Platform], runtime: Runtime, options: MutationOptions
) -> ScenarioMutants:
    """Every mutant of ``scenario`` on the selected ``platforms``."""
    file = relative(scenario.path, runtime.root)
    cells = [c for c in cells_for(scenario, runtime.matrix, platforms) if scenario.xfail_for(c.axis_values) is None]
    if not cells:
        return ScenarioMutants(scenario.name, file, "", "no cell without a known failure (xfail) on this selection")
    steps: list[StepMutants] = []
    used: list[Cell] = []
    for cell, mine in assign_steps(scenario, cells):
        started = time.monotonic()
        base = run_cell(scenario, cell, _runtime(runtime, options, keep=True))
        options.progress(
            f"{scenario.name}[{cell.id}]: baseline {base.record.outcome} in {time.monotonic() - started:.0f} s"
        )
        if base.record.outcome is not Outcome.PASSED:
            why = base.record.reason or str(base.record.outcome)
            return ScenarioMutants(
                scenario.name, file, cell.id, f"the cell did not pass unmutated: {why}", tuple(steps)
            )
        used.append(cell)
        steps += _mutate_cell(scenario, cell, mine, runtime, options)
    steps = [_elsewhere(scenario, st, used, runtime, options) for st in steps]
    ids = ", ".join(c.id for c in used)
    return ScenarioMutants(scenario.name, file, ids, "", tuple(sorted(steps, key=lambda s: s.line)))


def _run_true(scenario: Scenario, cell: Cell, step: Step, runtime: Runtime, options: MutationOptions) -> MutantRecord:
    """The ``true`` mutant of ``step`` in ``cell``, run from the deepest snapshot before it."""
    began = time.monotonic()
    record = run_cell(with_step(scenario, step.line, mutated(step, TRUE)), cell, runtime).record
    took = round(time.monotonic() - began, 1)
    if record.outcome is Outcome.PASSED:
        found = MutantRecord(TRUE, "survived", None, ran=True, duration_s=took, cell=cell.id)
    elif record.outcome is Outcome.FAILED and record.failed_line is not None and record.failed_line >= step.line:
        found = MutantRecord(TRUE, "killed", record.failed_line, ran=True, duration_s=took, cell=cell.id)
    else:  # an error, or a failure before the mutated step (a flaky step): decides nothing
        found = MutantRecord(
            TRUE, "error", record.failed_line, ran=True, duration_s=took, reason=record.reason, cell=cell.id
        )
    options.progress(f"{scenario.name}:{step.line} [{cell.id}] `true`: {found.outcome} ({took:.0f} s)")
    return found


def _elsewhere(
    scenario: Scenario, mutants: StepMutants, cells: Sequence[Cell], runtime: Runtime, options: MutationOptions
) -> StepMutants:
    """A step every mutant of which survived in its first cell gets a second chance in the other cells that run
    it (a shared ``export PATH`` matters only where a later step uses it): checked there is checked."""
    if mutants.setup is not None or mutants.checked:
        return mutants
    step = next(s for s in scenario.all_steps() if s.line == mutants.line)
    others = [c for c in cells if c.id != mutants.cell and step in scenario.steps_for(c.axis_values)]
    for cell in others:
        found = _run_true(scenario, cell, step, _runtime(runtime, options, keep=False), options)
        if found.outcome == "killed":
            kept = tuple(found if m.mutation == TRUE else m for m in mutants.mutants)
            return dataclasses.replace(mutants, mutants=kept)
    return mutants


def _runtime(runtime: Runtime, options: MutationOptions, keep: bool) -> Runtime:
    """``runtime`` sharing through its engine's snapshots: the baseline (``keep``) leaves one every ``segment_s``
    seconds; a mutant starts from the deepest one before its step and leaves none. An engine without snapshots
    (local) runs every mutant from the first step."""
    support = runtime.engine.snapshots
    if support is None:
        return dataclasses.replace(runtime, sharing=None, update_expected=False, keep_failed=False)
    sharing = Sharing(
        PrefixPlan.of({}),
        support.store(runtime.run_id, options.reuse),  # the run's own store is swept when the engine finishes
        reuse=True,  # look for a snapshot at every depth
        reuse_segment_s=options.segment_s if keep else math.inf,
        reuse_max_bytes=None if keep else 0.0,  # a mutant never keeps a snapshot
    )
    return dataclasses.replace(runtime, sharing=sharing, update_expected=False, keep_failed=False)


def _mutate_cell(
    scenario: Scenario, cell: Cell, steps: Sequence[Step], runtime: Runtime, options: MutationOptions
) -> list[StepMutants]:
    mutant_runtime = _runtime(runtime, options, keep=False)
    decided: dict[int, dict[str, MutantRecord]] = {}
    to_run: list[Step] = []
    for step in steps:
        if step.setup is not None:
            continue
        # Both mutants print nothing and exit 0: the step's own check decides them when it rejects that.
        at_step = check_step(scenario, cell, step, NOTHING) is not None
        outcome = "killed" if at_step else "survived"
        decided[step.line] = {SILENT: MutantRecord(SILENT, outcome, step.line if at_step else None, ran=False)}
        if at_step:
            decided[step.line][TRUE] = MutantRecord(TRUE, "killed", step.line, ran=False)
        else:
            to_run.append(step)

    def run(step: Step) -> tuple[int, MutantRecord]:
        return step.line, _run_true(scenario, cell, step, mutant_runtime, options)

    with ThreadPoolExecutor(max_workers=max(1, options.jobs)) as pool:
        for line, record in pool.map(run, to_run):
            decided[line][TRUE] = record
    out = []
    for step in steps:
        if step.setup is not None:
            out.append(StepMutants(step.line, step.command, cell.id, setup=step.setup))
            continue
        mutants = tuple(decided[step.line][m] for m in MUTATIONS)
        out.append(StepMutants(step.line, step.command, cell.id, mutants=mutants))
    return out


def mutation_run(
    scenarios: Iterable[Scenario],
    platforms: Sequence[Platform],
    runtime: Runtime,
    options: MutationOptions | None = None,
) -> MutationRun:
    """Mutate every step of ``scenarios`` on ``platforms`` (one platform is the usual selection)."""
    options = options or MutationOptions()
    started, began = options.now(), time.monotonic()
    selected = list(scenarios)
    done: list[ScenarioMutants] = []

    def so_far() -> MutationRun:
        return MutationRun(
            started=started,
            finished=options.now(),
            wall_s=round(time.monotonic() - began, 1),
            engine=runtime.engine.name,
            platforms=tuple(p.name for p in platforms),
            scenarios=tuple(done),
            complete=len(done) == len(selected),
        )

    for scenario in selected:
        done.append(mutate_scenario(scenario, platforms, runtime, options))
        if len(done) < len(selected):
            options.partial(so_far())
    return so_far()
