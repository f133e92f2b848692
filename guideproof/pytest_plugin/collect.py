"""Scenario files become pytest collectors, and each of their cells one test item."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from guideproof.errors import UserError
from guideproof.matrix.model import Matrix
from guideproof.paths import display_path
from guideproof.plan.cells import Cell, Planned
from guideproof.pytest_plugin.state import STATE, RunState, usage_errors
from guideproof.results.record import CellRecord, Outcome
from guideproof.run.runner import CellRun, not_run, run_cell
from guideproof.scenario.model import Scenario
from guideproof.scenario.names import SUFFIX

CELL_PROPERTY = "guideproof_cell"  # a report's user property: the cell's record (JSON), read by the Reporter
UPDATE_PROPERTY = "guideproof_update"  # the failing command's actual output, for --update-expected


def planned_cells(state: RunState, path: Path) -> Planned:
    """The scenario at ``path``, its matrix, and its selected cells with their item names: what collection
    makes items of, and what the controller of an xdist run knows of the items its workers collected."""
    with usage_errors():
        return state.session.planned(path)


NO_CELL = "no-cell"  # the id of the item that stands for a scenario none of whose cells runs here


class ScenarioFile(pytest.File):
    """A ``*.scenario`` file: parsed against the nearest ``matrix.toml``, one item per cell of the run."""

    def collect(self) -> Iterator[ScenarioItem]:
        state = self.config.stash[STATE]
        state.active = True
        session = state.session
        scenario, matrix, cells = planned_cells(state, self.path)
        state.add_markers(matrix)
        for name, cell in cells:
            with usage_errors():
                cannot_run = session.cannot_run(cell.platform)
            item = ScenarioItem.from_parent(
                self,
                name=name,
                scenario=scenario,
                cell=cell,
                matrix=matrix,
                cannot_run=cannot_run,
            )
            for marker in cell.markers():
                item.add_marker(marker)
            yield item
        if not cells and not session.selection.narrowed and not session.tools_requested:
            with usage_errors():
                engine = session.engine.name
            reason = f"no platform of this scenario ({', '.join(scenario.platforms)}) runs on the {engine} engine"
            stem = Path(scenario.name).name
            yield ScenarioItem.from_parent(
                self, name=f"{stem}[{NO_CELL}]", scenario=scenario, cell=None, matrix=matrix, skip_reason=reason
            )

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, UserError | pytest.UsageError):  # usage_errors() words the core's
            return str(excinfo.value)
        return super().repr_failure(excinfo)


class ScenarioFailure(Exception):
    """A cell failed: the message is the whole report (file:line, cell, command, diff)."""


class ScenarioItem(pytest.Item):
    """One cell of a scenario (or, with ``cell=None``, a visible skip: no platform of it runs on this engine)."""

    def __init__(
        self,
        *,
        scenario: Scenario,
        cell: Cell | None,
        matrix: Matrix,
        skip_reason: str = "",
        cannot_run: tuple[Outcome, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario
        self.cell = cell
        self.matrix = matrix
        self.skip_reason = skip_reason
        self.cannot_run = cannot_run  # the engine cannot run this cell's platform: outcome and reason

    def not_run(self, reason: str, outcome: Outcome = Outcome.ERROR) -> CellRecord:
        """This cell's record when it did not run (the reason starts with ``not run:`` unless given)."""
        assert self.cell is not None
        return not_run(self.scenario, self.cell, self.config.rootpath, outcome, reason)

    def runtest(self) -> None:
        if self.cell is None:
            pytest.skip(self.skip_reason)
        state = self.config.stash[STATE]
        if self.cannot_run is not None:
            run = CellRun(self.not_run(self.cannot_run[1], self.cannot_run[0]))
        else:
            run = run_cell(self.scenario, self.cell, state.session.runtime(self.matrix))
        self.user_properties.append((CELL_PROPERTY, run.record.to_json()))
        if self.config.getoption("update_expected") and self.scenario.path.suffix == SUFFIX:
            # A page tested in place is the reader's text: it is never rewritten (the failure shows the output).
            self.user_properties.extend((UPDATE_PROPERTY, update.to_json()) for update in run.updates)
        record = run.record
        if record.outcome is Outcome.SKIPPED:
            pytest.skip(record.reason)
        if record.outcome is Outcome.XFAILED:
            pytest.xfail(record.reason)
        if record.outcome.bad:
            raise ScenarioFailure(record.detail or record.reason)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, ScenarioFailure | UserError):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    @property
    def first_line(self) -> int:
        steps = self.scenario.steps_for(self.cell.axis_values) if self.cell else self.scenario.all_steps()
        return steps[0].line if steps else 1

    def reportinfo(self) -> tuple[Path, None, str]:
        return self.path, None, f"{self.scenario.name} [{self.cell.id if self.cell else 'no cell'}]"

    def skip_location(self) -> tuple[str, int]:
        """Where a skip of this cell points: the scenario file, not the plugin line that raised it."""
        return display_path(self.scenario.path), self.first_line
