"""A compatibility map: the cells of a multi-release run as a grid of releases x cells, and where they change.

Read from a results file of a ``--tool NAME=FIRST..LAST`` run (``nox -s compat``): every cell pinned the tool
to one release. Rows are the releases (oldest first), columns the cells without their pin. ``changes`` lists,
per cell, the releases where its outcome turns from good to bad or back: the map's findings in one line each.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from packaging.version import InvalidVersion, Version

from guideproof.results.record import Outcome, cell_name
from guideproof.results.store import Results


def _version_key(text: str) -> tuple[int, Version | str]:
    try:
        return (0, Version(text))
    except InvalidVersion:
        return (1, text)


@dataclass(frozen=True)
class Square:
    outcome: Outcome
    reason: str = ""
    detail: str = ""
    versions: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Grid:
    tool: str
    releases: list[str]  # oldest first
    columns: list[str]  # cell names: "tier1/venv-basics[debian-trixie-virtualenv]"
    squares: dict[tuple[str, str], Square]  # (release, column) -> what the cell did
    released: dict[str, str] = field(default_factory=dict)  # release -> upload date

    def square(self, release: str, column: str) -> Square | None:
        return self.squares.get((release, column))

    def changes(self) -> dict[str, list[str]]:
        """Per cell, its story along the releases: ``passes up to 20.26.6; fails from 20.27.0 (reason)``."""
        stories: dict[str, list[str]] = {}
        for column in self.columns:
            runs: list[tuple[str, list[str], Square]] = []  # (kind, releases, first square)
            for release in self.releases:
                square = self.square(release, column)
                if square is None:
                    continue
                outcome = square.outcome
                kind = "good" if outcome.good else "bad" if outcome.bad else "other"
                if runs and runs[-1][0] == kind:
                    runs[-1][1].append(release)
                else:
                    runs.append((kind, [release], square))
            parts = []
            for kind, releases, first in runs:
                span = releases[0] if len(releases) == 1 else f"{releases[0]} to {releases[-1]}"
                if kind == "good":
                    parts.append(f"passes {span}")
                elif kind == "bad":
                    parts.append(f"fails {span} ({first.reason})" if first.reason else f"fails {span}")
                else:
                    parts.append(f"{first.outcome} {span}")
            stories[column] = parts
        return stories


def grid_from_results(results: Results, tool: str) -> Grid:
    """The grid of ``tool``'s releases in a results file; cells that did not pin it are left out."""
    squares: dict[tuple[str, str], Square] = {}
    columns: list[str] = []
    releases: set[str] = set()
    for cell in results.cells:
        version = cell.tools.get(tool)
        if version is None:
            continue
        column = cell_name(cell.scenario, cell.cell)
        if column not in columns:
            columns.append(column)
        releases.add(version)
        squares[(version, column)] = Square(cell.outcome, cell.reason, cell.detail, dict(cell.versions))
    released = {t.version: t.released for t in results.run.tools if t.tool == tool}
    return Grid(tool, sorted(releases, key=_version_key), sorted(columns), squares, released)


def tools_of(results: Results) -> list[str]:
    """The tools a results file pinned, in name order."""
    return sorted({tool for cell in results.cells for tool in cell.tools})


def render_text(grid: Grid) -> str:
    """The grid for a terminal: one row per release, one numbered column per cell, a key below."""
    if not grid.columns:
        return f"no cell pinned {grid.tool}: nothing to show\n"
    width = max(len(grid.tool), *(len(r) for r in grid.releases)) + 2
    numbers = [str(i) for i in range(1, len(grid.columns) + 1)]
    cell_width = max(3, *(len(n) + 1 for n in numbers))
    lines = [f"{grid.tool:<{width}}" + "".join(f"{n:>{cell_width}}" for n in numbers) + "  released"]
    for release in grid.releases:
        row = "".join(
            f"{sq.outcome.symbol if (sq := grid.square(release, c)) else '·':>{cell_width}}" for c in grid.columns
        )
        lines.append(f"{release:<{width}}{row}  {grid.released.get(release, '')}".rstrip())
    lines.append("")
    lines += [f"{n:>3}  {column}" for n, column in zip(numbers, grid.columns, strict=True)]
    lines.append("     " + "  ".join(f"{o.symbol} {o.word}" for o in Outcome) + "  · not run")
    lines.append("")
    for number, column in zip(numbers, grid.columns, strict=True):
        lines.append(f"{number:>3}  " + "; ".join(grid.changes()[column]))
    return "\n".join(lines) + "\n"
