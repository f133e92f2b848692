"""The one small interface every engine implements, and how an engine declares its options."""

from __future__ import annotations

import abc
import shutil
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from guideproof.engines.runid import RunId
from guideproof.engines.shell import Shell
from guideproof.matrix.model import Platform

if TYPE_CHECKING:
    from guideproof.engines.images import ImageBuilder
    from guideproof.engines.snapshot import SnapshotStore


@dataclass(frozen=True)
class CellLabels:
    """What a cell is, for engines that can label what they create (containers)."""

    run_id: RunId
    scenario: str
    cell: str


@dataclass(frozen=True)
class EngineOption:
    """A command-line option an engine reads, declared as data: the pytest plugin and the CLI add the same."""

    flag: str  # "--network"
    help: str
    default: Any = None
    choices: tuple[str, ...] | None = None
    metavar: str | None = None
    switch: bool = False  # takes no value (store_true)
    images: bool = False  # also an option of ``guideproof images``

    @property
    def dest(self) -> str:
        return self.flag.removeprefix("--").replace("-", "_")

    def argparse_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for argparse's (and pytest's) ``addoption``."""
        if self.switch:
            return {"action": "store_true", "help": self.help}
        kwargs: dict[str, Any] = {"default": self.default, "help": self.help}
        if self.choices:
            kwargs["choices"] = self.choices
        if self.metavar:
            kwargs["metavar"] = self.metavar
        return kwargs


class Engine(abc.ABC):
    """Where a cell's bash runs: on the host (local) or in a container (docker, podman).

    A run makes one engine (``from_options``), calls ``prepare`` once before any cell, ``open_cell`` once
    per cell, and ``finish`` at the end. ``image_builder`` is the optional capability of building the
    platforms' images ahead of a run (``guideproof images``); None when the engine uses no images.
    ``snapshots`` is the optional capability of committing a cell and starting cells from it (shared
    prefixes); None when the engine cannot.
    """

    name: str = ""
    platform_kind: ClassVar[str] = ""  # the kind of matrix platform it runs: "host" or "container"
    can_root: bool = False  # may a scenario run ``sudo``?
    secrets: tuple[str, ...] = ()  # credentials that reach cells (index URLs): masked wherever output goes
    options: ClassVar[tuple[EngineOption, ...]] = ()
    image_builder: ImageBuilder | None = None
    snapshots: Snapshots | None = None

    @classmethod
    @abc.abstractmethod
    def from_options(cls, name: str, values: Mapping[str, Any]) -> Engine:
        """The engine called ``name``, configured from its options' values (keyed by ``EngineOption.dest``)."""

    def prepare(self, platforms: Sequence[Platform]) -> None:  # noqa: B027 - optional hook
        """Get ready to run these platforms (build images, sweep leftovers). Called once, before workers."""

    def finish(self, run_id: RunId) -> None:  # noqa: B027 - optional hook
        """Called once at the end of a run (sweep what the run left behind)."""

    @abc.abstractmethod
    def open_cell(
        self,
        platform: Platform,
        labels: CellLabels,
        env: Mapping[str, str],
        files: Path | None = None,
        builds: Sequence[Path] = (),
        start: str | None = None,
    ) -> AbstractContextManager[Shell]:
        """A fresh, isolated place with a persistent bash in an empty working directory.

        ``env``: variables the run gives every cell (``CONDA_CHANNEL``, ...), on top of the engine's own.
        ``files``: a directory whose contents are copied (never mounted) into the working directory first,
        owned by the cell's user. The place is removed when the context ends, unless ``Shell.keep`` was called.
        ``builds``: tool builds under test (``--tool NAME=PATH``), copied (never mounted) into one directory of
        the cell outside its home, readable but not writable by the cell's user; ``Shell.files_dir`` names it.
        ``start``: a snapshot's image to start from instead of the platform's (engines with ``snapshots``).
        """

    def service_address(self) -> tuple[str, str]:
        """Where a server the run starts on this machine (the local channel) listens, and the host name a cell
        reaches it at: 127.0.0.1 unless cells have a network of their own."""
        return "127.0.0.1", "127.0.0.1"

    def notes(self) -> Iterator[str]:
        """Lines worth telling the user once (dropped settings, ...)."""
        return iter(())


def copy_files(files: Sequence[Path], directory: Path) -> str:
    """Copy ``files`` into a new ``directory``, readable by anyone (the cell may run as another user)."""
    directory.mkdir(mode=0o755)
    for file in files:
        shutil.copyfile(file, directory / file.name)
        (directory / file.name).chmod(0o644)
    directory.chmod(0o755)
    return str(directory)


class Snapshots(abc.ABC):
    """What an engine offers to share a prefix of steps: commit a cell's place, start cells from it."""

    @abc.abstractmethod
    def root(self, platform: Platform, env: Mapping[str, str], setup: str, files: Path | None) -> str:
        """The key of what a cell of ``platform`` starts from: the image's digest, every variable reaching the
        cell, the files and options the engine gives it, the scenario's files copied in, and the setup the run
        adds (``--tool`` pins)."""

    @abc.abstractmethod
    def base_image(self, platform: Platform) -> str:
        """The image a cell of ``platform`` starts from without a snapshot."""

    @abc.abstractmethod
    def container_of(self, shell: Shell) -> str:
        """The container a shell of ``open_cell`` runs in (what is committed)."""

    @abc.abstractmethod
    def store(self, run_id: RunId, reuse: bool) -> SnapshotStore:
        """The run's own snapshot store, or (``reuse``) the one kept across runs."""
