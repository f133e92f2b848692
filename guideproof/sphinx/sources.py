"""Where the extension reads from: the scenarios directory, its matrix, and the results files."""

from __future__ import annotations

import glob
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment

from guideproof.errors import HarnessError
from guideproof.matrix.model import Matrix, load_matrix
from guideproof.results.store import load_results, merge_results
from guideproof.scenario.model import Scenario
from guideproof.scenario.parser import load
from guideproof.sphinx import state

_matrix_cache: dict[tuple[str, float], Matrix] = {}
_results_cache: dict[tuple[tuple[str, float], ...], dict[str, Any] | None] = {}


def resolve_paths(app: Sphinx, config: Config) -> None:
    """``config-inited``: make the configured paths absolute (relative ones are below the conf dir).

    Nothing is assumed about the project's layout: without ``scenario_dir`` the ``scenario`` directive
    says to set it, and without ``scenario_results`` no run is shown (every snippet reads "not yet verified").
    """
    base = Path(app.confdir)
    if config.scenario_dir:
        config.scenario_dir = str((base / config.scenario_dir).resolve())
    if config.scenario_matrix:
        config.scenario_matrix = str((base / config.scenario_matrix).resolve())
    elif config.scenario_dir:
        config.scenario_matrix = str(Path(config.scenario_dir) / "matrix.toml")
    patterns = [config.scenario_results] if isinstance(config.scenario_results, str) else config.scenario_results
    config.scenario_results = [str(base / p) for p in patterns]


def scenario_dir(config: Config) -> Path:
    if not config.scenario_dir:
        raise HarnessError("conf.py does not set scenario_dir: set it to the directory of your .scenario files")
    return Path(config.scenario_dir)


def matrix_path(config: Config) -> Path:
    if not config.scenario_matrix:
        scenario_dir(config)  # unset too (the matrix defaults to matrix.toml there): says what to set
    return Path(config.scenario_matrix)


def get_matrix(config: Config) -> Matrix:
    path = matrix_path(config)
    key = (str(path), path.stat().st_mtime)
    if key not in _matrix_cache:
        _matrix_cache[key] = load_matrix(path)
    return _matrix_cache[key]


def get_scenario(config: Config, name: str) -> Scenario:
    root = scenario_dir(config)
    path = root / f"{name}.scenario"
    if not path.is_file():
        raise FileNotFoundError(f"no scenario {name!r}: {path} does not exist")
    return load(path, root, get_matrix(config))


def results_files(config: Config) -> list[Path]:
    found: list[Path] = []
    for pattern in config.scenario_results:
        found.extend(Path(p).resolve() for p in sorted(glob.glob(pattern)))
    return found


def results_key(config: Config) -> tuple[tuple[str, float], ...]:
    """Which results files there are, and when each last changed."""
    return tuple((str(p), p.stat().st_mtime) for p in results_files(config))


def get_results(config: Config) -> dict[str, Any] | None:
    """The merged results of every configured results file, or ``None`` when there are none."""
    files = results_files(config)
    key = results_key(config)
    if key not in _results_cache:
        docs = [load_results(p) for p in files]
        _results_cache[key] = merge_results(docs) if docs else None
    return _results_cache[key]


def note_dependencies(env: BuildEnvironment, *extra: Path) -> None:
    """Re-read the current document when the matrix or ``extra`` changes, or results files come and go."""
    for path in (matrix_path(env.config), *extra):
        env.note_dependency(str(path))
    state.docs(env, state.USES_RESULTS).add(env.docname)
