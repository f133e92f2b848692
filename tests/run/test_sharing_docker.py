"""Shared prefixes change nothing: the same scenarios in Docker, every cell from its first step and with sharing
(two xdist workers), give the same outcome and the same status and output for every step.

The set: five cells sharing a prefix that leaves shell state of every kind (and a last status of 1); five
cells whose prefix leaves a process running (never shared); five cells failing in their shared prefix (never
shared). Every cell writes a file of its own after the prefix and checks it sees no other cell's.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from guideproof.engines.cli import ContainerCLI

ROOT = Path(__file__).resolve().parents[2]
PROBLEM = ContainerCLI("docker").problem()
PLATFORM = "debian-bookworm"
pytestmark = [pytest.mark.docker, pytest.mark.skipif(PROBLEM is not None, reason=f"no Docker engine: {PROBLEM}")]

MINE = """
#if env=venv
  $ touch mine-venv
#elif env=venv-copies
  $ touch mine-venv-copies
#elif env=virtualenv
  $ touch mine-virtualenv
#elif env=virtualenv-copies
  $ touch mine-virtualenv-copies
#else
  $ touch mine-uv
#endif
  $ ls
  mine-* (glob)
  shared.txt
"""

STATE = (
    """
+++
title = "A shared prefix leaves every kind of shell state"
axes = ["env"]
platforms = ["debian-*"]
+++
  $ mkdir -p proj/sub && cd proj && pushd sub >/dev/null && pushd /tmp >/dev/null && popd >/dev/null
  $ export GREETING='hello world' && unset LANG && declare -a list=(one 'two three') && declare -i n=41 && n+=1
  $ greet() { echo "$GREETING, $1"; }; shopt -s expand_aliases extglob; alias ll='echo listed'; set -o pipefail
  $ umask 027 && set -- first 'second arg' && hash -p /bin/echo myecho && trap 'echo bye' EXIT
  $ echo shared > shared.txt && sleep 1.5
  $ test -e nothing-here
  [1]
  $ echo "after a failing step: $_ $?"
"""
    + MINE
    + """
  $ echo "$PWD|${LANG-unset}|${list[1]}|$n|$#|$2|$(umask)|$(dirs -p | wc -l)"
  /home/user/work/proj/sub|unset|two three|42|2|second arg|0027|2
  $ greet you; ll; myecho hashed; shopt -q extglob && echo extglob; [[ -o pipefail ]] && echo pipefail; trap -p EXIT
  hello world, you
  listed
  hashed
  extglob
  pipefail
  trap -- 'echo bye' EXIT
"""
)

LEFTOVER = (
    """
+++
title = "A prefix that leaves a process running is not shared"
axes = ["env"]
platforms = ["debian-*"]
+++
  $ sleep 600 >/dev/null 2>&1 &
  $ echo shared > shared.txt && sleep 1.5
"""
    + MINE
)

FAILING = """
+++
title = "A prefix whose step fails is not shared"
axes = ["env"]
platforms = ["debian-*"]
+++
  $ sleep 1.5 && echo one
  one
  $ echo two
  three
"""


def _scenarios(tmp_path: Path) -> Path:
    root = tmp_path / "scenarios"
    root.mkdir()
    shutil.copy(ROOT / "scenarios" / "matrix.toml", root / "matrix.toml")  # the real platforms and their images
    for name, text in {"state": STATE, "leftover": LEFTOVER, "failing": FAILING}.items():
        (root / f"{name}.scenario").write_text(textwrap.dedent(text).lstrip("\n"))
    return root


def _run(root: Path, results: Path, *options: str, env: dict[str, str] | None = None) -> dict:
    got = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "guideproof.pytest_plugin",
            str(root),
            "--engine",
            "docker",
            "--platform",
            PLATFORM,
            "--results",
            str(results),
            "-p",
            "no:cacheprovider",
            *options,
        ],
        cwd=root.parent,
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, **(env or {})},
    )
    assert results.is_file(), got.stdout[-3000:] + got.stderr[-3000:]
    data = json.loads(results.read_text())
    data["stdout"] = got.stdout
    return data


def _run_id(data: dict) -> str:
    return data["stdout"].split("scenarios: run ", 1)[1].split()[0]


def _by_cell(data: dict) -> dict:
    return {(c["scenario"], tuple(sorted(c["cell"].items()))): c for c in data["cells"]}


def _steps(cell: dict) -> list[tuple[int, int | None, str]]:
    return [(s["line"], s["status"], s["output_sha256"]) for s in cell["steps"]]


def test_sharing_changes_no_outcome_and_no_output(tmp_path):
    root = _scenarios(tmp_path)
    alone = _by_cell(_run(root, tmp_path / "alone.json", "--no-share", "-p", "no:xdist"))
    shared_run = _run(root, tmp_path / "shared.json", "-n", "2")
    shared = _by_cell(shared_run)
    assert set(alone) == set(shared) and len(alone) == 15
    for key, cell in alone.items():
        assert shared[key]["outcome"] == cell["outcome"], key
        assert shared[key]["failed_line"] == cell["failed_line"], key
        assert _steps(shared[key]) == _steps(cell), key
        assert not any(s["shared"] for s in cell["steps"])  # --no-share shares nothing

    outcomes = {key[0]: c["outcome"] for key, c in alone.items()}
    assert outcomes == {"state": "passed", "leftover": "passed", "failing": "failed"}

    state = [c for key, c in shared.items() if key[0] == "state"]
    # The first seven steps ran once, in one cell, and every cell reports them as shared from that cell.
    builders = {tuple(s["shared"]["by"] for s in c["steps"][:7]) for c in state}
    assert len(builders) == 1 and None not in next(iter(builders))
    assert all(s["shared"] is None for c in state for s in c["steps"][7:])

    # A prefix leaving a process behind, or failing, is run by every cell itself.
    for key, cell in shared.items():
        if key[0] in ("leftover", "failing"):
            assert not any(s["shared"] for s in cell["steps"]), key
    assert "a process left running: sleep" in shared_run["stdout"]

    # The run removed its snapshot images and left no container.
    run_id = _run_id(shared_run)
    docker = ContainerCLI("docker")
    label = "io.github.two-tier-guide.guideproof.run"
    assert not docker("images", "-q", "--filter", f"label={label}={run_id}").output.split()
    assert not docker("ps", "-aq", "--filter", f"label={label}={run_id}").output.split()


def test_reuse_reruns_an_edited_scenario_from_its_first_changed_step(tmp_path):
    root = _scenarios(tmp_path)
    cache = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    only = ["-p", "no:xdist", "--reuse", "--reuse-every", "1", "-k", "state", "--axis", "env=venv-copies"]
    first_run = _run(root, tmp_path / "first.json", *only, env=cache)
    (cell,) = _by_cell(first_run).values()
    assert cell["outcome"] == "passed"
    path = root / "state.scenario"
    path.write_text(path.read_text().replace("  $ greet you;", "  $ greet you  ;"))  # the last command, edited
    second = _by_cell(_run(root, tmp_path / "second.json", *only, env=cache))
    (again,) = second.values()
    assert again["outcome"] == "passed"
    # It starts after the 1.5 s step, the last kept snapshot before the edit; the steps before came from the
    # first run, the edited step and the quick ones before it ran again.
    reused = [s for s in again["steps"] if s["shared"]]
    assert len(reused) >= 5 and again["steps"][: len(reused)] == reused
    assert {s["shared"]["run"] for s in reused} == {_run_id(first_run)}
    assert again["steps"][-1]["shared"] is None
    clean = subprocess.run(
        [sys.executable, "-m", "guideproof", "snapshots", "--clean"],
        capture_output=True,
        text=True,
        env={**os.environ, **cache},
        check=True,
    )
    assert "removed" in clean.stdout
    listed = subprocess.run(
        [sys.executable, "-m", "guideproof", "snapshots"], capture_output=True, text=True, env={**os.environ, **cache}
    )
    assert listed.stdout.startswith("0 kept snapshots"), listed.stdout


def test_a_full_store_keeps_no_more_snapshots(tmp_path):
    """--reuse-max-size is a cap during the run too: the store holds nothing more once it is reached."""
    root = _scenarios(tmp_path)
    cache = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    only = ["-p", "no:xdist", "--reuse", "--reuse-every", "1", "-k", "state", "--axis", "env=venv-copies"]
    (cell,) = _by_cell(_run(root, tmp_path / "r.json", *only, "--reuse-max-size", "0", env=cache)).values()
    assert cell["outcome"] == "passed"
    listed = subprocess.run(
        [sys.executable, "-m", "guideproof", "snapshots"], capture_output=True, text=True, env={**os.environ, **cache}
    )
    assert listed.stdout.startswith("0 kept snapshots"), listed.stdout


GROWING = """
+++
title = "Writes 30 MB, then goes on"
platforms = ["debian-*"]
+++
  $ head -c 30000000 /dev/urandom > big && sleep 1.1
  $ echo more > more && sleep 1.1
  $ sleep 1.1
  $ ls
  big
  more
"""


def test_each_kept_snapshot_holds_only_its_own_changes(tmp_path):
    """A cell committed three times (--reuse-every 1) keeps its 30 MB once: after a commit it goes on in a
    container of the snapshot, so the next layer holds only what came after (without that, 90 MB)."""
    root = tmp_path / "scenarios"
    root.mkdir()
    shutil.copy(ROOT / "scenarios" / "matrix.toml", root / "matrix.toml")
    (root / "growing.scenario").write_text(textwrap.dedent(GROWING).lstrip("\n"))
    cache = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    (cell,) = _by_cell(
        _run(root, tmp_path / "r.json", "-p", "no:xdist", "--reuse", "--reuse-every", "1", env=cache)
    ).values()
    assert cell["outcome"] == "passed", cell["detail"]
    records = [
        json.loads(p.read_text()) for p in (tmp_path / "cache" / "guideproof" / "snapshots" / "records").glob("*.json")
    ]
    assert sorted(r["depth"] for r in records) == [1, 2, 3, 4]
    sizes = {r["depth"]: r["layer_bytes"] for r in records}
    assert sizes[1] >= 30e6  # the 30 MB (the host CA bundle is in the image it started from)
    assert sum(sizes.values()) < 40e6, sizes
    subprocess.run(
        [sys.executable, "-m", "guideproof", "snapshots", "--clean"],
        env={**os.environ, **cache},
        check=True,
        capture_output=True,
    )


def test_a_snapshot_for_later_runs_that_is_not_kept_says_why(tmp_path):
    """--reuse keeps no snapshot of a cell that left a process running, and the run's summary says so."""
    root = _scenarios(tmp_path)
    cache = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    only = ["-p", "no:xdist", "--reuse", "--reuse-every", "1", "-k", "leftover", "--axis", "env=venv"]
    data = _run(root, tmp_path / "r.json", *only, env=cache)
    assert [c["outcome"] for c in data["cells"]] == ["passed"]
    lines = [line for line in data["stdout"].splitlines() if line.startswith("not kept for later runs: ")]
    assert lines and all("a process left running: sleep" in line for line in lines), data["stdout"][-2000:]
    subprocess.run(
        [sys.executable, "-m", "guideproof", "snapshots", "--clean"],
        env={**os.environ, **cache},
        check=True,
        capture_output=True,
    )


CHANNELLED = """
+++
title = "Needs the local channel"
platforms = ["debian-*"]
requires = ["local-channel"]
+++
  $ echo "$LOCAL_CHANNEL" | cut -c1-17
  http://127.0.0.1:
  $ sleep 1.1
"""

PLAIN = """
+++
title = "Does not need it"
platforms = ["debian-*"]
+++
  $ echo "${LOCAL_CHANNEL-unset}"
  unset
  $ sleep 1.1
"""


def test_reuse_survives_the_local_channel_being_served_again(tmp_path):
    """Each run serves the local channel anew: its URL must not change from run to run (else no cell that gets
    it is ever reused), and cells that do not require it do not get it (their keys do not depend on it)."""
    root = tmp_path / "scenarios"
    root.mkdir()
    shutil.copy(ROOT / "scenarios" / "matrix.toml", root / "matrix.toml")
    (root / "channelled.scenario").write_text(textwrap.dedent(CHANNELLED).lstrip("\n"))
    (root / "plain.scenario").write_text(textwrap.dedent(PLAIN).lstrip("\n"))
    channel = tmp_path / "channel" / "linux-64"
    channel.mkdir(parents=True)
    (channel / "repodata.json").write_text('{"packages.conda": {}}')
    cache = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    options = ["-p", "no:xdist", "--reuse", "--reuse-every", "1", "--local-channel-dir", str(channel.parent)]
    try:
        first = _run(root, tmp_path / "first.json", *options, env=cache)
        outcomes = {key[0]: c["outcome"] for key, c in _by_cell(first).items()}
        assert outcomes == {"channelled": "passed", "plain": "passed"}
        second = _run(root, tmp_path / "second.json", *options, env=cache)
        for key, cell in _by_cell(second).items():
            assert cell["outcome"] == "passed", key
            assert all(s["shared"] and s["shared"]["run"] == _run_id(first) for s in cell["steps"]), (key, cell)
    finally:  # the kept snapshots are images: never left behind, even by a failing test
        clean = [sys.executable, "-m", "guideproof", "snapshots", "--clean"]
        subprocess.run(clean, env={**os.environ, **cache}, check=True, capture_output=True)
