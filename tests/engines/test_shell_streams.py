"""A command's output and its end marker reach the shell on two streams; ``docker exec`` relays them apart, so
the marker can come first. The output still belongs to its own command, whole."""

from __future__ import annotations

import sys
from pathlib import Path

from guideproof.engines.shell import CHANNELS, Shell

# The cell's stdout goes through a relay that holds each chunk back, as a busy ``docker exec`` may.
RELAY = "import os, time\nwhile d := os.read(0, 65536):\n    time.sleep(0.3)\n    os.write(1, d)\n"
SLOW_STDOUT = ["bash", "-c", f'exec bash --noprofile --norc > >(exec {sys.executable} -c "$0")', RELAY]


def test_output_that_comes_after_the_marker_is_still_the_commands_own(tmp_path: Path) -> None:
    with Shell(SLOW_STDOUT, cwd=tmp_path, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}) as shell:
        assert shell.start().status == 0
        first = shell.run("echo one; echo two", 20)
        assert (first.status, first.output) == (0, b"one\ntwo\n")
        silent = shell.run("true", 20)
        assert (silent.status, silent.output) == (0, b"")
        aside = shell.run_aside("echo aside", 20)
        assert aside.output == b"aside\n"
        last = shell.run("printf 'no newline'; false", 20)
        assert (last.status, last.output) == (1, b"no newline")


def test_every_channel_keeps_clear_of_the_descriptor_bash_keeps_for_itself(tmp_path: Path) -> None:
    """The channel and the three descriptors beside it are never 255 (bash's own): with 254 as the channel,
    about one start in a hundred, the shell never answered and the cell could not start."""
    assert all(255 not in range(channel, channel + 4) for channel in CHANNELS)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    for _ in range(20):
        with Shell(["bash", "--noprofile", "--norc"], cwd=tmp_path, env=env) as shell:
            assert shell.channel in CHANNELS
            assert shell.start(timeout=20).status == 0
