"""``guideproof shell`` (nox -s shell): run a cell up to a line, then a shell there; driven without a person."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

SCENARIO = """+++
title = "Shell"
+++
  $ export GREETING=hello; mkdir -p deep && cd deep
  $ echo one
  one
  $ cd ..
"""


@pytest.fixture
def scenario(tmp_path: Path, matrix_path: Path) -> Path:
    path = tmp_path / "shell.scenario"
    path.write_text(SCENARIO)
    return path


def guideproof(*args: str) -> list[str]:
    return [sys.executable, "-m", "guideproof", *args]


def test_commands_on_stdin_run_in_the_cell_as_the_next_step_would(scenario: Path):
    typed = 'echo "$GREETING from $(basename "$PWD")"; exit\n'
    argv = guideproof("shell", f"{scenario}[host]", "--until", "7", "--engine", "local")
    done = subprocess.run(argv, input=typed, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "state a command at" in done.stdout and "hello from deep" in done.stdout
    rcfile = Path(done.stdout.split("--rcfile ", 1)[1].split()[0])
    assert not rcfile.parent.exists()  # the cell is removed when the shell ends (unless --keep)


def test_a_terminal_gets_an_interactive_shell(scenario: Path):
    argv = guideproof("shell", str(scenario), "--until", "7", "--engine", "local")
    parent, child = pty.openpty()
    proc = subprocess.Popen(argv, stdin=child, stdout=child, stderr=child, close_fds=True)
    os.close(child)
    seen = b""
    deadline = time.monotonic() + 120
    sent = False
    while time.monotonic() < deadline and proc.poll() is None:
        ready, _, _ = select.select([parent], [], [], 0.5)
        if ready:
            try:
                seen += os.read(parent, 4096)
            except OSError:
                break
        if not sent and b"[host] " in seen:  # the cell's prompt: type like a person
            os.write(parent, b'echo "tty:$(tty >/dev/null && echo yes) $GREETING"; exit\n')
            sent = True
    proc.wait(timeout=30)
    os.close(parent)
    assert b"tty:yes hello" in seen, seen.decode(errors="replace")


def test_a_cell_that_does_not_exist_is_one_clear_line(scenario: Path):
    done = subprocess.run(
        guideproof("shell", f"{scenario}[nowhere]", "--engine", "local"), capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert done.stderr.strip() == "error: shell: no cell 'nowhere': SCENARIO[CELL] with CELL one of host"
