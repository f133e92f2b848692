"""The user's narrowing of a run (``--platform GLOB``, ``--axis NAME=GLOB``), checked against the matrix.

Both options are axis constraints as globs (:mod:`guideproof.matrix.where`). Errors are :class:`UserError`:
the pytest plugin turns them into usage errors, the CLI prints them.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from guideproof.errors import UserError
from guideproof.matrix.model import PLATFORM, Matrix, Platform
from guideproof.matrix.where import Where, matches_any


@dataclass(frozen=True)
class Selection:
    platforms: tuple[str, ...] = ()  # globs from --platform
    axes: Where = field(default_factory=Where)  # from --axis

    @classmethod
    def parse(cls, platforms: Sequence[str], axis_options: Sequence[str]) -> Selection:
        """``--axis env=venv*`` options → a :class:`Where`; a malformed one is a :class:`UserError`."""
        axes: dict[str, list[str]] = {}
        for item in axis_options:
            name, eq, glob = item.partition("=")
            if not eq or not name or not glob:
                raise UserError(f"--axis {item!r}: expected NAME=GLOB, e.g. --axis env=venv-copies")
            axes.setdefault(name, []).append(glob)
        return cls(tuple(platforms), Where.of(axes))

    @property
    def narrowed(self) -> bool:
        return bool(self.platforms or self.axes)

    def check(self, matrix: Matrix) -> None:
        """Every glob must match something in ``matrix``: a typo is an error, not an empty run."""
        glob = matrix.unmatched(PLATFORM, self.platforms)
        if glob is not None:
            names = ", ".join(p.name for p in matrix.platforms)
            raise UserError(f"--platform {glob!r} matches no platform in {matrix.path} ({names})")
        for axis, globs in self.axes.terms:
            try:
                values = matrix.axis(axis).names
            except KeyError:
                known = ", ".join(matrix.axis_names)
                raise UserError(f"--axis {axis}=...: unknown axis (axes in {matrix.path}: {known})") from None
            glob = matrix.unmatched(axis, globs)
            if glob is not None:
                raise UserError(f"--axis {axis}={glob}: matches no value ({', '.join(values)})")

    def chosen(self, matrix: Matrix, kinds: Collection[str] | None = None) -> list[Platform]:
        """The platforms of ``matrix`` a run covers: of ``kinds`` (None: of every kind), those ``--platform``
        names, else the default ones."""
        platforms = [p for p in matrix.platforms if kinds is None or p.kind in kinds]
        if self.platforms:
            return [p for p in platforms if matches_any(p.name, self.platforms)]
        return [p for p in platforms if p.default]
