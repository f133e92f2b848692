"""End to end: a regression run over two real virtualenv releases on one Debian platform, in Docker."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from guideproof.engines.cli import ContainerCLI
from guideproof.versions.index import project_releases
from guideproof.versions.releases import newest

ROOT = Path(__file__).resolve().parents[2]
PROBLEM = ContainerCLI("docker").problem()
OLDER = "20.26.6"
pytestmark = [pytest.mark.docker, pytest.mark.skipif(PROBLEM is not None, reason=f"no Docker engine: {PROBLEM}")]


def test_two_virtualenv_releases_each_cell_runs_its_own(tmp_path):
    try:
        latest = str(newest(project_releases("virtualenv")))
    except OSError as exc:
        pytest.skip(f"the package index is not reachable: {exc}")
    results = tmp_path / "regression.json"
    got = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "guideproof.pytest_plugin",
            "scenarios/tier1/always-copy.scenario",
            "--engine",
            "docker",
            "--platform",
            "debian-bookworm",
            "--tool",
            f"virtualenv=latest,{OLDER}",
            "--results",
            str(results),
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert f"--tool virtualenv=latest → {latest} (from " in got.stdout
    data = json.loads(results.read_text())
    cells = {c["tools"]["virtualenv"]: c for c in data["cells"]}
    assert set(cells) == {latest, OLDER}, got.stdout[-3000:]
    for version, cell in cells.items():
        if cell["outcome"] == "skipped":
            pytest.skip(cell["reason"])
        assert cell["outcome"] == "passed", cell["detail"]
        # the versions probe ran `virtualenv --version` in the container: the pin reached pipx
        assert cell["versions"]["virtualenv"] == version
    assert got.returncode == 0, got.stdout[-3000:]
