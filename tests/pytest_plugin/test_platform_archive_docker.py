"""End to end in Docker: the real matrix with Ubuntu's archive made unreachable (its probe points at a closed
local port, so no network is needed). The Ubuntu cells are skipped with the reason, no Ubuntu image is built
(`guideproof images` says so and succeeds), the run stays green and the Debian cells still run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from guideproof.engines.cli import ContainerCLI

ROOT = Path(__file__).resolve().parents[2]
PROBLEM = ContainerCLI("docker").problem()
pytestmark = [pytest.mark.docker, pytest.mark.skipif(PROBLEM is not None, reason=f"no Docker engine: {PROBLEM}")]
REAL_PROBE = 'probe = "url:http://archive.ubuntu.com/ubuntu/dists/noble/Release"'
CLOSED = "http://127.0.0.1:9/ubuntu/dists/noble/Release"  # the discard port: nothing listens, refused at once

SCENARIO = """+++
title = "Ubuntu and Debian"
platforms = ["debian-bookworm", "ubuntu-*"]
+++
A note.
  $ echo ran
  ran
"""


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "scenarios").mkdir()
    matrix = (ROOT / "scenarios" / "matrix.toml").read_text(encoding="utf-8")
    assert REAL_PROBE in matrix
    (tmp_path / "scenarios" / "matrix.toml").write_text(matrix.replace(REAL_PROBE, f'probe = "url:{CLOSED}"'))
    (tmp_path / "scenarios" / "demo.scenario").write_text(SCENARIO)
    return tmp_path


def _run(tree: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, *argv], cwd=tree, capture_output=True, text=True, timeout=900, env=env, check=False
    )


def test_ubuntu_cells_skip_with_the_reason_and_the_run_stays_green(tree: Path) -> None:
    results = tree / "results.json"
    got = _run(
        tree,
        *("-m", "pytest", "-p", "guideproof.pytest_plugin", "scenarios", "--engine", "docker", "-rs"),
        *("--platform", "debian-bookworm", "--platform", "ubuntu-*", "--results", str(results)),
        *("-p", "no:cacheprovider", "-p", "no:xdist"),
    )
    assert got.returncode == 0, got.stdout[-3000:] + got.stderr[-2000:]
    assert "image guideproof/ubuntu" not in got.stdout + got.stderr  # neither built nor looked up
    cells = {c["cell"]["platform"]: c for c in json.loads(results.read_text())["cells"]}
    assert cells["debian-bookworm"]["outcome"] == "passed"
    reason = f"needs ubuntu-archive: {CLOSED} is not reachable from this machine"
    for name in ("ubuntu-22.04", "ubuntu-24.04"):
        assert cells[name]["outcome"] == "skipped"
        assert cells[name]["reason"].startswith(reason)
    assert "1 passed, 2 skipped" in got.stdout


def test_images_are_not_built_for_a_platform_whose_archive_does_not_answer(tree: Path) -> None:
    got = _run(tree, "-m", "guideproof", "images", "--engine", "docker", "--platform", "ubuntu-*")
    assert got.returncode == 0, got.stdout + got.stderr
    for name in ("ubuntu-22.04", "ubuntu-24.04"):
        assert f"image of {name}: not built, its cells skip (needs ubuntu-archive: {CLOSED} is not" in got.stdout
    assert "building" not in got.stdout
