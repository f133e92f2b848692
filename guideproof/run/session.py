"""One run of scenarios, assembled in one pytest-free place (as sybil's ``Sybil`` object is the configuration
beside its thin pytest integration).

A :class:`Session` holds what a run was asked for (:class:`Settings`) and makes, once each: the matrices and
the parsed scenarios (its :class:`~guideproof.scenario.catalog.Catalog`), the engine, the ``--tool`` versions,
the requirements, the :class:`~guideproof.run.runner.Runtime` and the sharing plan. A file's cells it asks of
the plan layer in one call (:class:`~guideproof.plan.cells.Planner`). The pytest plugin keeps one in its stash
and turns its :class:`~guideproof.errors.UserError` into pytest's usage error; ``guideproof shell``, the other
commands and the bench use it directly. Errors are :class:`~guideproof.errors.UserError` s.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from guideproof.engines.base import Engine
from guideproof.engines.registry import AUTO, make_engine, select_engine
from guideproof.engines.runid import RunId
from guideproof.errors import UserError
from guideproof.matrix.model import Matrix, Platform
from guideproof.matrix.selection import Selection
from guideproof.plan.cells import Cell, Planned, Planner
from guideproof.plan.prefixes import CellRef, PrefixPlan
from guideproof.plan.prefixes import Path as PathOfCell
from guideproof.plan.schedule import Durations, Job, Timing, handed_out, simulate, timings
from guideproof.results.record import CellRecord, Outcome, ToolVersion
from guideproof.results.store import load_results
from guideproof.run.requirements import Requirements
from guideproof.run.runner import Runtime, variables_for
from guideproof.run.shared import REUSE_SEGMENT_S, Sharing, may_share, prefix_root
from guideproof.scenario.catalog import Catalog
from guideproof.scenario.model import Scenario
from guideproof.versions.index import project_releases
from guideproof.versions.tools import DOWNLOADS, parse_requests, resolve

GB = 1e9


@dataclass(frozen=True)
class Settings:
    """What a run is asked for: the plugin's options (or a command's arguments) as plain values."""

    selection: Selection = field(default_factory=Selection)
    engine: str = AUTO  # --engine
    engine_options: Mapping[str, Any] = field(default_factory=dict)  # the engines' own options, by dest
    tools: tuple[str, ...] = ()  # --tool NAME=SPEC,...
    tool_every: str = "minor"
    offline: bool = False
    update_expected: bool = False
    keep_failed: bool = False
    share: bool = True  # --no-share turns it off
    reuse: bool = False
    reuse_every: float = REUSE_SEGMENT_S
    reuse_max_gb: float | None = None  # with --reuse: no more kept-only snapshots once the store holds this
    root: Path = field(default_factory=Path.cwd)  # records name their scenario file relative to it
    # Results files of earlier runs, oldest first: what the run expects each step to take (the order of cells)
    history: tuple[Path, ...] = ()
    invocation_dir: Path = field(default_factory=Path.cwd)  # where relative --tool paths are found


@dataclass
class Session:
    """Everything one run (or one xdist worker of it) assembles, each piece made once."""

    settings: Settings = field(default_factory=Settings)
    run_id: RunId = field(default_factory=RunId.new)
    engine_name: str | None = None  # chosen by :meth:`choose_engine`, or handed over by the xdist controller
    engine_line: str = ""
    engine_missing: str = ""  # --engine auto found no container engine: what each one said
    tool_versions: list[ToolVersion] = field(default_factory=list)  # --tool, resolved once by the controller
    cell_env: Mapping[str, str] = field(default_factory=dict)  # the variables the run gives its cells
    required_for: Mapping[str, str] = field(default_factory=dict)  # a variable only for cells requiring this
    local_probes: Mapping[str, str | None] = field(default_factory=dict)  # probes the run answers itself
    sharing: Sharing | None = None  # set once the run's cells are known (:meth:`plan_sharing`)
    timings: list[Timing] | None = None  # step times of earlier runs (:meth:`load_timings`), or handed over
    catalog: Catalog = field(default_factory=Catalog)  # the matrices and scenarios the run has read
    _engine: Engine | None = None
    _runtimes: dict[Path, Runtime] = field(default_factory=dict)
    _requirements: dict[Path, Requirements] = field(default_factory=dict)

    @property
    def selection(self) -> Selection:
        return self.settings.selection

    @property
    def tools_requested(self) -> bool:
        return bool(self.settings.tools)

    # -- what the run reads --------------------------------------------------------------------------------

    @property
    def planner(self) -> Planner:
        return Planner(self.selection, self.catalog)

    def matrix(self, path: Path) -> Matrix:
        """The matrix at ``path`` (a ``matrix.toml``), read once, with the selection checked against it."""
        return self.planner.matrix(path)

    def read(self, path: Path) -> tuple[Scenario, Matrix]:
        """The scenario at ``path`` and its matrix (the nearest ``matrix.toml``), each read once, with the
        selection checked against the matrix."""
        return self.planner.read(path)

    def planned(self, path: Path) -> Planned:
        """The scenario at ``path``, its matrix, and its selected cells with their item names (every selected
        cell, also where the engine cannot run it: its record says why)."""
        kinds = None if self.engine_missing else (self.engine.platform_kind,)
        return self.planner.plan(path, kinds, self.tool_versions if self.tools_requested else None)

    def cell(self, path: Path, cell_id: str | None) -> tuple[Scenario, Cell, Matrix]:
        """One cell of the scenario at ``path`` on any platform this engine runs, default or not (``cell_id``
        may be left out when the scenario has one cell there): what ``guideproof shell`` opens."""
        every = Planner(Selection(("*",), self.selection.axes), self.catalog)
        scenario, matrix, named = every.plan(path, (self.engine.platform_kind,))
        cells = [cell for _, cell in named]
        if cell_id is not None:
            for cell in cells:
                if cell.id == cell_id:
                    return scenario, cell, matrix
        elif len(cells) == 1:
            return scenario, cells[0], matrix
        known = ", ".join(cell.id for cell in cells) or "none on this engine"
        which = f"no cell {cell_id!r}" if cell_id is not None else "name a cell"
        raise UserError(f"{scenario.name}: {which}: SCENARIO[CELL] with CELL one of {known}")

    def resolve_tools(self, matrix: Matrix) -> None:
        """Resolve ``--tool`` once (the controller does; workers are handed the result)."""
        requests = parse_requests(self.settings.tools, matrix)
        self.tool_versions = resolve(
            requests,
            project_releases,
            self.settings.offline,
            every=self.settings.tool_every,
            downloads=self.settings.root / DOWNLOADS,
            base=self.settings.invocation_dir,
        )

    # -- where it runs -------------------------------------------------------------------------------------

    def choose_engine(self) -> str:
        if self.engine_name is None:
            self.engine_name, self.engine_line, self.engine_missing = select_engine(self.settings.engine)
        return self.engine_name

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.choose_engine(), dict(self.settings.engine_options))
        return self._engine

    def platforms(self, matrix: Matrix) -> list[Platform]:
        """The selected platforms of ``matrix`` this run's engine can run."""
        return self.selection.chosen(matrix, (self.engine.platform_kind,))

    def cannot_run(self, platform: Platform) -> tuple[Outcome, str] | None:
        """None when the engine runs ``platform``; else the outcome and reason of its cells."""
        if platform.kind == self.engine.platform_kind:
            return None
        return Outcome.ERROR, f"no container engine answered ({self.engine_missing})"

    def requirements(self, matrix: Matrix) -> Requirements:
        """The requirements of ``matrix``'s scenarios, probed once per session."""
        if matrix.path not in self._requirements:
            self._requirements[matrix.path] = Requirements(
                matrix, self.engine, self.settings.offline, local=dict(self.local_probes)
            )
        return self._requirements[matrix.path]

    def runtime(self, matrix: Matrix) -> Runtime:
        """What the cells on ``matrix`` share: engine, requirements, run id, the cells' variables."""
        if matrix.path not in self._runtimes:
            self._runtimes[matrix.path] = Runtime(
                matrix,
                self.engine,
                self.requirements(matrix),
                self.run_id,
                self.cell_env,
                self.settings.root,
                required_for=self.required_for,
                update_expected=self.settings.update_expected,
                keep_failed=self.settings.keep_failed,
                tools=tuple(self.tool_versions),
                sharing=self.sharing,
            )
        return self._runtimes[matrix.path]

    # -- sharing -------------------------------------------------------------------------------------------

    def plan_sharing(self, cells: Sequence[tuple[Scenario, Cell, Matrix]]) -> PrefixPlan | None:
        """Plan the shared prefixes of the cells this session runs (None: sharing is off or impossible).

        Cells a requirement will skip are left out: they run nothing, so they share nothing.
        """
        if not self.settings.share or not cells or self.engine.snapshots is None:
            return None
        paths = {}
        tools, keep, update = self.tool_versions, self.settings.keep_failed, self.settings.update_expected
        for scenario, cell, matrix in cells:
            steps = scenario.steps_for(cell.axis_values)
            if self.requirements(matrix).unmet(scenario.requires, steps, cell.platform):
                continue
            if not may_share(scenario, cell, tools, keep, update):
                continue
            env = variables_for(scenario, self.cell_env, self.required_for)
            root = prefix_root(cell, matrix, env)
            paths[(scenario.name, cell.id)] = PathOfCell(root, tuple(step.command for step in steps))
        self._runtimes.clear()  # made again with the sharing below
        plan = PrefixPlan.of(paths)
        store = self.engine.snapshots.store(self.run_id, self.settings.reuse)
        reuse, most = self.settings.reuse, self.settings.reuse_max_gb
        cap = most * GB if reuse and most is not None else None
        every = self.settings.reuse_every
        self.sharing = Sharing(plan, store, reuse=reuse, reuse_segment_s=every, reuse_max_bytes=cap)
        return plan

    def order(self, cells: Sequence[tuple[Scenario, Cell, Matrix]], workers: int, queued: bool) -> list[CellRef]:
        """The order to hand ``cells`` to ``workers`` workers in: longest chains first, the builders of shared
        prefixes early, by what earlier runs recorded of each step (:mod:`guideproof.plan.schedule`).
        ``queued``: the dispatcher keeps one cell queued behind each running one, as pytest-xdist does."""
        jobs = []
        for scenario, cell, _matrix in cells:
            steps = scenario.steps_for(cell.axis_values)
            commands, lines = tuple(s.command for s in steps), tuple(s.line for s in steps)
            jobs.append(Job((scenario.name, cell.id), cell.platform.name, commands, lines))
        durations = Durations.of(self.load_timings(), jobs)
        costs = {job.cell: durations.costs(job) for job in jobs}
        plan = self.sharing.plan if self.sharing is not None else None
        starts = simulate([job.cell for job in jobs], costs, plan, workers)
        return handed_out(starts, workers) if queued else [start.cell for start in starts]

    def load_timings(self) -> list[Timing]:
        """The step times of the history files that can be read (a later file's record of a cell wins), read
        once: the controller of an xdist run hands them to its workers, which must all order alike."""
        if self.timings is None:
            records: list[CellRecord] = []
            for path in self.settings.history:
                try:
                    records.extend(load_results(path).cells)
                except (OSError, UserError):  # none yet, or not a results file: the order is only less good
                    continue
            self.timings = timings(records)
        return self.timings

    def declined(self) -> list[str]:
        """The prefixes this run did not share because it was not safe (quick ones left out), and why."""
        if self._engine is None or self._engine.snapshots is None or not self.settings.share:
            return []
        store = self._engine.snapshots.store(self.run_id, self.settings.reuse)
        return [line for line in store.declines() if "too quick" not in line]

    def not_kept(self) -> list[str]:
        """The snapshots for later runs (--reuse) this run did not keep, and why."""
        if self._engine is None or self._engine.snapshots is None or not self.settings.reuse:
            return []
        return self._engine.snapshots.store(self.run_id, True).not_kept_lines()

    def finish(self) -> None:
        """End the run on the engine, if this session made one."""
        if self._engine is not None:
            self._engine.finish(self.run_id)
