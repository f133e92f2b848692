"""The bisection's search: O(log n) rounds, both directions, refusal of a wrong good/bad pair."""

from __future__ import annotations

import math

import pytest

from guideproof.results.record import Outcome
from guideproof.versions.bisect import Bisection, BisectRefused, Observation

VERSIONS = [f"1.{i}" for i in range(100)]


def outcome(breaks_at: int, index: int, fixes: bool = False) -> Observation:
    broken = index < breaks_at if fixes else index >= breaks_at
    return Observation(
        Outcome.FAILED if broken else Outcome.PASSED, f"output differs at 1.{index}", f"diff at 1.{index}"
    )


def search(bisection: Bisection, boundaries: dict[str, int], fixes: bool = False) -> list[tuple[str, list[str]]]:
    rounds = []
    while plan := bisection.plan():
        ran = 0
        for version, cells in plan.items():
            index = VERSIONS.index(version)
            bisection.record(version, {c: outcome(boundaries[c], index, fixes) for c in cells}, cells)
            ran += len(cells)
        bisection.round_done(ran)
        rounds.append((",".join(sorted(plan)), sorted(c for cells in plan.values() for c in cells)))
    return rounds


def test_each_cell_gets_its_own_first_bad_in_log_n_rounds():
    boundaries = {"a[debian-trixie]": 37, "b[debian-bookworm]": 80}
    bisection = Bisection("virtualenv", VERSIONS, good="1.0", bad="1.99")
    bisection.start({c: outcome(b, 99) for c, b in boundaries.items()} | {"c[x]": Observation(Outcome.PASSED)})
    assert set(bisection.cells) == set(boundaries)  # only the cells that fail at --bad are searched
    assert bisection.check_good({c: outcome(b, 0) for c, b in boundaries.items()}) == []
    search(bisection, boundaries)
    assert bisection.rounds <= math.ceil(math.log2(98 + 1)) == bisection.expected_rounds == 7
    assert bisection.runs <= 2 * 7  # never n: a linear search would have run 98 releases per cell
    lines = [f.line() for f in bisection.findings()]
    assert lines == [
        "a[debian-trixie]: first bad 1.37, last good 1.36: output differs at 1.37",
        "b[debian-bookworm]: first bad 1.80, last good 1.79: output differs at 1.80",
    ]
    assert bisection.findings()[0].at_bad.detail == "diff at 1.37"


def test_the_other_direction_finds_the_first_release_that_fixes():
    bisection = Bisection("virtualenv", VERSIONS, good="1.99", bad="1.0")
    assert bisection.direction == "fixes"
    bisection.start({"a": outcome(42, 0, fixes=True)})
    bisection.check_good({"a": outcome(42, 99, fixes=True)})
    search(bisection, {"a": 42}, fixes=True)
    assert [f.line() for f in bisection.findings()] == [
        "a: first good 1.42 (fixed there), last bad 1.41: output differs at 1.41"
    ]


def test_a_bad_that_does_not_fail_is_refused():
    bisection = Bisection("virtualenv", VERSIONS, good="1.0", bad="1.99")
    with pytest.raises(
        BisectRefused, match=r"--bad 1.99 does not fail: 2 cells using virtualenv ran there \(2 passed\)"
    ):
        bisection.start({"a": Observation(Outcome.PASSED), "b": Observation(Outcome.PASSED)})


def test_a_good_that_does_not_pass_is_refused_and_a_partly_wrong_pair_drops_cells():
    bisection = Bisection("virtualenv", VERSIONS, good="1.0", bad="1.99")
    bisection.start({"a": Observation(Outcome.FAILED, "x"), "b": Observation(Outcome.FAILED, "y")})
    dropped = bisection.check_good({"a": Observation(Outcome.PASSED), "b": Observation(Outcome.FAILED, "y at good")})
    assert dropped == ["b: not bisected, --good 1.0 does not pass either (failed: y at good)"]
    assert list(bisection.cells) == ["a"]
    both = Bisection("virtualenv", VERSIONS, good="1.0", bad="1.99")
    both.start({"a": Observation(Outcome.FAILED, "x")})
    with pytest.raises(BisectRefused, match=r"(?s)--good 1.0 does not pass.*a: not bisected"):
        both.check_good({"a": Observation(Outcome.FAILED, "x")})


def test_ends_must_be_in_the_range_and_differ():
    with pytest.raises(BisectRefused, match="--good 2.0 is not among the releases"):
        Bisection("virtualenv", VERSIONS, good="2.0", bad="1.99")
    with pytest.raises(BisectRefused, match="the same release"):
        Bisection("virtualenv", VERSIONS, good="1.5", bad="1.5")


def test_a_skip_stops_that_cell_and_says_where_the_change_is():
    bisection = Bisection("virtualenv", VERSIONS, good="1.0", bad="1.99")
    bisection.start({"a": Observation(Outcome.FAILED, "x")})
    bisection.check_good({"a": Observation(Outcome.PASSED)})
    ((version, cells),) = bisection.plan().items()
    bisection.record(version, {"a": Observation(Outcome.SKIPPED, "PyPI unreachable")}, cells)
    assert bisection.plan() == {}
    assert bisection.findings()[0].line() == (
        "a: not found, skipped at 1.49 (PyPI unreachable); the change is between 1.0 (passed) and 1.99 (failed)"
    )
