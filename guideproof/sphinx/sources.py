"""Where the extension reads from: the scenarios directory, its matrix, and the results files.

Each is cached by path and modification time, so a build reads each file once and an incremental build
rereads what changed.
"""

from __future__ import annotations

import datetime as dt
import glob
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

from guideproof.errors import UserError
from guideproof.matrix.model import Matrix, load_matrix
from guideproof.results.mutants import MutationRun, load_mutants
from guideproof.results.store import Results, load_results, merge_results
from guideproof.scenario.discover import scenario_files
from guideproof.scenario.model import Scenario
from guideproof.scenario.names import scenario_name, scenario_path
from guideproof.scenario.parser import load

logger = logging.getLogger(__name__)

_matrix_cache: dict[tuple[str, float], Matrix] = {}
_results_cache: dict[tuple[str, float], Results] = {}
_merged_cache: dict[tuple[tuple[str, float], ...], Results | None] = {}


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
    if config.scenario_history:
        config.scenario_history = str((base / config.scenario_history).resolve())
    if config.scenario_mutants:
        config.scenario_mutants = str((base / config.scenario_mutants).resolve())


def scenario_dir(config: Config) -> Path:
    if not config.scenario_dir:
        raise UserError("conf.py does not set scenario_dir: set it to the directory of your .scenario files")
    return Path(config.scenario_dir)


def matrix_path(config: Config) -> Path:
    if not config.scenario_matrix:
        scenario_dir(config)  # unset too (the matrix defaults to matrix.toml there): says what to set
    return Path(config.scenario_matrix)


def today(config: Config) -> dt.date:
    """The day support windows are judged on: ``scenario_today`` (an ISO date, for tests and reproducible
    builds) when set, else the build's own date (UTC)."""
    if config.scenario_today:
        try:
            return dt.date.fromisoformat(str(config.scenario_today))
        except ValueError:
            raise UserError(f"scenario_today must be a date like 2026-12-06, not {config.scenario_today!r}") from None
    return dt.datetime.now(dt.UTC).date()


def get_mutants(config: Config) -> MutationRun | None:
    """The mutation run's results (``scenario_mutants``), or None when none is configured or written yet."""
    if not config.scenario_mutants or not Path(config.scenario_mutants).is_file():
        return None
    return load_mutants(Path(config.scenario_mutants))


def get_matrix(config: Config) -> Matrix:
    path = matrix_path(config)
    key = (str(path), path.stat().st_mtime)
    if key not in _matrix_cache:
        _matrix_cache[key] = load_matrix(path)
    return _matrix_cache[key]


def get_scenario(config: Config, name: str) -> Scenario:
    root = scenario_dir(config)
    path = scenario_path(name, root)
    if not path.is_file():
        raise FileNotFoundError(f"no scenario {name!r}: {path} does not exist")
    return load(path, root, get_matrix(config))


def scenario_names(config: Config) -> set[str]:
    """The names of every scenario below ``scenario_dir``."""
    root = scenario_dir(config)
    return {scenario_name(path, root) for path in scenario_files([root])}


def page_names(env: BuildEnvironment) -> set[str]:
    """The names pages tested in place have in results (their source path below the source directory)."""
    srcdir = Path(env.srcdir)
    return {Path(env.doc2path(d)).relative_to(srcdir).as_posix() for d in env.found_docs}


def results_files(config: Config) -> list[Path]:
    found: list[Path] = []
    for pattern in config.scenario_results:
        found.extend(Path(p).resolve() for p in sorted(glob.glob(pattern)))
    return found


def results_key(config: Config) -> tuple[tuple[str, float], ...]:
    """Which results files there are, and when each last changed."""
    return tuple((str(p), p.stat().st_mtime) for p in results_files(config))


def load_results_file(path: Path) -> Results:
    key = (str(path), path.stat().st_mtime)
    if key not in _results_cache:
        _results_cache[key] = load_results(path)
    return _results_cache[key]


def get_results(config: Config) -> Results | None:
    """The merged results of every configured results file, or ``None`` when there are none."""
    key = results_key(config)
    if key not in _merged_cache:
        docs = [load_results_file(Path(path)) for path, _ in key]
        _merged_cache[key] = merge_results(docs) if docs else None
    return _merged_cache[key]


def check_results(app: Sphinx, env: BuildEnvironment) -> None:
    """``env-check-consistency``: a results file naming a scenario that is not below ``scenario_dir`` is a
    warning (an error under ``-W``): its cells would never reach a page, which would say "Not yet verified"."""
    files = results_files(env.config)
    if not files or not env.config.scenario_dir:
        return  # no results, or no scenarios to check them against (the scenario directive says to set it)
    known = scenario_names(env.config) | page_names(env)
    for path in files:
        try:
            results = load_results_file(path)
        except (UserError, OSError, ValueError):
            continue  # the directives that read it report it
        for name in results.scenarios:
            if name not in known:
                logger.warning(
                    f"{path}: results for scenario {name!r}, which is not in {scenario_dir(env.config)} "
                    "(renamed or removed? run the scenarios again, or remove the stale results file)",
                    type="scenario",
                    subtype="results",
                )
