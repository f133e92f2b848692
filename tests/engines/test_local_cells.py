"""The local engine under hostile cells: nothing a cell starts outlives it, its directory is private and goes."""

from __future__ import annotations

import os
import signal
import stat
import tempfile
import time
from pathlib import Path

import pytest

from guideproof.engines import contain
from guideproof.engines.base import CellLabels
from guideproof.engines.local import PREFIX, LocalEngine, sweep
from guideproof.engines.runid import RunId
from guideproof.engines.shell import OUTPUT_CAP
from guideproof.matrix.model import Platform

HOST = Platform("host", "This machine", "host", "host")
pytestmark = pytest.mark.skipif(not contain.LINUX, reason="process containment needs Linux")


def labels(run: str = "t") -> CellLabels:
    return CellLabels(RunId.new(run), "tests/local", "host")


def running(pattern: str) -> list[int]:
    """Pids of processes whose command line is exactly ``pattern`` (zombies excluded)."""
    found = []
    for pid, _parent in contain.parents().items():
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").strip().decode()
            state = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[0]
        except OSError:
            continue
        if cmdline == pattern and state != b"Z":
            found.append(pid)
    return found


def wait_gone(pattern: str, seconds: float = 5.0) -> list[int]:
    end = time.monotonic() + seconds
    while (left := running(pattern)) and time.monotonic() < end:
        time.sleep(0.05)
    return left


def wait_started(pattern: str, seconds: float = 5.0) -> list[int]:
    """``running(pattern)``, once a background job has had time to exec (its fork may not have, under load)."""
    end = time.monotonic() + seconds
    while not (found := running(pattern)) and time.monotonic() < end:
        time.sleep(0.05)
    return found


@pytest.fixture
def engine():
    return LocalEngine(host_env={"PATH": "/usr/bin:/bin"})


def test_background_jobs_and_setsid_escapes_end_with_a_passing_cell(engine):
    with engine.open_cell(HOST, labels(), {}) as shell:
        shell.start()
        got = shell.run("sleep 5101 & setsid -f sleep 5102; (setsid sleep 5103 &); echo started", 10)
        assert got.output == b"started\n"
        assert wait_started("sleep 5101") and wait_started("sleep 5103")
    for pattern in ("sleep 5101", "sleep 5102", "sleep 5103"):
        assert wait_gone(pattern) == [], f"{pattern} outlived its cell"


def test_a_shell_killed_from_outside_is_named_and_takes_its_children_along(engine):
    with engine.open_cell(HOST, labels(), {}) as shell:
        shell.start()
        shell.run("sleep 5201 & setsid -f sleep 5202", 10)
        [sleeper] = wait_started("sleep 5201")
        bash = contain.parents()[sleeper]  # the cell's bash
        os.kill(bash, signal.SIGKILL)
        got = shell.run("echo still here", 10)
        assert got.status is None and got.killed is not None
        assert got.killed == "killed by signal 9 (SIGKILL)"
    assert wait_gone("sleep 5201") == [] and wait_gone("sleep 5202") == []


def test_exit_in_a_command_is_the_scenarios_doing_not_a_kill(engine):
    for command, status in (("exit 4", 4), ("exit 137", 137)):
        with engine.open_cell(HOST, labels(), {}) as shell:
            shell.start()
            got = shell.run(command, 10)
            assert (got.status, got.shell_exit, got.killed) == (None, status, None)


def test_the_cell_directory_is_private_and_removed_even_when_read_only(engine):
    with engine.open_cell(HOST, labels(), {}) as shell:
        shell.start()
        got = shell.run('cd ..; cd ..; stat -c %a .; mkdir -p work/ro/deep; chmod 000 work/ro; echo "$PWD"', 10)
        mode, root = got.text.splitlines()
        assert mode == "700"
        root_stat = os.stat(root)
        assert stat.S_IMODE(root_stat.st_mode) == 0o700
        if os.geteuid() == 0:
            # Under root each cell has a user id of its own: no other cell (and no account) can enter.
            assert root_stat.st_uid >= 1_800_000_000 and root_stat.st_uid != os.geteuid()
    assert not Path(root).exists()


def test_cells_under_root_do_not_share_a_user(engine):
    if os.geteuid() != 0:
        pytest.skip("cells run as guideproof's own user when it is not root (the documented limit)")
    ids = set()
    for _ in range(2):
        with engine.open_cell(HOST, labels(), {}) as shell:
            shell.start()
            ids.add(shell.run("id -u", 10).output)
    assert len(ids) == 2


def test_a_pid_namespace_hides_other_processes_where_available(engine):
    containment = contain.probe({"user": 0, "group": 0} if os.geteuid() == 0 else {})
    if not containment.namespace:
        pytest.skip(containment.summary)
    with engine.open_cell(HOST, labels(), {}) as shell:
        shell.start()
        got = shell.run(f"kill -0 {os.getpid()} 2>/dev/null && echo reachable || echo unreachable", 10)
        assert got.lines == [b"unreachable"]
        processes = shell.run("ls /proc | grep -c '^[0-9]'", 10).lines
        assert int(processes[0]) < 10, "the cell sees only its own processes"


def test_leftover_directories_of_finished_runs_are_swept_and_live_ones_kept():
    dead = RunId("20260101-000000-dead", 999_999_999)
    live = RunId.new("live")
    made = {}
    for name, run in (("dead", dead), ("live", live)):
        made[name] = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{run}-"))
        (made[name] / "home").mkdir()
        (made[name] / "home" / "locked").mkdir(mode=0)
    try:
        removed = sweep(None)
        assert made["dead"] in removed and not made["dead"].exists()
        assert made["live"].exists()
        assert sweep(live) == [made["live"]]
    finally:
        for path in made.values():
            contain.remove_tree(path)


def test_fifty_megabytes_of_output_are_read_linearly_and_kept_bounded(engine):
    with engine.open_cell(HOST, labels(), {}) as shell:
        shell.start()
        got = shell.run("head -c 50000000 /dev/zero | tr '\\0' y; echo; seq 1 3", 60)
    assert got.status == 0 and got.lines[-3:] == [b"1", b"2", b"3"]
    assert got.omitted == 50_000_000 + len(b"\n1\n2\n3\n") - OUTPUT_CAP
    assert len(got.output) < OUTPUT_CAP + 200  # the kept halves and the note, however the reads fell
    [note] = [line for line in got.text.splitlines() if "bytes of output left out here (sha256 " in line]
    assert note.startswith(f"[... {got.omitted} bytes")
