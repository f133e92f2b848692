"""Gathering the cells' records (the controller's own and its workers'), then the results file, the updates
and the terminal summary.

Every selected cell ends up in the results file. The Reporter learns which cells were selected when
collection ends (its own items, or the ids an xdist worker collected), writes the file at once with the
run ``running`` (a run killed with SIGKILL leaves that behind, not the last run's results), and at the end
gives each selected cell that has no record an ``error`` saying why it did not run.
"""

from __future__ import annotations

import errno
import os
import platform as host_platform
import stat
from pathlib import Path
from typing import Any

import pytest

from guideproof import __version__
from guideproof.errors import UserError
from guideproof.paths import display_path, relative
from guideproof.plan.cells import Cell
from guideproof.pytest_plugin.collect import CELL_PROPERTY, NO_CELL, UPDATE_PROPERTY, ScenarioItem, planned_cells
from guideproof.pytest_plugin.state import RunState, now
from guideproof.results.record import (
    CUT_SHORT,
    NOT_RUN,
    CellRecord,
    Outcome,
    Progress,
    RunInfo,
    UncollectedFile,
    counted,
    did_not_finish,
)
from guideproof.results.store import Results, write_results
from guideproof.run.runner import not_run
from guideproof.scenario.model import Scenario
from guideproof.scenario.write import Update, apply_updates

RAN = (Outcome.PASSED, Outcome.FAILED, Outcome.XFAILED, Outcome.XPASSED)  # outcomes of cells that did run
NOTHING_RAN = pytest.ExitCode.NO_TESTS_COLLECTED  # exit status of a run in which no selected cell could run


class Reporter:
    """A plugin object of the controller: reads records from reports, writes results and updates at the end."""

    def __init__(self, state: RunState) -> None:
        self.state = state
        self.records: dict[str, CellRecord] = {}  # by node id
        self.planned: dict[str, tuple[Scenario, Cell]] = {}  # every selected cell, by node id
        self.no_cell: set[str] = set()  # scenarios selected of which no cell runs on this engine (skipped)
        self.started: set[str] = set()
        self.errors: list[UncollectedFile] = []
        self.updates: list[Update] = []
        self.update_lines: list[str] = []
        self.stopped_by = ""
        self.summary: list[str] = []  # the last lines of the terminal summary
        self.results: Results | None = None
        self.declined: list[str] = []  # prefixes the run did not share, and why (read when the run ends)
        self.not_kept: list[str] = []  # snapshots for later runs (--reuse) it did not keep, and why

    # -- what was selected -------------------------------------------------------------------------------

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        for item in session.items:
            if isinstance(item, ScenarioItem) and item.cell is not None:
                self.planned[item.nodeid] = (item.scenario, item.cell)
            elif isinstance(item, ScenarioItem):
                self.no_cell.add(item.nodeid)
        self._write_running(session.config)

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        """The controller of an xdist run collects nothing: it learns the items from a worker's node ids."""
        if self.planned:
            return  # every worker collects the same items
        config = self.state.config
        by_file: dict[str, list[str]] = {}
        for nodeid in ids:
            path, sep, _name = nodeid.partition("::")
            if sep and path.endswith(".scenario") and nodeid.endswith(f"[{NO_CELL}]"):
                self.no_cell.add(nodeid)
            if sep and path.endswith(".scenario"):
                by_file.setdefault(path, []).append(nodeid)
        for path, nodeids in by_file.items():
            try:
                scenario, _matrix, cells = planned_cells(self.state, Path(config.rootpath, path))
            except (UserError, pytest.UsageError, OSError):
                continue  # its worker reported the collection error
            named = {f"{path}::{name}": cell for name, cell in cells}
            for nodeid in nodeids:
                if nodeid in named:
                    self.planned[nodeid] = (scenario, named[nodeid])
        self._write_running(config)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            message = str(report.longrepr).strip()
            self.errors.append(UncollectedFile(report.nodeid or str(report.fspath), message))

    # -- what ran --------------------------------------------------------------------------------------------

    def pytest_runtest_logstart(self, nodeid: str, location: Any) -> None:
        self.started.add(nodeid)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        for name, value in report.user_properties:
            if name == CELL_PROPERTY:
                self.records[report.nodeid] = CellRecord.from_json(value)  # type: ignore[arg-type]
            elif name == UPDATE_PROPERTY:
                self.updates.append(Update.from_json(value))  # type: ignore[arg-type]
        if report.failed and report.nodeid in self.planned and report.nodeid not in self.records:
            # No record came back: the worker running it crashed, or the plugin itself failed.
            scenario, cell = self.planned[report.nodeid]
            text = str(report.longrepr).strip().splitlines() or ["no report"]
            reason = f"{NOT_RUN}{text[-1]}" if report.when == "???" else f"guideproof failed: {text[-1]}"
            self.records[report.nodeid] = not_run(scenario, cell, self.state.config.rootpath, Outcome.ERROR, reason)

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        guard = self.state.signals
        if guard is not None and guard.received:
            self.stopped_by = guard.received
        elif type(excinfo.value) is KeyboardInterrupt:
            self.stopped_by = "Ctrl-C"
        else:
            self.stopped_by = str(excinfo.value) or type(excinfo.value).__name__

    # -- the end ---------------------------------------------------------------------------------------------

    @pytest.hookimpl(trylast=True)  # after xdist has taken its workers down: their reports are all in
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        state = self.state
        if not state.active or session.config.option.collectonly:
            return  # --collect-only runs nothing: the last run's results stay as they are
        interrupted = exitstatus == pytest.ExitCode.INTERRUPTED or bool(session.shouldstop or session.shouldfail)
        if interrupted and not self.stopped_by:
            self.stopped_by = str(session.shouldstop or session.shouldfail or "stopped early")
        records = dict(self.records)
        for nodeid, (scenario, cell) in self.planned.items():
            if nodeid not in records:
                why = self._why_not_run(nodeid, interrupted)
                records[nodeid] = not_run(scenario, cell, session.config.rootpath, Outcome.ERROR, why)
        status = int(exitstatus)
        for path in state.unreadable:
            # The link's own name, not its target's (resolving a dangling symlink names where it points)
            folder = relative(Path(os.path.abspath(path)).parent, session.config.rootpath)
            shown = path.name if folder == "." else f"{folder}/{path.name}"
            message = f"{shown}: cannot be read ({why_unreadable(path)})"
            self.errors.append(UncollectedFile(shown, message))
            self.summary.append(f"ERROR: {message}")
        if state.unreadable and status == 0:
            status = session.exitstatus = pytest.ExitCode.TESTS_FAILED
        if (records or self.no_cell) and status == 0 and not any(r.outcome in RAN for r in records.values()):
            # Also when every selected scenario was skipped before a cell was planned (none of its platforms
            # runs on this engine): a run that proves nothing must not look green.
            status = session.exitstatus = NOTHING_RAN
            what = (
                f"none of the {len(records)} selected cells could run"
                if records
                else (
                    f"every one of the {len(self.no_cell)} selected scenarios was skipped: none of their platforms "
                    f"runs on the {state.session.engine_name} engine (choose another --engine or --platform)"
                )
            )
            self.summary.append(f"NOTHING RAN: {what}, so this run proves nothing (exit status {int(NOTHING_RAN)})")
        self.results = Results.of(
            self._run_info(Progress.INTERRUPTED if interrupted else Progress.COMPLETE, status), records.values()
        )
        write_results(self.results_path, self.results)
        if session.config.getoption("update_expected"):
            applied = apply_updates(
                self.updates,
                show=lambda path: display_path(Path(path)),
                accept_failures=session.config.getoption("accept_failures"),
            )
            count = f"{len(applied.summary)} step{'s' if len(applied.summary) != 1 else ''}"
            self.update_lines = [
                *applied.changed,
                *applied.conflicts,
                f"--update-expected changed {count}{':' if applied.summary else ''}",
                *(f"  {line}" for line in applied.summary),
            ]
            if applied.refused:
                self.summary.extend(["--update-expected REFUSED:", *applied.refused])
        self.declined = state.session.declined()
        self.not_kept = state.session.not_kept()
        state.session.finish()

    def _why_not_run(self, nodeid: str, interrupted: bool) -> str:
        if interrupted and nodeid in self.started:
            return f"{CUT_SHORT}the run was interrupted ({self.stopped_by}) while this cell ran"
        if interrupted:
            return f"{NOT_RUN}the run was interrupted ({self.stopped_by}) before this cell started"
        return f"{NOT_RUN}no result came back for it (its worker ended without reporting)"

    def _run_info(self, progress: Progress, status: int | None) -> RunInfo:
        state = self.state
        return RunInfo(
            engine=state.session.engine_name or "none",
            started=state.started,
            finished=now() if progress is not Progress.RUNNING else "",
            host=host_platform.node(),
            guideproof_version=__version__,
            tools=tuple(state.session.tool_versions),
            state=progress,
            exit_status=status,
            stopped_by=self.stopped_by,
            errors=tuple(self.errors),
        )

    def _write_running(self, config: pytest.Config) -> None:
        """The results file while cells run: every selected cell, none run yet (what a killed run leaves)."""
        if not self.state.active or config.option.collectonly or not self.planned:
            return
        why = f"{NOT_RUN}the run did not finish (it was killed, or is still going on)"
        cells = [not_run(s, c, config.rootpath, Outcome.ERROR, why) for s, c in self.planned.values()]
        write_results(self.results_path, Results.of(self._run_info(Progress.RUNNING, None), cells))

    @property
    def results_path(self) -> Path:
        config = self.state.config
        return Path(config.invocation_params.dir, config.getoption("results"))

    def pytest_terminal_summary(self, terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
        if not self.state.active or config.option.collectonly or self.results is None:
            return
        results = self.results
        terminalreporter.section("scenario cells")
        summary = counted(results.cells) or "no cell ran"
        session = self.state.session
        terminalreporter.write_line(f"{summary} (engine {session.engine_name}, run {session.run_id})")
        if not results.cells and not self.no_cell and session.selection.platforms:
            globs = " ".join(f"--platform {glob!r}" for glob in session.selection.platforms)
            terminalreporter.write_line(
                f"{globs} selects no platform the {session.engine_name} engine runs: choose another --engine"
                " (docker runs the container platforms, local only 'host')",
                red=True,
            )
        for record in results.cells:
            if record.outcome is not Outcome.PASSED:
                where = f"{record.scenario}[{record.id}]"
                terminalreporter.write_line(f"{record.outcome.upper():8} {where}: {record.reason}")
        for error in results.run.errors:
            terminalreporter.write_line(f"{'ERROR':8} {error.file}: could not collect it")
        shared = [step for record in results.cells for step in record.steps if step.shared]
        if shared:
            prefixes = len({step.shared.prefix for step in shared if step.shared})
            total = sum(len(record.steps) for record in results.cells)
            terminalreporter.write_line(f"shared steps: {len(shared)} of {total}, from {prefixes} snapshots")
        for line in self.declined:
            terminalreporter.write_line(f"not shared: {line}")
        for line in self.not_kept:
            terminalreporter.write_line(f"not kept for later runs: {line}")
        terminalreporter.write_line(f"results: {self.results_path}")
        for line in self.update_lines:
            terminalreporter.write_line(line)
        if not results.run.complete:
            cut = sum(1 for c in results.cells if did_not_finish(c))
            terminalreporter.write_line(
                f"INCOMPLETE: {results.run.incomplete_because}; {cut} cells did not run to their end", red=True
            )
        for line in self.summary:
            terminalreporter.write_line(line, red=True)
        if self.state.session.engine_missing:
            terminalreporter.write_line(no_engine_line(self.state.session.engine_missing), red=True)


def no_engine_line(missing: str) -> str:
    """What the run says first and last when ``--engine auto`` found no container engine."""
    return (
        f"NO CONTAINER ENGINE ANSWERED: {missing}. Only the host platform can run here; the container "
        "platforms' cells are errors. Start Docker (or Podman) and run again, or choose --engine local."
    )


def why_unreadable(path: Path) -> str:
    """Why a ``*.scenario`` path that is neither a file nor a directory cannot be read."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a symlink loop"
        if path.is_symlink():
            return "a dangling symlink"
        return exc.strerror or str(exc)
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe), not a file"
    if stat.S_ISSOCK(mode):
        return "a socket, not a file"
    return "a device, not a file"
