"""Issue 28: files that are not what their name says cannot crash the end of a run (items 3 and 8)."""

from __future__ import annotations

import json
import os

import pytest

from tests.conftest import SMALL_MATRIX

pytest_plugins = ["pytester"]
PLUGIN = ("-p", "guideproof.pytest_plugin")
GOOD = "+++\ntitle = 'Good'\nplatforms = ['host']\n+++\n  $ echo hello\n  hello\n"
WRONG = "+++\ntitle = 'Wrong'\nplatforms = ['host']\n+++\n  $ echo right\n  wrong\n"


@pytest.fixture
def scenarios(pytester: pytest.Pytester):
    root = pytester.path / "scenarios"
    (root / "tier1").mkdir(parents=True)
    (root / "matrix.toml").write_text(SMALL_MATRIX)
    return root


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest(
        *PLUGIN, "scenarios", "--engine", "local", "-p", "no:cacheprovider", "-p", "no:xdist", *args
    )


# 3. A *.scenario symlink loop is one error; results are complete and --update-expected edits are kept.
def test_a_symlink_loop_is_an_error_and_the_run_still_finishes(pytester, scenarios):
    (scenarios / "tier1" / "good.scenario").write_text(GOOD)
    wrong = scenarios / "tier1" / "wrong.scenario"
    wrong.write_text(WRONG)
    (scenarios / "tier1" / "self.scenario").symlink_to("self.scenario")
    (scenarios / "tier1" / "dangling.scenario").symlink_to("elsewhere")
    result = run(pytester, "--results", "r.json", "--update-expected")
    out = result.stdout.str()
    assert "INTERNALERROR" not in out and "Traceback" not in out, out
    assert "tier1/self.scenario: cannot be read (a symlink loop)" in out
    assert "tier1/dangling.scenario: cannot be read (a dangling symlink)" in out  # the link, not its target
    data = json.loads((pytester.path / "r.json").read_text())
    assert data["run"]["state"] == "complete"
    outcomes = {c["scenario"]: c["outcome"] for c in data["cells"]}
    assert outcomes == {"tier1/good": "passed", "tier1/wrong": "failed"}
    assert "  right\n" in wrong.read_text()  # the update was written


# 8. A FIFO named like a scenario is said to be one (not "a dangling symlink"), and nothing waits on it.
def test_a_fifo_named_like_a_scenario_is_named_for_what_it_is(pytester, scenarios):
    (scenarios / "tier1" / "good.scenario").write_text(GOOD)
    os.mkfifo(scenarios / "tier1" / "x.scenario")
    result = run(pytester)
    out = result.stdout.str()
    assert "tier1/x.scenario: cannot be read (a FIFO (named pipe), not a file)" in out, out
    assert "dangling" not in out


# 8. A collection error names the file as the user would type it, not by its absolute path.
def test_collection_errors_name_files_relative_to_the_current_directory(pytester, scenarios):
    (scenarios / "tier1" / "bad.scenario").write_text("+++\ntitle = 'x'\nrequires = 5\n+++\n  $ true\n")
    out = run(pytester).stdout.str()
    assert "scenarios/tier1/bad.scenario:3: 'requires' must be a list of strings" in out
    assert str(pytester.path) + "/scenarios/tier1/bad.scenario" not in out


# 8. --platform selecting only platforms the engine does not run says so, with the way out.
def test_a_platform_no_engine_platform_matches_gets_a_hint(pytester, scenarios):
    (scenarios / "tier1" / "good.scenario").write_text(GOOD)
    result = run(pytester, "--platform", "debian-*")
    assert result.ret != 0
    result.stdout.fnmatch_lines(["--platform 'debian-[*]' selects no platform the local engine runs*--engine*"])
