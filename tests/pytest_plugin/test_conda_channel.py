"""--conda-channel end to end: the URL given to pytest is what a cell's shell sees as $CONDA_CHANNEL.

tests/channel/ checks the mapping that builds the cell environment; these run the plugin with pytester,
so the option, the engine and the shell are all in the path, and a wrong expectation must fail.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from guideproof.engines.cli import ContainerCLI
from tests.pytest_plugin.test_plugin import PLUGIN, run, tree  # noqa: F401 - the tree fixture

ROOT = Path(__file__).resolve().parents[2]

# The channel the guide's conda scenarios install from unless told otherwise; the tier-2 pages say so.
DEFAULT = "https://conda.anaconda.org/conda-forge"
GIVEN = "https://channels.example.invalid/mirror/conda-forge"

ECHO = """
+++
title = "The conda channel of the cell"
+++
  $ echo "$CONDA_CHANNEL"
  EXPECTED
"""


def scenario(expected: str) -> str:
    return ECHO.replace("EXPECTED", expected)


def test_the_given_url_reaches_the_cell(pytester, tree):  # noqa: F811
    tree("tier2/channel.scenario", scenario(GIVEN))
    run(pytester, "--conda-channel", GIVEN).assert_outcomes(passed=1)


def test_expecting_another_url_fails_with_the_url_the_cell_saw(pytester, tree):  # noqa: F811
    tree("tier2/channel.scenario", scenario(DEFAULT))
    result = run(pytester, "--conda-channel", GIVEN)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "output differs at scenarios/tier2/channel.scenario:4 [[]host[]]",
            f"-{DEFAULT}",
            f"+{GIVEN}",
        ]
    )


def test_without_the_option_the_cell_gets_conda_forge(pytester, tree):  # noqa: F811
    tree("tier2/channel.scenario", scenario(DEFAULT))
    run(pytester).assert_outcomes(passed=1)
    tree("tier2/channel.scenario", scenario(GIVEN))
    run(pytester).assert_outcomes(failed=1)


def test_the_hosts_own_conda_channel_does_not_leak_into_the_cell(pytester, tree, monkeypatch):  # noqa: F811
    monkeypatch.setenv("CONDA_CHANNEL", "https://host.example.invalid/channel")
    tree("tier2/channel.scenario", scenario(DEFAULT))
    run(pytester).assert_outcomes(passed=1)
    tree("tier2/channel.scenario", scenario(GIVEN))
    run(pytester, "--conda-channel", GIVEN).assert_outcomes(passed=1)


DOCKER_PROBLEM = ContainerCLI("docker").problem()


@pytest.mark.docker
@pytest.mark.skipif(DOCKER_PROBLEM is not None, reason=f"no Docker engine: {DOCKER_PROBLEM}")
def test_the_given_url_reaches_a_container_cell(pytester):
    """The real matrix on one Debian platform: the URL crosses `docker exec -e` into the container's shell."""
    (pytester.path / "scenarios" / "tier2").mkdir(parents=True)
    shutil.copy(ROOT / "scenarios" / "matrix.toml", pytester.path / "scenarios" / "matrix.toml")
    body = "+++\ntitle = 'x'\nplatforms = ['debian-bookworm']\n+++\n  $ echo \"$CONDA_CHANNEL\"\n  EXPECTED\n"
    path = pytester.path / "scenarios" / "tier2" / "channel.scenario"
    path.write_text(body.replace("EXPECTED", GIVEN))
    args = (*PLUGIN, "scenarios", "--engine", "docker", "--platform", "debian-bookworm", "-p", "no:cacheprovider")
    result = pytester.runpytest(*args, "-p", "no:xdist", "--conda-channel", GIVEN, "--results", "r.json")
    cells = json.loads((pytester.path / "r.json").read_text())["cells"]
    if cells and cells[0]["outcome"] == "skipped":
        pytest.skip(cells[0]["reason"])
    result.assert_outcomes(passed=1)
    path.write_text(body.replace("EXPECTED", DEFAULT))
    pytester.runpytest(*args, "-p", "no:xdist", "--conda-channel", GIVEN).assert_outcomes(failed=1)
