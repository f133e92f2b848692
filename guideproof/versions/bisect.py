"""Bisect a tool's releases: for each cell that fails at ``--bad``, the adjacent pair of releases where it flips.

The search is over the releases between ``--good`` and ``--bad`` (oldest first, see ``versions.releases``). Each
cell keeps the nearest release where it passed and the nearest where it failed; a round runs every open cell
at the middle of its own interval, so a round is one run of several cells (cells with the same interval share
a release) and the number of rounds is the logarithm of the range, not its length. It works in both
directions: ``--good`` older than ``--bad`` finds the first release that breaks a cell, ``--good`` newer
finds the first that fixes it. Nothing here runs a cell: the caller runs what ``plan`` asks and ``record``s it.

A bisection assumes one change between the ends. A cell that flips back and forth is reported at one of its
boundaries; a compatibility map (``versions.compat``) shows them all.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from guideproof.errors import NothingToBisect
from guideproof.results.record import Outcome, counted


class BisectRefused(NothingToBisect):
    """The ends given do not bracket a change: the message says which end and why."""


@dataclass(frozen=True)
class Observation:
    """What one cell did at one release."""

    outcome: Outcome
    reason: str = ""
    detail: str = ""  # the failure report: the failing step and its diff


@dataclass
class CellSearch:
    cell: str  # the cell without its tool pin, e.g. "tier1/venv-basics[debian-trixie-virtualenv]"
    good: int  # index of the nearest release where it passed
    bad: int  # index of the nearest release where it failed
    at_bad: Observation  # what it did there
    stopped: str = ""  # why the search stopped before the boundary (a skip, a cell not run)

    @property
    def open(self) -> bool:
        return not self.stopped and abs(self.good - self.bad) > 1

    @property
    def middle(self) -> int:
        return (self.good + self.bad) // 2


@dataclass(frozen=True)
class Finding:
    cell: str
    direction: str  # "breaks" or "fixes"
    good: str  # the release at the good side of the boundary
    bad: str  # the release at the bad side
    at_bad: Observation
    stopped: str = ""

    def line(self) -> str:
        if self.stopped:
            where = f"between {self.good} (passed) and {self.bad} (failed)"
            return f"{self.cell}: not found, {self.stopped}; the change is {where}"
        reason = f": {self.at_bad.reason}" if self.at_bad.reason else ""
        if self.direction == "breaks":
            return f"{self.cell}: first bad {self.bad}, last good {self.good}{reason}"
        return f"{self.cell}: first good {self.good} (fixed there), last bad {self.bad}{reason}"


@dataclass
class Bisection:
    tool: str
    versions: Sequence[str]  # the candidate releases, oldest first; both ends included
    good: str
    bad: str
    cells: dict[str, CellSearch] = field(default_factory=dict)
    excluded: dict[str, str] = field(default_factory=dict)  # cell -> why it is not searched
    rounds: int = 0  # rounds of the search proper (the two checks of the ends are not counted)
    runs: int = 0  # cell runs of the search proper

    def __post_init__(self) -> None:
        for end, name in ((self.good, "--good"), (self.bad, "--bad")):
            if end not in self.versions:
                raise BisectRefused(f"{name} {end} is not among the releases of {self.tool} being searched")
        if self.good == self.bad:
            raise BisectRefused(f"--good and --bad are the same release ({self.good}): there is nothing between them")

    @property
    def good_index(self) -> int:
        return list(self.versions).index(self.good)

    @property
    def bad_index(self) -> int:
        return list(self.versions).index(self.bad)

    @property
    def direction(self) -> str:
        return "breaks" if self.good_index < self.bad_index else "fixes"

    @property
    def span(self) -> int:
        """Releases strictly between the ends: what a linear search would run."""
        return abs(self.good_index - self.bad_index) - 1

    @property
    def expected_rounds(self) -> int:
        """ceil(log2(span + 1)): the rounds a binary search needs for one boundary in ``span`` releases."""
        return math.ceil(math.log2(self.span + 1)) if self.span > 0 else 0

    def start(self, at_bad: Mapping[str, Observation]) -> None:
        """The cells' outcomes at ``--bad``: those that failed are searched. Refuses when none did."""
        failing = {cell: seen for cell, seen in at_bad.items() if seen.outcome.bad}
        if not failing:
            counts = counted(at_bad.values()) or "none"
            raise BisectRefused(
                f"--bad {self.bad} does not fail: {cells(len(at_bad))} using {self.tool} ran there ({counts}) and"
                f" none failed, so there is nothing to bisect. Choose a --bad release where a cell fails."
                if at_bad
                else f"--bad {self.bad}: no cell using {self.tool} ran (check -k, --platform and the scenarios)"
            )
        for cell, seen in at_bad.items():
            if not seen.outcome.bad:
                continue
            self.cells[cell] = CellSearch(cell, self.good_index, self.bad_index, seen)

    def check_good(self, at_good: Mapping[str, Observation]) -> list[str]:
        """The searched cells' outcomes at ``--good``: a cell that does not pass there is dropped (the pair is
        wrong for it), with a line saying so. Refuses when no cell passes at ``--good``."""
        lines = []
        for cell in list(self.cells):
            seen = at_good.get(cell)
            if seen is not None and seen.outcome.good:
                continue
            what = f"{seen.outcome}: {seen.reason}" if seen else "did not run"
            self.excluded[cell] = f"--good {self.good} does not pass ({what})"
            lines.append(f"{cell}: not bisected, --good {self.good} does not pass either ({what})")
            del self.cells[cell]
        if not self.cells:
            raise BisectRefused(
                f"--good {self.good} does not pass: every cell that fails at --bad {self.bad} also fails or is"
                f" skipped at {self.good}:\n  " + "\n  ".join(lines) + "\nChoose a --good release where they pass."
            )
        return lines

    def plan(self) -> dict[str, list[str]]:
        """The next round: release -> the cells to run at it. Empty when every search is over."""
        wanted: dict[str, list[str]] = {}
        for search in self.cells.values():
            if search.open:
                wanted.setdefault(self.versions[search.middle], []).append(search.cell)
        return wanted

    def record(self, version: str, seen: Mapping[str, Observation], cells: Sequence[str]) -> None:
        """Outcomes of one round's ``cells`` at ``version`` (a cell missing from ``seen`` did not run)."""
        index = list(self.versions).index(version)
        for cell in cells:
            search = self.cells[cell]
            observation = seen.get(cell)
            if observation is None:
                search.stopped = f"it did not run at {version}"
            elif observation.outcome.good:
                search.good = index
            elif observation.outcome.bad:
                search.bad, search.at_bad = index, observation
            else:
                search.stopped = f"{observation.outcome} at {version} ({observation.reason})"

    def round_done(self, cells_run: int) -> None:
        self.rounds += 1
        self.runs += cells_run

    def findings(self) -> list[Finding]:
        return [
            Finding(
                cell=s.cell,
                direction=self.direction,
                good=self.versions[s.good],
                bad=self.versions[s.bad],
                at_bad=s.at_bad,
                stopped=s.stopped,
            )
            for s in sorted(self.cells.values(), key=lambda s: s.cell)
        ]


def cells(count: int) -> str:
    """``1 cell``, ``2 cells``."""
    return f"{count} cell" if count == 1 else f"{count} cells"
