"""--tool end to end with pytester on the local engine: which cells run, their ids, their pins, the results."""

from __future__ import annotations

import json

from tests.pytest_plugin.test_plugin import run, tree  # noqa: F401 - the tree fixture

PINNED = """
+++
title = "Pinned"
axes = ["env"]
+++
#if env=uv
  $ echo "no tool here"
  no tool here
#else
  $ echo "pipx install virtualenv"; cat "$PIP_CONSTRAINT"; [ "$UV_CONSTRAINT" = "$PIP_CONSTRAINT" ] && echo same
  pipx install virtualenv
  virtualenv==EXPECTED
  same
#endif
"""


def test_cells_using_the_tool_run_once_per_version_with_the_pin(pytester, tree):  # noqa: F811
    tree("tier1/pinned.scenario", PINNED.replace("EXPECTED", "20.26.6"))
    tree("tier1/unrelated.scenario", "+++\ntitle = 'x'\n+++\n  $ true\n")
    args = ("--offline", "--tool", "virtualenv=20.26.6", "--results", "r.json")
    collected = run(pytester, *args, "--collect-only", "-q")
    collected.stdout.fnmatch_lines(
        [
            "scenarios/tier1/pinned.scenario::pinned[[]host-venv-virtualenv==20.26.6[]]",
            "scenarios/tier1/pinned.scenario::pinned[[]host-venv-copies-virtualenv==20.26.6[]]",
            "2 tests collected*",
        ]
    )
    result = run(pytester, *args)
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["scenarios: --tool virtualenv=20.26.6 → 20.26.6 (as asked)"])
    data = json.loads((pytester.path / "r.json").read_text())
    assert [c["tools"] for c in data["cells"]] == [{"virtualenv": "20.26.6"}] * 2
    assert data["run"]["tools"][0]["version"] == "20.26.6"


def test_a_wrong_pin_in_the_expectation_fails(pytester, tree):  # noqa: F811
    tree("tier1/pinned.scenario", PINNED.replace("EXPECTED", "21.0.0"))
    result = run(pytester, "--offline", "--tool", "virtualenv=20.26.6")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["-virtualenv==21.0.0", "+virtualenv==20.26.6"])


def test_two_versions_and_the_offline_fallback(pytester, tree):  # noqa: F811
    tree("tier1/pinned.scenario", PINNED.replace("EXPECTED", "*").replace("virtualenv==*", "virtualenv==* (glob)"))
    result = run(pytester, "--offline", "--tool", "virtualenv=latest,20.26.6", "--axis", "env=venv")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            "scenarios: --tool virtualenv=latest → 20.30.0"
            " (--offline was given: using the fallback pinned in matrix.toml)",
            "scenarios: --tool virtualenv=20.26.6 → 20.26.6 (as asked)",
        ]
    )


def test_probe_seeing_another_version_is_an_error(pytester, tree):  # noqa: F811
    tree("tier1/pinned.scenario", "+++\ntitle = 'x'\n+++\n  $ echo would run: pip install virtualenv\n")
    matrix = pytester.path / "scenarios" / "matrix.toml"
    matrix.write_text(matrix.read_text().replace('probe = "echo python=3.99"', 'probe = "echo virtualenv=20.30.0"'))
    result = run(pytester, "--offline", "--tool", "virtualenv=20.26.6")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*--tool asked for virtualenv 20.26.6 *but the cell ran virtualenv 20.30.0*"])


def test_unknown_tool_is_a_usage_error(pytester, tree):  # noqa: F811
    tree("tier1/pinned.scenario", PINNED)
    result = run(pytester, "--tool", "pipenv=latest")
    assert result.ret == pytest_usage_error()
    result.stderr.fnmatch_lines(["*--tool pipenv: not a tool of *matrix.toml (tools: virtualenv, conda-express)"])
    assert "Traceback" not in result.stderr.str()


def pytest_usage_error() -> int:
    import pytest

    return pytest.ExitCode.USAGE_ERROR
