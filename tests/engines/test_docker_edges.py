"""The transcript's edges in real containers: Debian 11 has bash 5.1, Debian 12 and 13 bash 5.2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from guideproof.engines.base import CellLabels
from guideproof.engines.cli import ContainerCLI
from guideproof.engines.container import ContainerConfig, ContainerEngine
from guideproof.engines.runid import RunId
from guideproof.matrix.model import load_matrix
from guideproof.plan.cells import cells_for
from guideproof.run.requirements import Requirements
from guideproof.run.runner import Runtime, inspect_cell, run_cell
from guideproof.scenario.parser import load

ROOT = Path(__file__).resolve().parents[2]
PROBLEM = ContainerCLI("docker").problem()
pytestmark = [pytest.mark.docker, pytest.mark.skipif(PROBLEM is not None, reason=f"no Docker engine: {PROBLEM}")]
MATRIX = ROOT / "scenarios" / "matrix.toml"


@pytest.fixture(scope="module")
def engine():
    return ContainerEngine(ContainerConfig("docker"))


@pytest.fixture(scope="module", params=["debian-bullseye", "debian-trixie"])
def platform(request, engine):
    platform = load_matrix(MATRIX).platform(request.param)
    engine.image_builder.ensure(platform, progress=sys.stderr)
    return platform


@pytest.fixture
def shell(engine, platform):
    with engine.open_cell(platform, CellLabels(RunId.new("test-edges"), "tests/edges", platform.name), {}) as shell:
        assert shell.start().status == 0
        yield shell


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("echo stray; }", b"bash: line 1: `touch ran; echo stray; }'"),
        ("echo 'open", b"bash: line 1: unexpected EOF while looking for matching `''"),
        ("cat <<EOF\nbody", b"here-document at line 1 delimited by end-of-file (wanted `EOF')"),
        ("echo on \\", b"bash: line 1: the command ends in a backslash"),
        ("true\n{ echo x", b"bash: line 3: syntax error: unexpected end of file"),
    ],
)
def test_unparsable_command_fails_at_once_and_the_shell_carries_on(shell, command, message):
    assert shell.run("touch before", 30).status == 0
    got = shell.run(f"touch ran; {command}", 30)
    assert got.syntax_error and message in got.output, got.output
    assert shell.run("ls; echo alive", 30).lines == [b"before", b"alive"]  # nothing of it ran


def test_exact_bytes_status_and_last_argument_carry_over(shell):
    got = shell.run("printf 'a\\tb\\r\\n\\xff\\x01end'", 30)
    assert got.output == b"a\tb\r\n\xff\x01end" and got.no_eol
    assert shell.run("mkdir -p made/here; false", 30).status == 1
    assert shell.run('echo "$? $_"', 30).lines == [b"1 false"]
    assert shell.run("cd /nope", 30).lines == [b"bash: cd: /nope: No such file or directory"]


def _scenario(tmp_path: Path, platform: str, body: str) -> Path:
    (tmp_path / "matrix.toml").write_text(MATRIX.read_text())
    path = tmp_path / "edges.scenario"
    path.write_text(f"+++\ntitle = 'edges'\nplatforms = ['{platform}']\n+++\n{body}")
    return path


def _runtime(engine, path: Path, **options) -> tuple:
    matrix = load_matrix(path.parent / "matrix.toml")
    scenario = load(path, path.parent, matrix)
    [cell] = cells_for(scenario, matrix, [p for p in matrix.platforms if p.name in scenario.platforms])
    runtime = Runtime(matrix, engine, Requirements(matrix, engine, False, lambda url: None), RunId.new(), **options)
    return scenario, cell, runtime


def enter(kept, typed: str) -> str:
    done = subprocess.run(list(kept.argv_for(terminal=False)), input=typed, capture_output=True, text=True, timeout=60)
    return done.stdout


def test_keep_failed_opens_the_failing_step_state_as_the_cell_user(tmp_path, engine, platform):
    body = "  $ export STAGE=two; mkdir -p sub && cd sub && cp ../data.txt .\n  $ cat data.txt\n  wrong\n"
    path = _scenario(tmp_path, platform.name, body)
    files = path.with_suffix(".files")
    files.mkdir()
    (files / "data.txt").write_text("from the files directory\n")
    scenario, cell, runtime = _runtime(engine, path, keep_failed=True)
    run = run_cell(scenario, cell, runtime)
    assert run.record.outcome == "failed" and run.kept is not None, run.record.detail
    try:
        assert run.kept.command.startswith("docker exec -it -u user -w /home/user/work guideproof-")
        out = enter(run.kept, 'echo "$STAGE $PWD $(id -un) $(stat -c %U data.txt)"; exit\n')
        assert "two /home/user/work/sub user user" in out, out
    finally:
        subprocess.run(list(run.kept.remove_argv), check=True, capture_output=True)


def test_inspect_keeps_a_container_until_removed(tmp_path, engine, platform):
    path = _scenario(tmp_path, platform.name, "  $ cd /tmp && X=1\n  $ echo x\n  x\n")
    scenario, cell, runtime = _runtime(engine, path)
    run = inspect_cell(scenario, cell, runtime, until=6)
    assert run.kept is not None
    try:
        engine.finish(runtime.run_id)  # the end of the run's sweep leaves a kept container alone
        assert "/tmp 1" in enter(run.kept, 'echo "$PWD $X"; exit\n')
    finally:
        subprocess.run(list(run.kept.remove_argv), check=True, capture_output=True)
