"""Issue 28 item 11: without a PID namespace (the subreaper fallback), a run killed with SIGKILL leaves no cell
process running and, where cells have a user id of their own, none of their files in /dev/shm."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from guideproof.engines import contain

pytestmark = pytest.mark.skipif(not contain.LINUX, reason="process containment needs Linux")

HARNESS = """
import sys, time
sys.path[:0] = {path!r}
from guideproof.engines import contain, local
from guideproof.engines.base import CellLabels
from guideproof.engines.runid import RunId
from guideproof.matrix.model import Platform
fallback = contain.Containment(contain.PARENT_DEATH, False, "forced: no PID namespace")
contain.probe = lambda popen=None: fallback
engine = local.LocalEngine(host_env={{"PATH": "/usr/bin:/bin"}})
with engine.open_cell(Platform("host", "h", "host", "host"), CellLabels(RunId.new("t"), "x", "host"), {{}}) as shell:
    shell.start()
    got = shell.run("sleep {mark}1 & setsid -f sleep {mark}2; echo x > /dev/shm/{mark}; echo ready", 20)
    print(got.text, flush=True)
    time.sleep(600)
"""


def sleepers(mark: str) -> list[int]:
    found = []
    for pid in contain.parents():
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            state = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[0]
        except OSError:
            continue
        if cmdline[:1] == [b"sleep"] and cmdline[1:2] and cmdline[1].startswith(mark.encode()) and state != b"Z":
            found.append(pid)
    return found


def test_a_run_killed_with_sigkill_takes_its_cells_along_without_a_namespace():
    mark = f"{secrets.randbelow(10**6) + 10**6}"
    shm = Path("/dev/shm", mark)
    harness = subprocess.Popen(
        [sys.executable, "-c", HARNESS.format(path=sys.path, mark=mark)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert harness.stdout is not None
        assert harness.stdout.readline().strip() == "ready"
        end = time.monotonic() + 10
        while len(sleepers(mark)) < 2 and time.monotonic() < end:  # setsid -f returns before its sleep starts
            time.sleep(0.05)
        assert len(sleepers(mark)) == 2
        harness.send_signal(signal.SIGKILL)
        harness.wait()
        end = time.monotonic() + 10
        while (sleepers(mark) or shm.exists()) and time.monotonic() < end:
            time.sleep(0.05)
        assert sleepers(mark) == [], "a cell's process outlived the run killed with SIGKILL"
        if os.geteuid() == 0:  # cells have a user id of their own: what it left in /dev/shm is the cell's
            assert not shm.exists(), "a cell's /dev/shm file outlived the run"
    finally:
        harness.kill()
        for pid in sleepers(mark):
            os.kill(pid, signal.SIGKILL)
        shm.unlink(missing_ok=True)
