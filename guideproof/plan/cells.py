"""A scenario's cells: the cross product of its platforms and axes, narrowed by the user's selection.

:class:`Planner` plans one file in one visit to each layer below: the catalog reads the file and its matrix,
the selection is checked against the matrix and picks its platforms, the matrix gives the places of the
cells, and in a ``--tool`` run the scenario says which cells use a tool.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from guideproof.matrix.model import Matrix, Platform, Values
from guideproof.matrix.selection import Selection
from guideproof.matrix.where import Where
from guideproof.results.record import ToolVersion, cell_id, cell_name
from guideproof.scenario.catalog import Catalog
from guideproof.scenario.model import Scenario


@dataclass(frozen=True)
class Cell:
    """One run of a scenario: a platform, one value of each axis the scenario lists, and any --tool pins."""

    platform: Platform
    values: Values  # (("platform", ...), (axis, value), ...) in matrix order
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


def cells_for(
    scenario: Scenario,
    matrix: Matrix,
    platforms: Sequence[Platform],
    where: Where | None = None,
) -> list[Cell]:
    """Cells of ``scenario`` on ``platforms`` whose values match ``where``: the cells of a scenario already
    read, on platforms already chosen (a mutation run's). A run plans its files with :class:`Planner`."""
    places = matrix.combinations(platforms, scenario.platforms, scenario.axes, where or Where())
    return [Cell(platform, values) for platform, values in places]


class Planned(NamedTuple):
    """A scenario file planned: the scenario, its matrix, and the cells a run makes of it with their item names."""

    scenario: Scenario
    matrix: Matrix
    cells: list[tuple[str, Cell]]


@dataclass
class Planner:
    """Plans the files of one run: ``selection`` narrows every file's cells, ``catalog`` reads each file once."""

    selection: Selection
    catalog: Catalog = field(default_factory=Catalog)

    def matrix(self, path: Path) -> Matrix:
        """The matrix at ``path`` (a ``matrix.toml``), with the selection checked against it."""
        matrix = self.catalog.matrix(path)
        self.selection.check(matrix)
        return matrix

    def read(self, path: Path) -> tuple[Scenario, Matrix]:
        """The scenario at ``path`` and its matrix, with the selection checked against the matrix."""
        scenario, matrix = self.catalog.load(path)
        self.selection.check(matrix)
        return scenario, matrix

    def plan(
        self, path: Path, kinds: Collection[str] | None = None, versions: Sequence[ToolVersion] | None = None
    ) -> Planned:
        """The scenario at ``path``, its matrix, and every cell the selection keeps on the platforms of ``kinds``
        (None: of every kind). In a ``--tool`` run (``versions`` given) only the cells that use a requested
        tool are kept, once per version of it."""
        scenario, matrix = self.read(path)
        platforms = self.selection.chosen(matrix, kinds)
        places = matrix.combinations(platforms, scenario.platforms, scenario.axes, self.selection.axes)
        cells = [Cell(platform, values) for platform, values in places]
        if versions is not None:
            by_tool: dict[str, list[str]] = {}
            for resolved in versions:
                by_tool.setdefault(resolved.tool, []).append(resolved.version)
            pinned = []
            for cell in cells:
                commands = [step.command for step in scenario.steps_for(cell.axis_values)]
                used = [name for name in by_tool if matrix.tools[name].named_in(commands)]
                if not used:
                    continue  # the cell uses none of the tools: a --tool run leaves it out
                for combo in itertools.product(*(by_tool[name] for name in used)):
                    pinned.append(Cell(cell.platform, cell.values, tuple(zip(used, combo, strict=True))))
            cells = pinned
        stem = Path(scenario.name).name
        named = [(cell_name(stem, cell.axis_values, dict(cell.tools)), cell) for cell in cells]
        return Planned(scenario, matrix, named)
