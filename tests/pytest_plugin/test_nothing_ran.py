"""Issue 28 item 10: a run that proves nothing exits non-zero, also when every scenario is skipped before a
cell is planned, and under xdist when no container engine answered."""

from __future__ import annotations

import pytest

from tests.conftest import SMALL_MATRIX

pytest_plugins = ["pytester"]
PLUGIN = ("-p", "guideproof.pytest_plugin")
DEBIAN = "+++\ntitle = 'x'\nplatforms = ['debian-*']\n+++\n  $ true\n"
GOOD = "+++\ntitle = 'Good'\nplatforms = ['host']\n+++\n  $ echo hello\n  hello\n"
NO_DOCKER = """
import pytest
from guideproof.engines.cli import ContainerCLI
PATCH = pytest.MonkeyPatch()
def missing(self):
    return f"{self.program} is not installed: install it, or use --engine local"
def pytest_configure(config):
    PATCH.setattr(ContainerCLI, "problem", missing)
def pytest_unconfigure(config):
    PATCH.undo()
"""


@pytest.fixture
def scenarios(pytester: pytest.Pytester):
    root = pytester.path / "scenarios"
    (root / "tier1").mkdir(parents=True)
    (root / "matrix.toml").write_text(SMALL_MATRIX)
    return root


def test_every_scenario_skipped_is_a_run_that_proves_nothing(pytester, scenarios):
    (scenarios / "tier1" / "debian.scenario").write_text(DEBIAN)
    (scenarios / "tier1" / "other.scenario").write_text(DEBIAN)
    result = pytester.runpytest(*PLUGIN, "scenarios", "--engine", "local", "-p", "no:cacheprovider", "-p", "no:xdist")
    result.assert_outcomes(skipped=2)
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    result.stdout.fnmatch_lines(["NOTHING RAN: every one of the 2 selected scenarios was skipped*local engine*"])


def test_no_container_engine_under_xdist_fails_the_run(pytester, scenarios):
    (scenarios / "tier1" / "debian.scenario").write_text(DEBIAN)
    (scenarios / "tier1" / "good.scenario").write_text(GOOD)
    pytester.makeconftest(NO_DOCKER)
    result = pytester.runpytest(*PLUGIN, "scenarios", "--engine", "auto", "-p", "no:cacheprovider", "-n", "1")
    assert result.ret != pytest.ExitCode.OK, result.stdout.str()
    result.stdout.fnmatch_lines(["*no container engine answered (docker is not installed*"])
