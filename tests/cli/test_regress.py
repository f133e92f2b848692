"""guideproof bisect and compat end to end: real scenario runs on the local engine, a fake PEP 691 index.

The scenario stands in for "install the tool and use it": it reads the version the run pinned from the
constraints file and behaves as that release would (broken from 1.11 in one cell, from 1.5 in another,
fixed from 1.7 in a third). The index has 1.0.0 to 1.15.0, a patch release, a yanked release and a
pre-release.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from guideproof.errors import NothingToBisect, VersionError
from tests.conftest import SMALL_MATRIX
from tests.versions.fake_index import FakeIndex, releases

VERSIONS = [f"1.{i}.0" for i in range(16)] + ["1.2.1", "1.9.0rc1"]
SCENARIO = """+++
title = "Uses the tool"
axes = ["env"]
platforms = ["host"]
+++
  $ v=$(sed -n 's/^virtualenv==//p' "$PIP_CONSTRAINT"); echo "would run: pipx install virtualenv"
  would run: pipx install virtualenv
#if env=venv
  $ python3 -c 'import sys; print("broken" if int(sys.argv[1].split(".")[1]) >= 11 else "works")' "$v"
  works
#elif env=uv
  $ python3 -c 'import sys; print("broken" if int(sys.argv[1].split(".")[1]) >= 5 else "works")' "$v"
  works
#else
  $ python3 -c 'import sys; print("works" if int(sys.argv[1].split(".")[1]) >= 7 else "broken")' "$v"
  works
#endif
"""


@pytest.fixture(scope="module")
def index():
    with FakeIndex({"virtualenv": releases(VERSIONS, yanked={"1.4.0": "broken upload"})}) as fake:
        yield fake


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "scenarios" / "tier1").mkdir(parents=True)
    (tmp_path / "scenarios" / "matrix.toml").write_text(SMALL_MATRIX)
    (tmp_path / "scenarios" / "tier1" / "tool.scenario").write_text(SCENARIO)
    (tmp_path / "scenarios" / "tier1" / "other.scenario").write_text("+++\ntitle = 'x'\n+++\n  $ true\n")
    return tmp_path


def guideproof(project: Path, index: FakeIndex, *args: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "guideproof", *args, "--index", index.url, "--matrix", "scenarios/matrix.toml"]
    argv += ["--engine", "local", "-p", "no:xdist"]  # these two go to pytest
    return subprocess.run(argv, cwd=project, capture_output=True, text=True, timeout=600, check=False)


def test_bisect_finds_each_cells_first_bad_release_in_log_n_rounds(project, index):
    done = guideproof(project, index, "bisect", "--tool", "virtualenv", "--good", "1.0.0", "--bad", "latest")
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    # 16 final releases from 1.0.0 to 1.15.0 plus 1.2.1, minus yanked 1.4.0: 16 candidates, 14 between the ends
    assert "16 releases between them (yanked ones left out; pre-releases too, unless --pre)" in out
    assert "at most 4 rounds (log2 15 = 3.9) after checking both ends" in out
    assert "check --bad 1.15.0: 3 cells using virtualenv ran: 1 passed, 2 failed" in out
    assert "check --good 1.0.0: 2 cells that failed at --bad ran: 2 passed" in out
    rounds = [line for line in out.splitlines() if line.startswith("round ")]
    assert 1 <= len(rounds) <= 4, out
    assert "tier1/tool[host-venv]: first bad 1.11.0, last good 1.10.0: output differs at" in out
    assert "tier1/tool[host-uv]: first bad 1.5.0, last good 1.3.0: output differs at" in out  # 1.4.0 is yanked
    assert "    +broken" in out  # the failing step's diff at the first bad release
    data = json.loads((project / "build" / "bisect" / "results.json").read_text())
    ran = {c["tools"]["virtualenv"] for c in data["cells"]}
    assert {"1.15.0", "1.0.0", "1.11.0", "1.10.0", "1.5.0", "1.3.0"} <= ran  # every version run is recorded
    assert "1.4.0" not in ran and "1.9.0rc1" not in ran


def test_bisect_the_other_way_finds_the_release_that_fixes(project, index):
    done = guideproof(project, index, "bisect", "--tool", "virtualenv", "--good", "latest", "--bad", "1.0.0")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "tier1/tool[host-venv-copies]: first good 1.7.0 (fixed there), last bad 1.6.0" in done.stdout


def test_a_wrong_pair_is_refused_clearly(project, index):
    args = ("bisect", "--tool", "virtualenv", "--good", "1.0.0", "--bad", "1.8.0", "-k", "host-venv and not copies")
    passes = guideproof(project, index, *args)  # -k goes to pytest: only the venv cell, which works at 1.8.0
    assert passes.returncode == NothingToBisect.exit_code == 6, passes.stdout
    assert (
        "bisect refused: --bad 1.8.0 does not fail: 1 cell using virtualenv ran there (1 passed) and none failed"
        in passes.stderr
    )
    fails = guideproof(project, index, "bisect", "--tool", "virtualenv", "--good", "1.12.0", "--bad", "latest")
    assert fails.returncode == 6, fails.stdout
    assert "bisect refused: --good 1.12.0 does not pass: every cell that fails at --bad 1.15.0" in fails.stderr
    assert "Traceback" not in fails.stderr
    unknown = guideproof(project, index, "bisect", "--tool", "virtualenv", "--good", "0.9", "--bad", "latest")
    assert unknown.returncode == VersionError.exit_code == 5
    assert "error: --good 0.9: virtualenv 0.9 is not on the package index" in unknown.stderr
    assert "Traceback" not in unknown.stderr


def test_compat_runs_one_release_per_series_and_writes_the_map_and_history(project, index):
    history = project / "history.jsonl"
    done = guideproof(project, index, "compat", "--tool", "virtualenv=1.0.0..latest", "--history", str(history))
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "compat: 15 releases x 3 cells = 45 cell runs" in out  # 1.2.1 stands for the 1.2 series
    assert "1.2.1" in out and "\n1.2.0 " not in out
    assert "fails 1.11.0 to 1.15.0" in out
    lines = history.read_text().splitlines()
    assert len(lines) == 45
    assert json.loads(lines[0])["released"].startswith("2020-01-")
