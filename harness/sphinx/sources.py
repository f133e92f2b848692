"""Where the extension reads from: the scenarios directory, its matrix, and the results files."""

from __future__ import annotations

import glob
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

from harness.matrix.model import Matrix, load_matrix
from harness.results.store import load_results, merge_results
from harness.scenario.model import Scenario
from harness.scenario.parser import load

_matrix_cache: dict[tuple[str, float], Matrix] = {}
_results_cache: dict[tuple[tuple[str, float], ...], dict[str, Any] | None] = {}


def scenario_dir(app: Sphinx) -> Path:
    configured = app.config.scenario_dir
    base = Path(app.confdir)
    return (base / configured if configured else base.parent / "scenarios").resolve()


def matrix_path(app: Sphinx) -> Path:
    configured = app.config.scenario_matrix
    return (Path(app.confdir) / configured).resolve() if configured else scenario_dir(app) / "matrix.toml"


def get_matrix(app: Sphinx) -> Matrix:
    path = matrix_path(app)
    key = (str(path), path.stat().st_mtime)
    if key not in _matrix_cache:
        _matrix_cache[key] = load_matrix(path)
    return _matrix_cache[key]


def get_scenario(app: Sphinx, name: str) -> Scenario:
    root = scenario_dir(app)
    path = root / f"{name}.scenario"
    if not path.is_file():
        raise FileNotFoundError(f"no scenario {name!r}: {path} does not exist")
    return load(path, root, get_matrix(app))


def results_files(app: Sphinx) -> list[Path]:
    patterns = app.config.scenario_results
    if isinstance(patterns, str):
        patterns = [patterns]
    found: list[Path] = []
    for pattern in patterns:
        full = Path(app.confdir) / pattern
        found.extend(Path(p).resolve() for p in sorted(glob.glob(str(full))))
    return found


def get_results(app: Sphinx) -> dict[str, Any] | None:
    """The merged results of every configured results file, or ``None`` when there are none."""
    files = results_files(app)
    key = tuple((str(p), p.stat().st_mtime) for p in files)
    if key not in _results_cache:
        docs = [load_results(p) for p in files]
        _results_cache[key] = merge_results(docs) if docs else None
    return _results_cache[key]


def note_dependencies(env: BuildEnvironment, app: Sphinx, *extra: Path) -> None:
    """Re-read the current document when the matrix, a results file or ``extra`` changes."""
    for path in (matrix_path(app), *results_files(app), *extra):
        env.note_dependency(str(path))
