"""The transcript's edges in real containers: Debian 11 has bash 5.1, Debian 12 and 13 bash 5.2."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from guideproof.engines.base import CellLabels
from guideproof.engines.cli import ContainerCLI
from guideproof.engines.container import ContainerConfig, ContainerEngine
from guideproof.engines.runid import RunId
from guideproof.matrix.model import load_matrix

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
    engine.images.ensure(platform, progress=sys.stderr)
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
    assert shell.run("cd /nope", 30).lines == [b"bash: line 1: cd: /nope: No such file or directory"]
