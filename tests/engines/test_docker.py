"""Against the real Docker engine (skipped with the reason when none answers)."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from guideproof.engines.base import CellLabels
from guideproof.engines.cli import ContainerCLI
from guideproof.engines.container import LABEL, ContainerConfig, ContainerEngine
from guideproof.engines.runid import RunId
from guideproof.engines.shell import OUTPUT_CAP
from guideproof.matrix.model import load_matrix

ROOT = Path(__file__).resolve().parents[2]
PROBLEM = ContainerCLI("docker").problem()
pytestmark = [pytest.mark.docker, pytest.mark.skipif(PROBLEM is not None, reason=f"no Docker engine: {PROBLEM}")]


@pytest.fixture(scope="module")
def platform():
    matrix = load_matrix(ROOT / "scenarios" / "matrix.toml")
    return next(p for p in matrix.platforms if p.name == "debian-bookworm")


@pytest.fixture(scope="module")
def engine(platform):
    engine = ContainerEngine(ContainerConfig("docker"), host_env={"FOO_SECRET": "x", "LANG": "C.UTF-8"})
    engine.image_builder.ensure(platform, progress=sys.stderr)
    return engine


@pytest.fixture
def shell(engine, platform):
    with engine.open_cell(platform, CellLabels(RunId.new("test-run"), "tests/docker", "bookworm"), {}) as shell:
        assert shell.start().status == 0
        yield shell


def containers(label: str) -> list[str]:
    out = subprocess.run(["docker", "ps", "-aq", "--filter", f"label={label}"], capture_output=True, text=True)
    return out.stdout.split()


def test_state_persists_and_user_is_unprivileged(shell):
    assert shell.run("cd /tmp && export X=42", 30).status == 0
    got = shell.run('echo "$X $PWD $(id -un) $HOME"', 30)
    assert got.lines == [b"42 /tmp user /home/user"]


def test_workdir_starts_empty(shell):
    assert shell.run("pwd; ls -A | wc -l", 30).lines == [b"/home/user/work", b"0"]


def test_stderr_and_binary_output_are_captured(shell):
    got = shell.run("echo out; echo err >&2; printf '\\xff\\xfe\\n'", 30)
    assert got.lines == [b"out", b"err", b"\xff\xfe"]  # bytes as they were, not decoded


def test_very_long_output(shell):
    # 1.2 MB: its first and last OUTPUT_CAP/2 bytes are kept exactly, however the reads fell, and one line
    # says how much was left out between them, with the hash of exactly those bytes.
    got = shell.run("seq 1 200000", 60)
    assert got.lines[0] == b"1" and got.lines[-1] == b"200000" and got.status == 0
    whole = ("\n".join(map(str, range(1, 200001))) + "\n").encode()
    half = OUTPUT_CAP // 2
    [note] = [line for line in got.lines if b"bytes of output left out here" in line]
    assert got.omitted == len(whole) - OUTPUT_CAP
    assert got.output == whole[:half] + b"\n" + note + b"\n" + whole[-half:]
    assert hashlib.sha256(whole[half:-half]).hexdigest()[:16].encode() in note


def test_a_command_that_exits_the_shell(shell):
    got = shell.run("exit 7", 30)
    assert got.status is None and got.shell_exit == 7


def test_timeout_kills_the_command(shell):
    started = time.monotonic()
    got = shell.run("sleep 120", 2)
    assert got.timed_out and time.monotonic() - started < 20


def test_sudo_works_for_user(shell):
    assert shell.run("sudo -n id -u", 30).lines == [b"0"]


def test_only_allowlisted_environment_crosses(shell):
    got = shell.run("env | cut -d= -f1 | sort", 30)
    assert b"FOO_SECRET" not in got.lines
    assert b"LANG" in got.lines and b"SSL_CERT_FILE" in got.lines


def test_host_ca_bundle_is_copied_in(shell, engine):
    if engine.ca is None:
        pytest.skip("this host has no CA bundle to copy")
    digest = hashlib.sha256(engine.ca.read_bytes()).hexdigest().encode()
    assert shell.run('sha256sum < "$SSL_CERT_FILE"', 30).lines == [digest + b"  -"]


def test_no_container_left_after_a_cell(engine, platform):
    labels = CellLabels(RunId.new("leak-check"), "tests/docker", "x")
    with engine.open_cell(platform, labels, {}) as shell:
        shell.start()
        assert containers(f"{LABEL}.run={labels.run_id}")
    engine.removals.drain()  # a cell that ended is removed in the background; the run's end waits for it
    assert containers(f"{LABEL}.run={labels.run_id}") == []


def test_ctrl_c_of_pytest_leaves_no_container(tmp_path, engine):
    (tmp_path / "matrix.toml").write_text((ROOT / "scenarios" / "matrix.toml").read_text())
    (tmp_path / "slow.scenario").write_text(
        "+++\ntitle = 'slow'\nplatforms = ['debian-bookworm']\n+++\n  $ sleep 300\n"
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "guideproof.pytest_plugin",
            str(tmp_path / "slow.scenario"),
            "--engine",
            "docker",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
            "--results",
            str(tmp_path / "r.json"),
        ],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not containers(f"{LABEL}.scenario=slow") and time.monotonic() < deadline:
            time.sleep(0.2)
        assert containers(f"{LABEL}.scenario=slow"), "the cell's container never appeared"
        time.sleep(1)
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert containers(f"{LABEL}.scenario=slow") == []
