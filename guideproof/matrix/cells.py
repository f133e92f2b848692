"""A scenario's cells: the cross product of its platforms and axes, narrowed by the user's selection."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

from guideproof.matrix.model import Matrix, Platform, Tool
from guideproof.matrix.tools import ResolvedVersion, uses
from guideproof.scenario.model import Scenario, XFail


@dataclass(frozen=True)
class Cell:
    platform: Platform
    values: tuple[tuple[str, str], ...]  # (("platform", ...), (axis, value), ...) in matrix order
    tools: tuple[tuple[str, str], ...] = ()  # (tool, exact version) pinned in this cell by --tool

    @property
    def id(self) -> str:
        return "-".join([*(v for _, v in self.values), *(f"{t}=={v}" for t, v in self.tools)])

    @property
    def as_dict(self) -> dict[str, str]:
        return dict(self.values)

    def markers(self) -> list[str]:
        return [marker_name(axis, value) for axis, value in self.values]

    def xfail(self, scenario: Scenario) -> XFail | None:
        values = self.as_dict
        return next((x for x in scenario.xfails if x.matches(values)), None)


def marker_name(axis: str, value: str) -> str:
    """``env`` + ``venv-copies`` → ``env_venv_copies``: usable in ``-m`` expressions."""
    return re.sub(r"\W", "_", f"{axis}_{value}")


def cells_for(
    scenario: Scenario,
    matrix: Matrix,
    platforms: Sequence[Platform],
    axis_filters: dict[str, list[str]] | None = None,
) -> list[Cell]:
    """Cells of ``scenario`` on ``platforms`` (those the engine can run, already narrowed by --platform)."""
    filters = axis_filters or {}
    chosen = [p for p in platforms if any(fnmatchcase(p.name, g) for g in scenario.platforms)]
    axes = [matrix.axis(name) for name in scenario.axes]
    cells = []
    for platform in chosen:
        for combo in itertools.product(*(axis.names for axis in axes)):
            values = (("platform", platform.name), *zip(scenario.axes, combo, strict=True))
            if all(any(fnmatchcase(value, g) for g in filters[axis]) for axis, value in values[1:] if axis in filters):
                cells.append(Cell(platform, values))
    return cells


def with_tool_versions(
    cells: Sequence[Cell],
    scenario: Scenario,
    versions: Sequence[ResolvedVersion],
    tools: dict[str, Tool],
) -> list[Cell]:
    """With ``--tool``: each cell that uses a requested tool, once per version of it; the others are dropped."""
    by_tool: dict[str, list[str]] = {}
    for resolved in versions:
        by_tool.setdefault(resolved.tool, []).append(resolved.version)
    out = []
    for cell in cells:
        steps = scenario.steps_for(cell.as_dict)
        used = [name for name in by_tool if uses(tools[name], steps)]
        for combo in itertools.product(*(by_tool[name] for name in used)):
            if used:
                out.append(Cell(cell.platform, cell.values, tuple(zip(used, combo, strict=True))))
    return out
