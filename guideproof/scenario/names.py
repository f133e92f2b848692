"""A scenario's name (``tier1/venv-basics``): the one key that joins a results record to the docs.

The pytest plugin names a scenario from the directory of its ``matrix.toml``, the Sphinx extension from
its ``scenario_dir``; both call :func:`scenario_name`, and the docs build fails on a results file naming
a scenario it cannot find, so the two cannot drift apart in silence.
"""

from __future__ import annotations

from pathlib import Path

SUFFIX = ".scenario"


def scenario_name(path: Path, root: Path) -> str:
    """``root/tier1/venv-basics.scenario`` → ``tier1/venv-basics``; a file outside ``root`` is named by its stem."""
    if path.is_relative_to(root):
        return path.relative_to(root).with_suffix("").as_posix()
    return path.stem


def scenario_path(name: str, root: Path) -> Path:
    """Where the scenario called ``name`` lives below ``root`` (the inverse of :func:`scenario_name`)."""
    return root / f"{name.removesuffix(SUFFIX)}{SUFFIX}"
