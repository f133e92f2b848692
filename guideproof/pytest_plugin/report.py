"""Gathering the cells' records (the controller's own and its workers'), then the results file, the updates
and the terminal summary."""

from __future__ import annotations

import platform as host_platform
from pathlib import Path
from typing import Any

import pytest

from guideproof import __version__
from guideproof.pytest_plugin.collect import CELL_PROPERTY, UPDATE_PROPERTY
from guideproof.pytest_plugin.state import RunState, now
from guideproof.results.record import CellRecord, Outcome, RunInfo, tally
from guideproof.results.store import Results, write_results
from guideproof.scenario.write import Update, apply_updates


class Reporter:
    """A plugin object of the controller: reads records from reports, writes results and updates at the end."""

    def __init__(self, state: RunState) -> None:
        self.state = state
        self.records: list[CellRecord] = []
        self.updates: list[Update] = []
        self.update_lines: list[str] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "call":
            return
        for name, value in report.user_properties:
            if name == CELL_PROPERTY:
                self.records.append(CellRecord.from_json(value))  # type: ignore[arg-type]
            elif name == UPDATE_PROPERTY:
                self.updates.append(Update.from_json(value))  # type: ignore[arg-type]

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        state = self.state
        if not state.active or session.config.option.collectonly:
            return  # --collect-only runs nothing: the last run's results stay as they are
        info = RunInfo(
            engine=state.engine_name or "none",
            started=state.started,
            finished=now(),
            host=host_platform.node(),
            harness_version=__version__,
            tools=tuple(state.tool_versions),
        )
        write_results(self.results_path, Results.of(info, self.records))
        if self.updates:
            changed, conflicts = apply_updates(self.updates)
            self.update_lines = changed + conflicts
        state.finish()

    @property
    def results_path(self) -> Path:
        config = self.state.config
        return Path(config.invocation_params.dir, config.getoption("results"))

    def pytest_terminal_summary(self, terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
        if not self.state.active or config.option.collectonly:
            return
        terminalreporter.section("scenario cells")
        summary = ", ".join(f"{n} {o}" for o, n in tally(self.records).items()) or "no cell ran"
        terminalreporter.write_line(f"{summary} (engine {self.state.engine_name}, run {self.state.run_id})")
        for record in self.records:
            if record.outcome is not Outcome.PASSED:
                where = f"{record.scenario}[{record.id}]"
                terminalreporter.write_line(f"{record.outcome.upper():8} {where}: {record.reason}")
        terminalreporter.write_line(f"results: {self.results_path}")
        for line in self.update_lines:
            terminalreporter.write_line(line)
