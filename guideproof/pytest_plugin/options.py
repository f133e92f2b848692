"""Command-line options of the plugin. The engines' options come from their declarations."""

from __future__ import annotations

import os
from typing import Any

import pytest

from guideproof.engines.registry import AUTO, CHOICES, engine_options, option_values
from guideproof.engines.snapshot import DEFAULT_MAX_AGE_DAYS, DEFAULT_MAX_GB
from guideproof.errors import UserError
from guideproof.matrix.selection import Selection
from guideproof.pytest_plugin.channel import add_options as add_channel_options
from guideproof.run.shared import REUSE_SEGMENT_S
from guideproof.versions.releases import SERIES

DEFAULT_RESULTS = "build/results/scenarios.json"
RESULTS_VARIABLE = "GUIDEPROOF_RESULTS"  # the default of --results when set (the noxfile sets it)


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("scenarios", "guideproof scenarios (scenarios/**/*.scenario)")
    group.addoption(
        "--engine",
        choices=CHOICES,
        default=AUTO,
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
    results = os.environ.get(RESULTS_VARIABLE) or DEFAULT_RESULTS
    group.addoption(
        "--results",
        default=results,
        metavar="PATH",
        help=f"write the results JSON here (default ${RESULTS_VARIABLE}, else {DEFAULT_RESULTS}; now {results})",
    )
    group.addoption(
        "--timings-from",
        action="append",
        default=[],
        metavar="PATH",
        help="a results file of an earlier run (repeatable) whose step times order the cells for the workers,"
        " longest chains first; the --results file of the last run is read last, and wins",
    )
    group.addoption(
        "--update-expected",
        action="store_true",
        help="rewrite the expected output of failing commands in place from their actual output (a cell goes on"
        " after a mismatch, so one run updates every failing command) and print what changed",
    )
    group.addoption(
        "--accept-failures",
        action="store_true",
        help="with --update-expected: also write a new non-zero exit status ([N]) under a command; without it such"
        " an update is refused, naming file, line and status, and the file is left as it was",
    )
    group.addoption(
        "--keep-failed",
        action="store_true",
        help="keep a failed cell's container (local engine: its directory) as its first failing command left it,"
        " and print the command that opens a shell there with the state that command started from",
    )
    group.addoption("--offline", action="store_true", help="treat every network requirement as unmet (skip)")
    group.addoption(
        "--tool",
        action="append",
        default=[],
        metavar="NAME=VERSIONS",
        help="run only the cells that use tool NAME (from [tools] in matrix.toml), once per version: latest, pre, "
        "exact versions, ranges FIRST..LAST, or the path or URL of a wheel or sdist (copied into each cell), "
        "comma-separated (repeatable), e.g. --tool virtualenv=latest,20.26.6 or --tool virtualenv=20.0.0..latest",
    )
    group.addoption(
        "--tool-every",
        choices=SERIES,
        default="minor",
        help="a --tool range runs the newest release of each minor series (default), each patch series, or all",
    )
    group.addoption(
        "--no-share",
        action="store_true",
        help="run every cell from its first step: no shared prefixes (how the speed-ups are checked)",
    )
    group.addoption(
        "--reuse",
        action="store_true",
        help="keep snapshots of steps across runs and start each cell from the deepest one that matches its"
        " commands, so an edited scenario reruns from its first changed step (for maintainers; CI stays fresh)",
    )
    group.addoption(
        "--no-reuse",
        action="store_false",
        dest="reuse",
        default=False,
        help="start every cell from its image, as CI does (undoes an earlier --reuse, such as nox -s scenarios's)",
    )
    group.addoption(
        "--reuse-every",
        type=float,
        default=REUSE_SEGMENT_S,
        metavar="SECONDS",
        help="with --reuse: also keep a snapshot wherever SECONDS of step time passed since the last one"
        f" (default {REUSE_SEGMENT_S:g}; each costs a commit and a layer of every change since the cell started)",
    )
    group.addoption(
        "--reuse-max-age",
        type=float,
        default=DEFAULT_MAX_AGE_DAYS,
        metavar="DAYS",
        help=f"with --reuse: remove snapshots unused for DAYS first (default {DEFAULT_MAX_AGE_DAYS:g})",
    )
    group.addoption(
        "--reuse-max-size",
        type=float,
        default=DEFAULT_MAX_GB,
        metavar="GB",
        help=f"with --reuse: then the least recently used beyond GB; a run keeps no more once the store holds GB"
        f" (default {DEFAULT_MAX_GB:g})",
    )
    for option in engine_options():
        group.addoption(option.flag, **option.argparse_kwargs())
    add_channel_options(group)


def selection(config: pytest.Config) -> Selection:
    try:
        return Selection.parse(config.getoption("platform"), config.getoption("axis"))
    except UserError as exc:
        raise pytest.UsageError(str(exc)) from None


def engine_values(config: pytest.Config) -> dict[str, Any]:
    return option_values(config.getoption)
