"""What the plugin keeps for one pytest session (controller or xdist worker), reached through ``config.stash``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from guideproof.engines.base import Engine
from guideproof.engines.registry import make_engine, select_engine
from guideproof.engines.runid import RunId
from guideproof.errors import UserError
from guideproof.matrix.model import Matrix, Platform, load_matrix
from guideproof.plan.cells import Cell, marker_name
from guideproof.plan.prefixes import Path as PathOfCell
from guideproof.plan.prefixes import PrefixPlan
from guideproof.plan.selection import Selection, check_selection, run_platforms
from guideproof.pytest_plugin.channel import REQUIRED_FOR, LocalChannel, cell_environment
from guideproof.pytest_plugin.options import engine_values
from guideproof.pytest_plugin.signals import SignalGuard
from guideproof.results.record import Outcome, ToolVersion
from guideproof.run.requirements import Requirements
from guideproof.run.runner import Runtime, variables_for
from guideproof.run.shared import Sharing
from guideproof.scenario.model import Scenario
from guideproof.scenario.page import PAGE_SUFFIXES, load_page
from guideproof.scenario.parser import load
from guideproof.versions.index import project_releases
from guideproof.versions.tools import DOWNLOADS, artefacts_for, constraints_setup, parse_requests, resolve


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass
class RunState:
    """Everything the plugin keeps for one pytest session. Usage errors become :class:`pytest.UsageError`."""

    config: pytest.Config
    selection: Selection
    run_id: RunId
    engine_name: str | None = None
    engine_line: str = ""
    engine_missing: str = ""  # --engine auto found no container engine: what each one said
    started: str = field(default_factory=now)
    local_channel: LocalChannel = field(default_factory=LocalChannel)
    tool_versions: list[ToolVersion] = field(default_factory=list)  # --tool, resolved once by the controller
    active: bool = False  # does this session run scenarios?
    signals: SignalGuard | None = None  # SIGTERM/SIGHUP handling while the session runs
    unreadable: list[Path] = field(default_factory=list)  # dangling *.scenario symlinks (pytest skips them)
    _engine: Engine | None = None
    _matrices: dict[Path, Matrix] = field(default_factory=dict)
    _scenarios: dict[Path, Scenario] = field(default_factory=dict)
    _runtimes: dict[Path, Runtime] = field(default_factory=dict)
    _requirements: dict[Path, Requirements] = field(default_factory=dict)
    sharing: Sharing | None = None  # set once the run's cells are known (after collection)

    @property
    def tools_requested(self) -> bool:
        return bool(self.config.getoption("tool"))

    def resolve_tools(self, matrix: Matrix) -> None:
        try:
            requests = parse_requests(self.config.getoption("tool"), matrix)
            self.tool_versions = resolve(
                requests,
                project_releases,
                self.config.getoption("offline"),
                every=self.config.getoption("tool_every"),
                downloads=self.config.rootpath / DOWNLOADS,
                base=self.config.invocation_params.dir,
            )
        except UserError as exc:
            raise pytest.UsageError(str(exc)) from None

    def matrix(self, path: Path) -> Matrix:
        """The matrix at ``path``, loaded once; the selection is checked and its markers registered."""
        if path not in self._matrices:
            try:
                matrix = load_matrix(path)
                check_selection(self.selection, matrix)
            except UserError as exc:
                raise pytest.UsageError(str(exc)) from None
            for axis in (matrix.platform_axis, *matrix.axes):
                for value in axis.values:
                    name = marker_name(axis.name, value.name)
                    self.config.addinivalue_line("markers", f"{name}: cells where {axis.name} is {value.name}")
            self._matrices[path] = matrix
        return self._matrices[path]

    def scenario(self, path: Path, matrix_path: Path) -> Scenario:
        """The scenario at ``path``, parsed once (configure and collection share it)."""
        if path not in self._scenarios:
            if path.suffix in PAGE_SUFFIXES:  # a docs page tested in place
                self._scenarios[path] = load_page(path, self.matrix(matrix_path)).scenario
            else:
                self._scenarios[path] = load(path, matrix_path.parent, self.matrix(matrix_path))
        return self._scenarios[path]

    def choose_engine(self) -> str:
        if self.engine_name is None:
            try:
                choice = select_engine(self.config.getoption("engine"))
                self.engine_name, self.engine_line, self.engine_missing = choice
            except UserError as exc:
                raise pytest.UsageError(str(exc)) from None
        return self.engine_name

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            try:
                self._engine = make_engine(self.choose_engine(), engine_values(self.config))
            except UserError as exc:
                raise pytest.UsageError(str(exc)) from None
        return self._engine

    def declined(self) -> list[str]:
        """The prefixes this run did not share because it was not safe (quick ones left out), and why."""
        if self._engine is None or self._engine.snapshots is None or self.config.getoption("no_share"):
            return []
        store = self._engine.snapshots.store(self.run_id, self.reuse)
        return [line for line in store.declines() if "too quick" not in line]

    def finish(self) -> None:
        """End the run on the engine, if this session made one."""
        if self._engine is not None:
            self._engine.finish(self.run_id)

    def platforms(self, matrix: Matrix) -> list[Platform]:
        """The selected platforms this run's engine can run."""
        return run_platforms(self.selection, self.engine.platforms(matrix))

    def selected_platforms(self, matrix: Matrix) -> list[Platform]:
        """The platforms whose cells the run selects: those its engine runs (:meth:`platforms`); and when
        ``--engine auto`` found no container engine, the container platforms too: their cells are errors."""
        if self.engine_missing:
            return run_platforms(self.selection, matrix.platforms)
        return self.platforms(matrix)

    def cannot_run(self, platform: Platform, matrix: Matrix) -> tuple[Outcome, str] | None:
        """None when the engine runs ``platform``; else the outcome and reason of its cells."""
        if platform in self.engine.platforms(matrix):
            return None
        return Outcome.ERROR, f"no container engine answered ({self.engine_missing})"

    def runtime(self, matrix: Matrix) -> Runtime:
        """What the cells on ``matrix`` share: engine, requirements, run id, the cells' variables."""
        if matrix.path not in self._runtimes:
            requirements = self.requirements(matrix)
            self._runtimes[matrix.path] = Runtime(
                matrix,
                self.engine,
                requirements,
                self.run_id,
                self.cell_env,
                self.config.rootpath,
                required_for=REQUIRED_FOR,
                update_expected=self.config.getoption("update_expected"),
                keep_failed=self.config.getoption("keep_failed"),
                tools=tuple(self.tool_versions),
                sharing=self.sharing,
            )
        return self._runtimes[matrix.path]

    def requirements(self, matrix: Matrix) -> Requirements:
        """The requirements of ``matrix``'s scenarios, probed once per session."""
        if matrix.path not in self._requirements:
            offline = self.config.getoption("offline")
            self._requirements[matrix.path] = Requirements(
                matrix, self.engine, offline, local=self.local_channel.probes
            )
        return self._requirements[matrix.path]

    @property
    def cell_env(self) -> dict[str, str]:
        """The variables the run gives its cells (each gets those its scenario requires: ``REQUIRED_FOR``)."""
        return cell_environment(self.config.getoption("conda_channel"), self.local_channel)

    @property
    def reuse(self) -> bool:
        return bool(self.config.getoption("reuse"))

    def plan_sharing(self, cells: list[tuple[Scenario, Cell, Matrix]]) -> PrefixPlan | None:
        """Plan the shared prefixes of the cells this session runs (None: sharing is off or impossible).

        Cells a requirement will skip are left out: they run nothing, so they share nothing.
        """
        if self.config.getoption("no_share") or not cells or self.engine.snapshots is None:
            return None
        paths, run_env = {}, self.cell_env
        for scenario, cell, matrix in cells:
            steps = scenario.steps_for(cell.axis_values)
            if self.requirements(matrix).unmet(scenario.requires, steps, cell.platform):
                continue
            if artefacts_for(cell.tools, self.tool_versions):
                continue  # a local tool build is copied into each such cell: they run alone
            env = variables_for(scenario, run_env, REQUIRED_FOR)
            root = (cell.platform.name, constraints_setup(cell.tools, matrix), tuple(sorted(env.items())))
            paths[(scenario.name, cell.id)] = PathOfCell(root, tuple(step.command for step in steps))
        self._runtimes.clear()  # made again with the sharing below
        plan = PrefixPlan.of(paths)
        store = self.engine.snapshots.store(self.run_id, self.reuse)
        cap = self.config.getoption("reuse_max_size") * 1e9 if self.reuse else None
        every = self.config.getoption("reuse_every")
        self.sharing = Sharing(plan, store, reuse=self.reuse, reuse_segment_s=every, reuse_max_bytes=cap)
        return plan


STATE = pytest.StashKey[RunState]()
