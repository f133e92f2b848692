"""pytest integration: collect ``*.scenario`` files, one item per cell; results and updates at the end.

Opt-in: ``pytest -p guideproof.pytest_plugin scenarios/`` (or ``addopts = ["-p", "guideproof.pytest_plugin"]``).
There is no ``pytest11`` entry point: installing guideproof loads it into no other pytest session. This
module holds the hook functions only; the work is in the modules beside it.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path

import pytest

from guideproof.engines.environment import mask
from guideproof.engines.runid import RunId
from guideproof.errors import UserError
from guideproof.pytest_plugin.channel import LocalChannel, start_local_channel
from guideproof.pytest_plugin.collect import ScenarioFile, ScenarioItem
from guideproof.pytest_plugin.options import add_options
from guideproof.pytest_plugin.report import Reporter, no_engine_line
from guideproof.pytest_plugin.signals import SignalGuard
from guideproof.pytest_plugin.state import STATE, RunState, usage_errors
from guideproof.pytest_plugin.xdist import WorkerInput, XdistHooks
from guideproof.results.store import check_writable
from guideproof.run.session import Session
from guideproof.scenario.discover import find_matrix, scenario_files
from guideproof.scenario.model import Scenario
from guideproof.scenario.names import SUFFIX
from guideproof.scenario.page import is_scenario_page, page_files
from guideproof.versions.index import index_url
from guideproof.versions.tools import describe


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:
        _configure_worker(config, workerinput)
    else:
        _configure_controller(config)


def _configure_worker(config: pytest.Config, workerinput: dict) -> None:
    """An xdist worker takes what its controller decided; a worker of a run without scenarios stays idle."""
    handed = WorkerInput.from_workerinput(workerinput)
    if handed is None:
        config.stash[STATE] = RunState.of(config, RunId.new("worker"))
        return
    state = RunState.of(config, RunId.parse(handed.run_id), engine_name=handed.engine)
    state.local_channel = LocalChannel(handed.local_channel, handed.local_channel_why)
    state.session.tool_versions = list(handed.tools)
    state.session.engine_missing = handed.engine_missing  # so the worker plans the container cells too (as errors)
    state.session.timings = list(handed.timings)
    state.active = True
    state.signals = SignalGuard(forward=False).install()
    config.option.continue_on_collection_errors = True
    config.stash[STATE] = state


def _configure_controller(config: pytest.Config) -> None:
    """Decide once for the whole run: tool versions, the local channel, the engine and its images."""
    state = RunState.of(config, RunId.new())
    session = state.session
    config.stash[STATE] = state
    config.pluginmanager.register(Reporter(state), "guideproof-reporter")
    paths = [Path(config.invocation_params.dir, arg.split("::")[0]) for arg in config.args]
    files = scenario_files(paths) + page_files(paths)  # scenario files, and docs pages tested in place
    # pytest collects neither file nor directory from a dangling symlink: the run reports it as an error.
    state.unreadable = [p for p in files if not p.is_file() and not p.is_dir()]
    files = [p for p in files if p not in state.unreadable]
    located = [(path, matrix) for path in files if (matrix := find_matrix(path)) is not None]
    if not located:
        return  # no scenario among the arguments: this session runs other tests, and the plugin stays idle
    state.active = True
    session.load_timings()  # before this run writes its own results file
    # A scenario file that cannot be read or parsed is its own collection error; the other files run.
    config.option.continue_on_collection_errors = True
    if not config.option.collectonly:
        try:
            check_writable(Path(config.invocation_params.dir, config.getoption("results")))
        except UserError as exc:  # the option that names the path, then the path and why
            raise pytest.UsageError(f"--results {exc}") from None
    with usage_errors():
        if session.tools_requested:
            session.resolve_tools(session.matrix(located[0][1]))
        session.choose_engine()
        engine = session.engine
    if config.option.collectonly:
        # Listing the cells needs no image, no local channel and no snapshot store: none is built or touched.
        _register_xdist(config, state)
        return
    state.local_channel = start_local_channel(config, _parsed(session, located), engine.service_address())
    with usage_errors():
        # A platform whose own requirement is unmet (its archive does not answer) gets no image: its cells skip.
        platforms = {
            p.name: p
            for _, m in located
            for p in session.platforms(session.matrix(m))
            if not session.requirements(session.matrix(m)).unmet((), platform=p)
        }
        capture = config.pluginmanager.getplugin("capturemanager")
        if capture is not None:
            with capture.global_and_fixture_disabled():
                engine.prepare(list(platforms.values()))
        else:
            engine.prepare(list(platforms.values()))
    if session.settings.reuse and engine.snapshots is not None:
        store = engine.snapshots.store(session.run_id, reuse=True)
        store.prune(config.getoption("reuse_max_age"), config.getoption("reuse_max_size"))
    _register_xdist(config, state)


def _register_xdist(config: pytest.Config, state: RunState) -> None:
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(XdistHooks(state), "guideproof-xdist")
        if config.getoption("maxschedchunk", None) is None:
            config.option.maxschedchunk = 1  # cells go out one at a time, in the order planned for the workers


def _parsed(session: Session, located: list[tuple[Path, Path]]) -> list[Scenario]:
    """The scenarios that parse; a broken file is reported by its collection, not here."""
    scenarios = []
    for path, _matrix in located:
        try:
            scenarios.append(session.read(path)[0])
        except UserError:
            continue
    return scenarios


@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """From now on SIGTERM and SIGHUP clean up as Ctrl-C does; an xdist controller passes them to its workers."""
    state = session.config.stash[STATE]
    if state.active and state.signals is None:
        state.signals = SignalGuard(forward=session.config.pluginmanager.hasplugin("dsession")).install()


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(STATE, None)
    if state is not None and state.signals is not None:
        state.signals.restore()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """Plan the shared prefixes of the cells this session runs (after -k/-m deselection), and order the cells
    for the run's workers: longest chains first, each snapshot's builder early, so that no worker waits for a
    snapshot while there is other work and no long cell starts last (:mod:`guideproof.plan.schedule`). Every
    xdist worker collects the same items and plans the same."""
    state = config.stash[STATE]
    cells = [item for item in items if isinstance(item, ScenarioItem) and item.cell is not None]
    if not state.active or not cells:
        return
    planned = [(item.scenario, item.cell, item.matrix) for item in cells if item.cell is not None]
    by_cell = {(scenario.name, cell.id): item for item, (scenario, cell, _) in zip(cells, planned, strict=True)}
    workers = _workers(config)
    with usage_errors():
        state.session.plan_sharing(planned)
        # xdist keeps one cell queued behind each running one (--maxschedchunk 1, set by the controller)
        order = state.session.order(planned, workers, queued=workers > 1)
    reordered = [by_cell[key] for key in order]
    others = [item for item in items if not (isinstance(item, ScenarioItem) and item.cell is not None)]
    items[:] = reordered + others


def _workers(config: pytest.Config) -> int:
    """How many workers run the cells: an xdist worker is told; else 1."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:
        return int(workerinput.get("workercount", 1))
    return 1


def pytest_report_header(config: pytest.Config) -> list[str]:
    state = config.stash[STATE]
    if not state.active:
        return []
    session = state.session
    lines = [f"scenarios: {no_engine_line(session.engine_missing)}"] if session.engine_missing else []
    lines += [f"scenarios: {session.engine_line}", f"scenarios: run {session.run_id}"]
    lines += [f"scenarios: {note}" for note in session.engine.notes()]
    every = session.settings.tool_every
    lines += [f"scenarios: {line}" for line in describe(session.tool_versions, index_url(), every)]
    if state.local_channel.url:
        url = state.local_channel.url
        lines.append(f"scenarios: local channel served at {url} (LOCAL_CHANNEL in the cells that require it)")
    return [mask(line, session.engine.secrets) for line in lines]  # the index URL may hold a token


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix == SUFFIX or is_scenario_page(file_path):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


def pytest_collect_directory(path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """A directory named like a scenario is a scenario file that cannot be read: a collection error, not a
    silently empty directory. (Dangling ``*.scenario`` symlinks, which pytest passes over, the controller
    finds in its own walk: see ``_configure_controller``.)"""
    if path.suffix == SUFFIX:
        return ScenarioFile.from_parent(parent, path=path)
    return None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Point a cell's skip at its scenario file, not at the plugin line that raised it."""
    report = yield
    if isinstance(item, ScenarioItem) and report.skipped and isinstance(report.longrepr, tuple):
        _path, _line, message = report.longrepr
        report.longrepr = (*item.skip_location(), message)
    return report
