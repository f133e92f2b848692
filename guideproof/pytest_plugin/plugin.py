"""The pytest plugin (opt-in: ``-p guideproof.pytest_plugin``): scenario files in, one item per cell, results out."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform as host_platform
import secrets
from collections.abc import Generator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pytest

from guideproof import __version__
from guideproof.channel.plugin import LocalChannel, cell_environment, start_local_channel
from guideproof.channel.plugin import add_options as add_channel_options
from guideproof.engines.base import Engine
from guideproof.engines.select import make_engine, select_engine
from guideproof.errors import EngineError, HarnessError
from guideproof.matrix.cells import Cell, cells_for, marker_name, with_tool_versions
from guideproof.matrix.index import available_versions, index_url
from guideproof.matrix.model import Matrix, Platform, load_matrix
from guideproof.matrix.tools import ResolvedVersion, constraints_setup, parse_requests, resolve
from guideproof.pytest_plugin.options import (
    Selection,
    add_options,
    check_selection,
    engine_options,
    run_platforms,
    selection,
)
from guideproof.pytest_plugin.update import apply_updates
from guideproof.results.store import RunInfo, cell_record, write_results
from guideproof.run.requirements import Requirements
from guideproof.run.runner import CellResult, Update, display_path, run_cell
from guideproof.scenario.model import Scenario
from guideproof.scenario.parser import load

MATRIX_FILE = "matrix.toml"
CELL_PROPERTY = "harness_cell"
UPDATE_PROPERTY = "harness_update"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def find_matrix(path: Path) -> Path | None:
    for directory in [path, *path.parents] if path.is_dir() else path.parents:
        candidate = directory / MATRIX_FILE
        if candidate.is_file():
            return candidate
    return None


@dataclass
class RunState:
    """Everything the plugin keeps for one pytest session (controller or xdist worker)."""

    config: pytest.Config
    selection: Selection
    run_id: str
    engine_name: str | None = None
    engine_line: str = ""
    started: str = field(default_factory=_now)
    matrices: dict[Path, Matrix] = field(default_factory=dict)
    requirements: dict[Path, Requirements] = field(default_factory=dict)
    cells: list[dict[str, Any]] = field(default_factory=list)
    updates: list[Update] = field(default_factory=list)
    _engine: Engine | None = None
    local_channel: LocalChannel = field(default_factory=LocalChannel)
    tool_versions: list[ResolvedVersion] = field(default_factory=list)  # --tool, resolved once by the controller
    active: bool = False  # did this session collect scenarios?

    @property
    def tools_requested(self) -> bool:
        return bool(self.config.getoption("tool"))

    def resolve_tools(self, matrix: Matrix) -> None:
        try:
            requests = parse_requests(self.config.getoption("tool"), matrix)
            self.tool_versions = resolve(requests, available_versions, self.config.getoption("offline"))
        except HarnessError as exc:
            raise pytest.UsageError(str(exc)) from None

    @property
    def is_worker(self) -> bool:
        return hasattr(self.config, "workerinput")

    def matrix(self, path: Path) -> Matrix:
        if path not in self.matrices:
            matrix = load_matrix(path)
            check_selection(self.selection, matrix)
            for axis in (matrix.platform_axis, *matrix.axes):
                for value in axis.values:
                    name = marker_name(axis.name, value.name)
                    self.config.addinivalue_line("markers", f"{name}: cells where {axis.name} is {value.name}")
            self.matrices[path] = matrix
        return self.matrices[path]

    def choose_engine(self) -> str:
        if self.engine_name is None:
            try:
                self.engine_name, self.engine_line = select_engine(
                    self.config.getoption("engine"), engine_options(self.config)
                )
            except EngineError as exc:
                raise pytest.UsageError(str(exc)) from None
        return self.engine_name

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            try:
                self._engine = make_engine(self.choose_engine(), engine_options(self.config))
            except EngineError as exc:
                raise pytest.UsageError(str(exc)) from None
            self._engine.extra_env = cell_environment(self.config.getoption("conda_channel"), self.local_channel)
        return self._engine

    def platforms(self, matrix: Matrix) -> list[Platform]:
        return run_platforms(self.selection, self.engine.platforms(matrix))

    def requirements_for(self, matrix: Matrix) -> Requirements:
        if matrix.path not in self.requirements:
            self.requirements[matrix.path] = Requirements(
                matrix, self.engine, self.config.getoption("offline"), local=self.local_channel.probes
            )
        return self.requirements[matrix.path]


STATE = pytest.StashKey[RunState]()


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)
    add_channel_options(parser)


def _scenario_matrices(config: pytest.Config) -> list[Path]:
    """Matrix files of the scenario trees named on the command line (none: this is not a scenario run)."""
    found: list[Path] = []
    for arg in config.args:
        path = Path(config.invocation_params.dir, arg.split("::")[0])
        if path.is_file() and path.suffix == ".scenario" or path.is_dir() and next(path.rglob("*.scenario"), None):
            matrix = find_matrix(path) or next(path.rglob(MATRIX_FILE), None) if path.is_dir() else find_matrix(path)
            if matrix and matrix.resolve() not in found:
                found.append(matrix.resolve())
    return found


def pytest_configure(config: pytest.Config) -> None:
    # An xdist worker of a scenario run gets the controller's run id; a worker of any other run
    # (the harness's own tests with -n) gets none and stays inactive, as its controller does.
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None and "harness_run_id" not in workerinput:
        config.stash[STATE] = RunState(config, selection(config), f"worker-p{os.getpid()}")
        return
    run_id = (
        # The owner's pid ends the id, so a later run can tell a finished run's leftovers from a live run.
        workerinput["harness_run_id"]
        if workerinput
        else f"{dt.datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(2)}-p{os.getpid()}"
    )
    state = RunState(config, selection(config), run_id)
    config.stash[STATE] = state
    if workerinput:
        state.engine_name = workerinput.get("harness_engine")
        state.local_channel = LocalChannel(
            workerinput.get("harness_local_channel") or None, workerinput.get("harness_local_channel_why")
        )
        state.tool_versions = [ResolvedVersion(**t) for t in json.loads(workerinput.get("harness_tools", "[]"))]
        return
    config.pluginmanager.register(Reporter(state), "harness-reporter")
    matrices = _scenario_matrices(config)
    if not matrices:
        return
    state.active = True
    if state.tools_requested:
        state.resolve_tools(state.matrix(matrices[0]))
    state.local_channel = start_local_channel(config)
    state.choose_engine()
    engine = state.engine
    try:
        platforms = {p.name: p for m in matrices for p in state.platforms(state.matrix(m))}
        capture = config.pluginmanager.getplugin("capturemanager")
        if capture is not None:
            with capture.global_and_fixture_disabled():
                engine.prepare(list(platforms.values()))
        else:
            engine.prepare(list(platforms.values()))
    except HarnessError as exc:
        raise pytest.UsageError(str(exc)) from None
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(_XdistHooks(state), "harness-xdist")


class _XdistHooks:
    def __init__(self, state: RunState) -> None:
        self.state = state

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput["harness_engine"] = self.state.engine_name
        node.workerinput["harness_run_id"] = self.state.run_id
        node.workerinput["harness_local_channel"] = self.state.local_channel.url or ""
        node.workerinput["harness_local_channel_why"] = self.state.local_channel.reason
        node.workerinput["harness_tools"] = json.dumps([asdict(t) for t in self.state.tool_versions])


def pytest_report_header(config: pytest.Config) -> list[str]:
    state = config.stash[STATE]
    if not state.active:
        return []
    lines = [f"scenarios: {state.engine_line}", f"scenarios: run {state.run_id}"]
    lines += [f"scenarios: {note}" for note in state.engine.notes()]
    for tool in state.tool_versions:
        where = {"index": f"from {index_url()}", "asked": "as asked", "fallback": tool.note}[tool.source]
        lines.append(f"scenarios: --tool {tool.tool}={tool.spec} → {tool.version} ({where})")
    if state.local_channel.url:
        lines.append(f"scenarios: local channel served at {state.local_channel.url} (LOCAL_CHANNEL in cells)")
    return lines


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix == ".scenario":
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


class ScenarioFile(pytest.File):
    def collect(self):
        state = self.config.stash[STATE]
        state.active = True
        matrix_path = find_matrix(self.path)
        if matrix_path is None:
            raise HarnessError(f"{self.path}: no {MATRIX_FILE} in this directory or any parent")
        matrix = state.matrix(matrix_path)
        scenario = load(self.path, matrix_path.parent, matrix)
        platforms = state.platforms(matrix)
        cells = cells_for(scenario, matrix, platforms, state.selection.axes)
        if state.tools_requested:
            cells = with_tool_versions(cells, scenario, state.tool_versions, matrix.tools)
        stem = Path(scenario.name).name
        for cell in cells:
            item = ScenarioItem.from_parent(
                self, name=f"{stem}[{cell.id}]", scenario=scenario, cell=cell, matrix=matrix
            )
            for marker in cell.markers():
                item.add_marker(marker)
            yield item
        if not cells and not state.selection.narrowed and not state.tools_requested:
            engine = state.engine.name
            reason = f"no platform of this scenario ({', '.join(scenario.platforms)}) runs on the {engine} engine"
            yield ScenarioItem.from_parent(
                self, name=f"{stem}[no-cell]", scenario=scenario, cell=None, matrix=matrix, skip_reason=reason
            )

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, HarnessError):
            return str(excinfo.value)
        if isinstance(excinfo.value, pytest.UsageError):
            return str(excinfo.value)
        return super().repr_failure(excinfo)


class ScenarioFailure(Exception):
    """A cell failed: the message is the whole report (file:line, cell, command, diff)."""


class ScenarioItem(pytest.Item):
    def __init__(
        self, *, scenario: Scenario, cell: Cell | None, matrix: Matrix, skip_reason: str = "", **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario
        self.cell = cell
        self.matrix = matrix
        self.skip_reason = skip_reason

    def runtest(self) -> None:
        if self.cell is None:
            pytest.skip(self.skip_reason)
        state = self.config.stash[STATE]
        result = run_cell(
            self.scenario,
            self.cell,
            state.engine,
            state.requirements_for(self.matrix),
            state.run_id,
            self.matrix.version_probe,
            constraints_setup(self.cell.tools, self.matrix),
        )
        self._record(result)
        if result.outcome == "skipped":
            pytest.skip(result.reason)
        if result.outcome == "xfailed":
            pytest.xfail(result.reason)
        if result.outcome in ("failed", "error", "xpassed"):
            raise ScenarioFailure(result.detail or result.reason)

    def _record(self, result: CellResult) -> None:
        self.user_properties.append((CELL_PROPERTY, cell_record(result, self.config.rootpath)))
        if result.update is not None and self.config.getoption("update_expected"):
            self.user_properties.append((UPDATE_PROPERTY, asdict(result.update)))

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, ScenarioFailure | HarnessError):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    @property
    def first_line(self) -> int:
        steps = self.scenario.steps_for(self.cell.as_dict) if self.cell else self.scenario.all_steps()
        return steps[0].line if steps else 1

    def reportinfo(self):
        return self.path, None, f"{self.scenario.name} [{self.cell.id if self.cell else 'no cell'}]"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Point a cell's skip at its scenario file, not at the plugin line that raised it."""
    report = yield
    if isinstance(item, ScenarioItem) and report.skipped and isinstance(report.longrepr, tuple):
        _path, _line, message = report.longrepr
        report.longrepr = (display_path(item.scenario.path), item.first_line, message)
    return report


class Reporter:
    """Gathers cell records from reports (its own or xdist workers'), then writes results and updates."""

    def __init__(self, state: RunState) -> None:
        self.state = state
        self.cells: list[dict[str, Any]] = []
        self.updates: list[Update] = []
        self.update_lines: list[str] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "call":
            return
        for name, value in report.user_properties:
            if name == CELL_PROPERTY:
                self.cells.append(dict(value))  # type: ignore[call-overload]
            elif name == UPDATE_PROPERTY:
                data: dict[str, Any] = dict(value)  # type: ignore[call-overload]
                self.updates.append(Update(data["path"], data["start"], data["end"], tuple(data["lines"])))

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        state = self.state
        if not state.active or session.config.option.collectonly:
            return  # --collect-only runs nothing: the last run's results stay as they are
        info = RunInfo(
            engine=state.engine_name or "none",
            started=state.started,
            finished=_now(),
            host=host_platform.node(),
            harness_version=__version__,
            tools=[asdict(t) for t in state.tool_versions],
        )
        write_results(self.results_path, info, self.cells)
        if self.updates:
            changed, conflicts = apply_updates(self.updates)
            self.update_lines = changed + conflicts
        if state._engine is not None:
            state._engine.finish(state.run_id)

    @property
    def results_path(self) -> Path:
        config = self.state.config
        return Path(config.invocation_params.dir, config.getoption("results"))

    def pytest_terminal_summary(self, terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
        if not self.state.active or config.option.collectonly:
            return
        counts: dict[str, int] = {}
        for cell in self.cells:
            counts[cell["outcome"]] = counts.get(cell["outcome"], 0) + 1
        terminalreporter.section("scenario cells")
        summary = ", ".join(f"{n} {o}" for o, n in sorted(counts.items())) or "no cell ran"
        terminalreporter.write_line(f"{summary} (engine {self.state.engine_name}, run {self.state.run_id})")
        for cell in self.cells:
            if cell["outcome"] != "passed":
                pins = [f"{t}=={v}" for t, v in cell.get("tools", {}).items()]
                where = f"{cell['scenario']}[{'-'.join([*cell['cell'].values(), *pins])}]"
                terminalreporter.write_line(f"{cell['outcome'].upper():8} {where}: {cell['reason']}")
        terminalreporter.write_line(f"results: {self.results_path}")
        for line in self.update_lines:
            terminalreporter.write_line(line)
