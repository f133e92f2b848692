"""Finding scenario files and their matrix: the one walk over the paths a run or a build is given."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from guideproof.scenario.names import SUFFIX

MATRIX_FILE = "matrix.toml"


def scenario_files(paths: Iterable[Path]) -> list[Path]:
    """The ``*.scenario`` files among ``paths`` and below the directories among them, each once, in order."""
    found: dict[Path, None] = {}
    for path in paths:
        if path.is_file() and path.suffix == SUFFIX:
            found[path] = None
        elif path.is_dir():
            found.update(dict.fromkeys(sorted(path.rglob(f"*{SUFFIX}"))))
    return list(found)


def find_matrix(path: Path) -> Path | None:
    """The ``matrix.toml`` that governs ``path``: in its directory or the nearest parent that has one."""
    for directory in [path, *path.parents] if path.is_dir() else path.parents:
        candidate = directory / MATRIX_FILE
        if candidate.is_file():
            return candidate
    return None
