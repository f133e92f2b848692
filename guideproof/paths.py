"""Paths as messages show them: the one place a path is made relative for the user (at the ground: the runner,
the pytest plugin and the doc-tree tools all name files)."""

from __future__ import annotations

import os
from pathlib import Path


def relative(path: str | os.PathLike[str], base: Path) -> str:
    """``path`` relative to ``base`` when below it (POSIX separators), else as it is."""
    try:
        return Path(path).resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return str(path)
    except (OSError, RuntimeError):  # a symlink loop cannot be resolved: the path as it is written
        try:
            return Path(os.path.abspath(path)).relative_to(os.path.abspath(base)).as_posix()
        except ValueError:
            return str(path)


def display_path(path: str | os.PathLike[str]) -> str:
    """A path as the user typed it: relative to the current directory when below it."""
    return relative(path, Path.cwd())
