"""A scenario's cells: the cross product of its platforms and axes, narrowed by the user's selection."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from guideproof.matrix.model import PLATFORM, Matrix, Platform, Tool
from guideproof.matrix.where import Where, matches_any
from guideproof.results.record import ToolVersion, cell_id
from guideproof.scenario.model import Scenario, Step


@dataclass(frozen=True)
class Cell:
    """One run of a scenario: a platform, one value of each axis the scenario lists, and any --tool pins."""

    platform: Platform
    values: tuple[tuple[str, str], ...]  # (("platform", ...), (axis, value), ...) in matrix order
    tools: tuple[tuple[str, str], ...] = ()  # (tool, exact version) pinned in this cell by --tool

    @property
    def id(self) -> str:
        return cell_id(self.axis_values, dict(self.tools))

    @property
    def axis_values(self) -> dict[str, str]:
        """``{"platform": ..., axis: value, ...}``: what conditions, xfails and records are matched against."""
        return dict(self.values)

    def markers(self) -> list[str]:
        return [marker_name(axis, value) for axis, value in self.values]


def marker_name(axis: str, value: str) -> str:
    """``env`` + ``venv-copies`` → ``env_venv_copies``: usable in ``-m`` expressions."""
    return re.sub(r"\W", "_", f"{axis}_{value}")


def uses(tool: Tool, steps: Iterable[Step]) -> bool:
    """Does any command name the tool's package (or one of its commands) as a word?"""
    words = "|".join(re.escape(w) for w in (tool.package, *tool.commands))
    pattern = re.compile(rf"(?<![\w.\-]){words}(?![\w\-])")
    return any(pattern.search(step.command) for step in steps)


def cells_for(
    scenario: Scenario,
    matrix: Matrix,
    platforms: Sequence[Platform],
    where: Where | None = None,
) -> list[Cell]:
    """Cells of ``scenario`` on ``platforms`` (those the engine runs, already narrowed by --platform)
    whose values match ``where`` (the --axis selection)."""
    where = where or Where()
    chosen = [p for p in platforms if matches_any(p.name, scenario.platforms)]
    axes = [matrix.axis(name) for name in scenario.axes]
    cells = []
    for platform in chosen:
        for combo in itertools.product(*(axis.names for axis in axes)):
            values = ((PLATFORM, platform.name), *zip(scenario.axes, combo, strict=True))
            if where.matches(dict(values)):
                cells.append(Cell(platform, values))
    return cells


def with_tool_versions(
    cells: Sequence[Cell],
    scenario: Scenario,
    versions: Sequence[ToolVersion],
    tools: dict[str, Tool],
) -> list[Cell]:
    """With ``--tool``: each cell that uses a requested tool, once per version of it; the others are dropped."""
    by_tool: dict[str, list[str]] = {}
    for resolved in versions:
        by_tool.setdefault(resolved.tool, []).append(resolved.version)
    out = []
    for cell in cells:
        steps = scenario.steps_for(cell.axis_values)
        used = [name for name in by_tool if uses(tools[name], steps)]
        if not used:
            continue  # the cell uses none of the tools: a --tool run leaves it out
        for combo in itertools.product(*(by_tool[name] for name in used)):
            out.append(Cell(cell.platform, cell.values, tuple(zip(used, combo, strict=True))))
    return out


def run_cells(
    scenario: Scenario,
    matrix: Matrix,
    platforms: Sequence[Platform],
    where: Where,
    versions: Sequence[ToolVersion] | None = None,
) -> list[Cell]:
    """The cells a run makes of ``scenario``: :func:`cells_for`, and in a ``--tool`` run (``versions`` given)
    only the cells that use a tool, once per version (:func:`with_tool_versions`)."""
    cells = cells_for(scenario, matrix, platforms, where)
    if versions is not None:
        cells = with_tool_versions(cells, scenario, versions, matrix.tools)
    return cells
