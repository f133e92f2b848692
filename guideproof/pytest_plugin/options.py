"""Command-line options of the plugin, and their validation against the matrix."""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

import pytest

from guideproof.engines.select import ENGINES, EngineOptions
from guideproof.matrix.model import Matrix, Platform

DEFAULT_RESULTS = "build/results/scenarios.json"


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("scenarios", "scenario harness (scenarios/**/*.scenario)")
    group.addoption(
        "--engine",
        choices=ENGINES,
        default="auto",
        help="where cells run: auto (docker if it answers, else podman, else local), local, docker, podman",
    )
    group.addoption(
        "--platform",
        action="append",
        default=[],
        metavar="GLOB",
        help="run only platforms matching GLOB (repeatable); default: the matrix's default platforms",
    )
    group.addoption(
        "--axis",
        action="append",
        default=[],
        metavar="NAME=GLOB",
        help="run only cells whose axis NAME matches GLOB (repeatable), e.g. --axis env=venv*",
    )
    group.addoption(
        "--results",
        default=DEFAULT_RESULTS,
        metavar="PATH",
        help=f"write the results JSON here (default {DEFAULT_RESULTS})",
    )
    group.addoption(
        "--update-expected",
        action="store_true",
        help="rewrite the expected output of failing commands in place from their actual output",
    )
    group.addoption("--offline", action="store_true", help="treat every network requirement as unmet (skip)")
    group.addoption(
        "--keep-containers",
        action="store_true",
        help="keep each cell's container after it ran, and print how to enter it",
    )
    group.addoption(
        "--image-source",
        choices=("auto", "registry", "debootstrap"),
        default="auto",
        help="how platform images are made (auto: registry, falling back to debootstrap)",
    )
    group.addoption(
        "--tool",
        action="append",
        default=[],
        metavar="NAME=VERSIONS",
        help="run only the cells that use tool NAME (from [tools] in matrix.toml), once per version: "
        "latest, pre or exact versions, comma-separated (repeatable), e.g. --tool virtualenv=latest,20.26.6",
    )
    group.addoption("--network", default="host", help="container network (default: host)")
    group.addoption(
        "--host-ca",
        default=None,
        metavar="PATH|none",
        help="CA bundle copied into containers (default: the host's; 'none' copies nothing)",
    )
    group.addoption(
        "--pip-cache",
        default=None,
        metavar="DIR",
        help="share this pip cache across cells (opt-in: the default run behaves like a new machine)",
    )


@dataclass(frozen=True)
class Selection:
    platforms: tuple[str, ...]  # globs from --platform
    axes: dict[str, list[str]]  # from --axis

    @property
    def narrowed(self) -> bool:
        return bool(self.platforms or self.axes)


def selection(config: pytest.Config) -> Selection:
    axes: dict[str, list[str]] = {}
    for item in config.getoption("axis"):
        name, eq, glob = item.partition("=")
        if not eq or not name or not glob:
            raise pytest.UsageError(f"--axis {item!r}: expected NAME=GLOB, e.g. --axis env=venv-copies")
        axes.setdefault(name, []).append(glob)
    return Selection(tuple(config.getoption("platform")), axes)


def check_selection(sel: Selection, matrix: Matrix) -> None:
    names = [p.name for p in matrix.platforms]
    for glob in sel.platforms:
        if not any(fnmatchcase(n, glob) for n in names):
            raise pytest.UsageError(f"--platform {glob!r} matches no platform in {matrix.path} ({', '.join(names)})")
    for axis, globs in sel.axes.items():
        try:
            values = matrix.axis(axis).names
        except KeyError:
            raise pytest.UsageError(
                f"--axis {axis}=...: unknown axis (axes in {matrix.path}: {', '.join(matrix.axis_names)})"
            ) from None
        for glob in globs:
            if not any(fnmatchcase(v, glob) for v in values):
                raise pytest.UsageError(f"--axis {axis}={glob}: matches no value ({', '.join(values)})")


def run_platforms(sel: Selection, engine_platforms: list[Platform]) -> list[Platform]:
    if sel.platforms:
        return [p for p in engine_platforms if any(fnmatchcase(p.name, g) for g in sel.platforms)]
    return [p for p in engine_platforms if p.default]


def engine_options(config: pytest.Config) -> EngineOptions:
    cache = config.getoption("pip_cache")
    return EngineOptions(
        network=config.getoption("network"),
        keep_containers=config.getoption("keep_containers"),
        image_source=config.getoption("image_source"),
        host_ca=config.getoption("host_ca"),
        pip_cache=Path(cache).resolve() if cache else None,
    )
