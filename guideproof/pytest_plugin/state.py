"""What the plugin keeps for one pytest session (controller or xdist worker), reached through ``config.stash``:
the core's :class:`~guideproof.run.session.Session`, built from the options, and what only pytest needs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from guideproof.engines.runid import RunId
from guideproof.errors import FileError, UserError
from guideproof.matrix.model import Matrix
from guideproof.paths import display_path
from guideproof.plan.cells import marker_name
from guideproof.pytest_plugin.channel import REQUIRED_FOR, LocalChannel, cell_environment
from guideproof.pytest_plugin.options import engine_values, selection
from guideproof.pytest_plugin.signals import SignalGuard
from guideproof.run.session import Session, Settings


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def settings(config: pytest.Config) -> Settings:
    """The plugin's options as the core's :class:`Settings`."""
    option = config.getoption
    here = config.invocation_params.dir
    return Settings(
        selection=selection(config),
        engine=option("engine"),
        engine_options=engine_values(config),
        tools=tuple(option("tool")),
        tool_every=option("tool_every"),
        offline=option("offline"),
        update_expected=option("update_expected"),
        keep_failed=option("keep_failed"),
        share=not option("no_share"),
        reuse=bool(option("reuse")),
        reuse_every=option("reuse_every"),
        reuse_max_gb=option("reuse_max_size"),
        root=config.rootpath,
        history=(*[Path(here, p) for p in option("timings_from")], Path(here, option("results"))),
        invocation_dir=here,
    )


@contextmanager
def usage_errors() -> Iterator[None]:
    """A :class:`UserError` of the core becomes pytest's usage error: one line, no traceback."""
    try:
        yield
    except FileError as exc:  # the path as the user would type it, not the absolute one
        where = display_path(exc.path) + (f":{exc.line}" if exc.line else "")
        raise pytest.UsageError(f"{where}: {exc.message}") from None
    except UserError as exc:
        raise pytest.UsageError(str(exc)) from None


@dataclass
class RunState:
    """The pytest face of one run: its :class:`Session`, and what only the plugin needs (is it active, the
    signal guard, unreadable files, the local channel it serves, the markers it has declared)."""

    config: pytest.Config
    session: Session
    started: str = field(default_factory=now)
    active: bool = False  # does this session run scenarios?
    signals: SignalGuard | None = None  # SIGTERM/SIGHUP handling while the session runs
    unreadable: list[Path] = field(default_factory=list)  # dangling *.scenario symlinks (pytest skips them)
    _local_channel: LocalChannel = field(default_factory=LocalChannel)
    _marked: set[Path] = field(default_factory=set)  # the matrices whose markers are declared

    @classmethod
    def of(cls, config: pytest.Config, run_id: RunId, engine_name: str | None = None) -> RunState:
        session = Session(settings(config), run_id, engine_name=engine_name, required_for=REQUIRED_FOR)
        state = cls(config, session)
        state.local_channel = LocalChannel()
        return state

    def add_markers(self, matrix: Matrix) -> None:
        """Declare the markers of ``matrix``'s axis values (``-m platform_host``), once per matrix."""
        if matrix.path in self._marked:
            return
        self._marked.add(matrix.path)
        for axis in (matrix.platform_axis, *matrix.axes):
            for value in axis.values:
                name = marker_name(axis.name, value.name)
                self.config.addinivalue_line("markers", f"{name}: cells where {axis.name} is {value.name}")

    @property
    def local_channel(self) -> LocalChannel:
        return self._local_channel

    @local_channel.setter
    def local_channel(self, channel: LocalChannel) -> None:
        """The channel this run serves: the cells' variables and the ``local:`` probes follow it."""
        self._local_channel = channel
        self.session.cell_env = cell_environment(self.config.getoption("conda_channel"), channel)
        self.session.local_probes = channel.probes


STATE = pytest.StashKey[RunState]()
