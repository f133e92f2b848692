"""Which first steps the cells of a run share, and where a snapshot of a shared prefix is planned.

Two cells share their first ``k`` steps when they start from the same root (the same platform and setup;
the engine adds the image digest and the environment when it keys a snapshot) and their first ``k``
commands, after ``#if`` resolution, are identical. A snapshot after step ``k`` is planned where at least
two cells of the run continue from there and one step further fewer do: the deepest point of each shared
stretch. Planning sees commands only, never an engine, so every xdist worker computes the same plan from
the same collected cells.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field

Prefix = tuple[Hashable, tuple[str, ...]]
CellRef = tuple[str, str]  # (scenario name, cell id)


@dataclass(frozen=True)
class Path:
    """What a cell runs: its root (what the cell starts from) and its commands, in order."""

    root: Hashable
    commands: tuple[str, ...]

    def prefix(self, depth: int) -> Prefix:
        return self.root, self.commands[:depth]


@dataclass(frozen=True)
class PrefixPlan:
    """The cells of a run (cell -> Path) and how many of them start with each prefix."""

    paths: Mapping[CellRef, Path]
    sharers: Mapping[Prefix, int] = field(default_factory=dict)

    @classmethod
    def of(cls, paths: Mapping[CellRef, Path]) -> PrefixPlan:
        counts: Counter[Prefix] = Counter()
        for path in paths.values():
            for depth in range(1, len(path.commands) + 1):
                counts[path.prefix(depth)] += 1
        return cls(dict(paths), dict(counts))

    def points(self, cell: CellRef) -> tuple[int, ...]:
        """Depths (steps done) after which a snapshot is planned for ``cell``, shallowest first."""
        path = self.paths.get(cell)
        if path is None:
            return ()
        found = []
        for depth in range(1, len(path.commands) + 1):
            here = self.sharers[path.prefix(depth)]
            if here < 2:
                break
            if depth == len(path.commands) or self.sharers[path.prefix(depth + 1)] < here:
                found.append(depth)
        return tuple(found)

    def sharing(self, cell: CellRef, depth: int) -> int:
        """How many cells of the run start with ``cell``'s first ``depth`` steps."""
        return self.sharers.get(self.paths[cell].prefix(depth), 0) if cell in self.paths else 0

    def builders_first(self, order: Sequence[CellRef]) -> list[CellRef]:
        """``order`` with, first, one cell per planned snapshot (the one that will build it), then the rest.

        With the builders running first, the cells that start from their snapshots seldom wait for one.
        """
        claimed: set[Prefix] = set()
        first, rest = [], []
        for cell in order:
            deepest = self.points(cell)[-1:]
            prefix = self.paths[cell].prefix(deepest[0]) if deepest else None
            if prefix is not None and prefix not in claimed:
                claimed.add(prefix)
                first.append(cell)
            else:
                rest.append(cell)
        return first + rest
