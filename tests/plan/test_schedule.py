"""The order cells are handed to workers: longest chains first, builders early, no waiting while work is left."""

from __future__ import annotations

from guideproof.plan.prefixes import Path, PrefixPlan
from guideproof.plan.schedule import Durations, Job, dispatch_order, handed_out, makespan, simulate, timings
from guideproof.results.record import CellRecord, Outcome, StepRecord


def _cells(spec: dict[str, tuple[tuple[str, float], ...]]) -> tuple[PrefixPlan, dict, list]:
    """``{"name": (("command", seconds), ...)}``: every cell on one root."""
    paths = {("s", name): Path("root", tuple(c for c, _ in steps)) for name, steps in spec.items()}
    costs = {("s", name): [t for _, t in steps] for name, steps in spec.items()}
    return PrefixPlan.of(paths), costs, list(paths)


def test_the_longest_cells_start_first():
    plan, costs, cells = _cells({f"c{n}": ((f"only c{n}", float(t)),) for n, t in enumerate([2, 2, 2, 2, 4])})
    order = dispatch_order(cells, costs, plan, 2)
    assert order[0] == ("s", "c4")
    # In the order collected, the long cell starts last and the run ends at 8 s; longest first, at 6 s.
    assert makespan(cells, costs, plan, 2) == 8
    assert makespan(order, costs, plan, 2) == 6


def test_a_snapshot_builder_starts_first_and_its_sharers_wait_for_nothing():
    shared = (("apt-get update", 5.0), ("apt-get install -y big", 20.0))
    spec = {f"sharer{n}": (*shared, (f"own step {n}", 3.0)) for n in range(6)}
    spec |= {"alone-a": (("something else", 8.0),), "alone-b": (("another thing", 8.0),)}
    plan, costs, cells = _cells(spec)
    # Collected with the independent cells first and the sharers after them.
    cells = [("s", "alone-a"), ("s", "alone-b"), *[c for c in cells if c[1].startswith("sharer")]]
    order = dispatch_order(cells, costs, plan, 2)
    assert order[0][1].startswith("sharer")  # it builds the snapshot six cells need: the longest chain
    # While the snapshot is built (25 s), the other worker runs the independent cells, not a waiting sharer.
    assert {order[1], order[2]} == {("s", "alone-a"), ("s", "alone-b")}
    assert makespan(order, costs, plan, 2) < makespan(cells, costs, plan, 2)


def test_the_order_handed_to_a_queueing_dispatcher_keeps_each_workers_cells():
    spec = {f"c{n}": ((f"only c{n}", float(t)),) for n, t in enumerate([9, 8, 7, 3, 3, 2, 2, 1, 1, 1])}
    plan, costs, cells = _cells(spec)
    starts = simulate(cells, costs, plan, 3)
    best = makespan([s.cell for s in starts], costs, plan, 3)
    queued = handed_out(starts, 3)
    assert sorted(queued) == sorted(cells)
    assert makespan(queued, costs, plan, 3, queued=True) == best
    # Handed out as started, a queueing dispatcher puts the two longest cells on one worker (it is given
    # the first two cells at once): the run ends later.
    assert makespan([s.cell for s in starts], costs, plan, 3, queued=True) > best


def test_every_cell_is_ordered_once_also_without_a_plan():
    plan, costs, cells = _cells({f"c{n}": (("x", 1.0),) for n in range(7)})
    assert sorted(dispatch_order(cells, costs, None, 3)) == sorted(cells)
    assert sorted(handed_out(simulate(cells, costs, None, 2), 2)) == sorted(cells)


def _record(scenario: str, cell: str, steps: list[tuple[int, float]]) -> CellRecord:
    records = tuple(StepRecord(line, 0, seconds, "") for line, seconds in steps)
    return CellRecord(scenario, {"platform": cell}, Outcome.PASSED, steps=records)


def test_a_later_record_replaces_only_the_steps_it_ran():
    """The last run's results file is read after the baseline: a cell it did not run (an interrupted run,
    a skip) or cut short (a failure) keeps the baseline's times for the steps it has no time of."""
    baseline = [_record("a", "deb12", [(3, 40.0), (5, 10.0), (9, 2.0)]), _record("b", "deb12", [(2, 30.0)])]
    interrupted = [_record("a", "deb12", []), _record("b", "deb12", [])]
    failed = [_record("a", "deb12", [(3, 44.0)])]
    found = {(s, c): steps for s, c, steps in timings([*baseline, *interrupted, *failed])}
    assert found[("a", "deb12")] == ((3, 44.0), (5, 10.0), (9, 2.0))
    assert found[("b", "deb12")] == ((2, 30.0),)
    assert timings(interrupted) == []  # no step known: nothing to say


def test_step_times_come_from_the_same_cell_else_the_same_command():
    jobs = [
        Job(("a", "deb12"), "deb12", ("apt-get update", "pip install x", "new step"), (3, 5, 9)),
        Job(("b", "deb12"), "deb12", ("apt-get update", "unknown"), (2, 4)),
        Job(("b", "deb13"), "deb13", ("pip install x",), (2,)),
    ]
    records = [_record("a", "deb12", [(3, 4.0), (5, 10.0)]), _record("b", "other", [(2, 99.0)])]
    durations = Durations.of(timings(records), jobs)
    assert durations.costs(jobs[0]) == (4.0, 10.0, 7.0)  # a new step: the median of every step known
    assert durations.costs(jobs[1]) == (4.0, 7.0)  # the same command on the same platform
    assert durations.costs(jobs[2]) == (10.0,)  # the same command on another platform
    assert Durations().costs(jobs[1]) == (1.0, 1.0)  # nothing known
