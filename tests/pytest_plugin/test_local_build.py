"""A maintainer's unreleased build as --tool: a wheel built here, copied into a local cell, installed, run,
its version and SHA-256 recorded. No network: pip installs it from the cell's find-links directory."""

from __future__ import annotations

import hashlib
import json

import pytest

from tests.pytest_plugin.test_plugin import run, tree  # noqa: F401 - the tree fixture
from tests.versions.fake_index import make_wheel

VERSION = "99.1.0+patched"
PATCHED = "virtualenv 99.1.0+patched: the fix under test"
SCENARIO = f"""
+++
title = "The patched virtualenv"
platforms = ["host"]
+++
The scenario installs virtualenv the way a reader would; --tool decides which build that is.
  $ python3 -m venv env && env/bin/python -m pip install -q --no-index virtualenv >/dev/null 2>&1; echo $?
  0
  $ env/bin/virtualenv
  {PATCHED}
"""
# After the steps the probe asks the installed virtualenv its version, as the real matrix does.
PROBE = """probe = "echo virtualenv=$(env/bin/virtualenv --version | cut -d' ' -f2)\""""


def patched_virtualenv(directory, message: str = PATCHED):
    code = f"def main():\n    import sys\n    print({message!r}.split(':')[0] if sys.argv[1:] else {message!r})\n"
    return make_wheel(
        directory, "virtualenv", VERSION, {"virtualenv/__init__.py": code}, {"virtualenv": "virtualenv:main"}
    )


@pytest.fixture
def scenario(pytester, tree):  # noqa: F811
    tree("tier1/patched.scenario", SCENARIO)
    matrix = pytester.path / "scenarios" / "matrix.toml"
    matrix.write_text(matrix.read_text().replace('probe = "echo python=3.99"', PROBE))


def test_a_local_wheel_runs_in_the_cell_with_its_version_and_hash_recorded(pytester, scenario, tmp_path):
    wheel = patched_virtualenv(tmp_path / "dist")
    result = run(pytester, "--tool", f"virtualenv={wheel}", "--results", "r.json")
    result.assert_outcomes(passed=1)
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    shown = f"({wheel.name}, sha256 {digest[:12]}…, copied into each cell)"
    result.stdout.fnmatch_lines([f"scenarios: --tool virtualenv={wheel} → {VERSION} {shown}"])
    data = json.loads((pytester.path / "r.json").read_text())
    (cell,) = data["cells"]
    assert cell["tools"] == {"virtualenv": VERSION}
    assert cell["versions"]["virtualenv"] == VERSION  # what the cell's installed virtualenv said
    assert cell["artefacts"] == {"virtualenv": {"file": wheel.name, "sha256": digest}}
    (tool,) = data["run"]["tools"]
    assert (tool["source"], tool["file"], tool["sha256"], tool["path"]) == ("file", wheel.name, digest, str(wheel))


def test_the_cell_really_runs_the_build_given(pytester, scenario, tmp_path):
    """Another build of the same version prints something else: the expectation catches it."""
    wheel = patched_virtualenv(tmp_path / "dist", "virtualenv 99.1.0+patched: the old behaviour")
    result = run(pytester, "--tool", f"virtualenv={wheel}")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["-virtualenv 99.1.0+patched: the fix under test", "+virtualenv 99.1.0+patched: the old behaviour"]
    )


def test_a_missing_wheel_is_a_usage_error(pytester, scenario, tmp_path):
    result = run(pytester, "--tool", f"virtualenv={tmp_path}/virtualenv-1.0-py3-none-any.whl")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*--tool virtualenv={tmp_path}/virtualenv-1.0-py3-none-any.whl: no such file*"])
    assert "Traceback" not in result.stderr.str()
