"""The one small interface every engine implements."""

from __future__ import annotations

import abc
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass

from guideproof.engines.shell import Shell
from guideproof.matrix.model import Matrix, Platform


@dataclass(frozen=True)
class CellLabels:
    """What a cell is, for engines that can label what they create (containers)."""

    run_id: str
    scenario: str
    cell: str


class Engine(abc.ABC):
    name: str = ""
    can_root: bool = False  # may a scenario run ``sudo``?
    extra_env: Mapping[str, str] = {}  # noqa: RUF012 - replaced, never mutated: set by the plugin (CONDA_CHANNEL, ...)

    @abc.abstractmethod
    def platforms(self, matrix: Matrix) -> list[Platform]:
        """The matrix platforms this engine can run."""

    def prepare(self, platforms: Sequence[Platform]) -> None:  # noqa: B027 - optional hook
        """Get ready to run these platforms (build images, sweep leftovers). Called once, before workers."""

    def finish(self, run_id: str) -> None:  # noqa: B027 - optional hook
        """Called once at the end of a run (sweep what the run left behind)."""

    @abc.abstractmethod
    def open_cell(self, platform: Platform, labels: CellLabels) -> AbstractContextManager[Shell]:
        """A fresh, isolated place with a persistent bash in an empty working directory."""

    def notes(self) -> Iterator[str]:
        """Lines worth telling the user once (dropped settings, ...)."""
        return iter(())
