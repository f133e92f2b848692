"""Fault injection: a small run is hit mid-way, and every time nothing is left running, the results file is
valid and says what happened, and no other cell's outcome changed (docs/maintainers/faults.rst).

Each fault runs ``pytest -p guideproof.pytest_plugin`` in a subprocess on a tree of four scenarios:
``steady`` (3 passing cells), ``failing`` (a wrong expectation), ``known`` (an xfail) and ``victim``, whose
cell starts a background job and a ``setsid -f`` escape, then waits in the foreground; the test strikes
while it waits. The local engine proves the points about processes and signals; Docker only the killed
container (marked ``docker``).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from guideproof.engines import contain
from guideproof.engines.cli import ContainerCLI
from guideproof.results.store import load_results
from tests.conftest import SMALL_MATRIX

pytestmark = pytest.mark.skipif(not contain.LINUX, reason="the fault injection watches /proc (Linux)")

# What each cell's outcome is when nothing goes wrong: a fault may only change the victim's (and, when the run
# stops, leave cells that had not finished as errors saying so).
EXPECTED = {
    ("steady", "venv"): "passed",
    ("steady", "venv-copies"): "passed",
    ("steady", "uv"): "passed",
    ("failing", None): "failed",
    ("known", None): "xfailed",
}


class Tree:
    def __init__(self, root: Path, platform: str = "host") -> None:
        self.root = root
        self.mark = f"{secrets.randbelow(10**6) + 10**6}"  # sleeps of this run are "sleep <mark><n>"
        scenarios = root / "scenarios"
        scenarios.mkdir(parents=True)
        (scenarios / "matrix.toml").write_text(SMALL_MATRIX)
        head = f"+++\ntitle = '{{}}'\nplatforms = ['{platform}']\n{{}}+++\n"
        (scenarios / "steady.scenario").write_text(head.format("steady", "axes = ['env']\n") + "  $ echo ok\n  ok\n")
        (scenarios / "failing.scenario").write_text(head.format("failing", "") + "  $ echo actual\n  expected\n")
        xfail = f"[[xfail]]\nwhen = {{ platform = '{platform}' }}\nreason = 'known'\n"
        (scenarios / "known.scenario").write_text(head.format("known", xfail) + "  $ false\n")
        victim = (
            f"  $ sleep {self.mark}1 & setsid -f sleep {self.mark}2; echo started\n  started\n  $ sleep {self.mark}3\n"
        )
        (scenarios / "victim.scenario").write_text(head.format("victim", "timeout = 120\n" + xfail) + victim)

    def start(self, *args: str, engine: str = "local") -> subprocess.Popen[str]:
        argv = [sys.executable, "-m", "pytest", "-p", "guideproof.pytest_plugin", "scenarios", "--engine", engine]
        argv += ["--results", "r.json", "-p", "no:cacheprovider", "-p", "no:randomly", "-rA", *args]
        return subprocess.Popen(argv, cwd=self.root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def sleepers(self) -> dict[int, int]:
        """This tree's sleeps still running: pid → parent pid."""
        found = {}
        for pid, parent in contain.parents().items():
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
                state = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[0]
            except OSError:
                continue
            ours = cmdline[:1] == [b"sleep"] and cmdline[1:2] and cmdline[1].startswith(self.mark.encode())
            if ours and state != b"Z":
                found[pid] = parent
        return found

    def wait_for_victim(self, run: subprocess.Popen[str], seconds: float = 90) -> int:
        """The pid of the victim's foreground ``sleep`` once it runs (the cell waits there)."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            for pid in self.sleepers():
                if Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[1] == f"{self.mark}3".encode():
                    return pid
            if run.poll() is not None:
                break
            time.sleep(0.05)
        run.kill()
        pytest.fail(f"the victim never started:\n{run.communicate()[0]}")

    def finish(self, run: subprocess.Popen[str]) -> tuple[int, str, dict]:
        out, _ = run.communicate(timeout=120)
        data = json.loads((self.root / "r.json").read_text())
        load_results(self.root / "r.json")  # valid against the schema
        return run.returncode, out, data


def outcomes(data: dict) -> dict[tuple[str, str | None], tuple[str, str]]:
    return {(c["scenario"], c["cell"].get("env")): (c["outcome"], c["reason"]) for c in data["cells"]}


def assert_nothing_left(tree: Tree, out: str) -> None:
    end = time.monotonic() + 5
    while tree.sleepers() and time.monotonic() < end:
        time.sleep(0.05)
    assert tree.sleepers() == {}, "a process of a cell outlived the run"
    [run_id] = re.findall(r"^scenarios: run (\S+)$", out, re.MULTILINE)
    assert list(Path(tempfile.gettempdir()).glob(f"guideproof-cell-{run_id}-*")) == [], "a cell's directory is left"


def assert_others_unchanged(data: dict, stopped: bool = False) -> None:
    got = outcomes(data)
    for key, expected in EXPECTED.items():
        outcome, reason = got[key]
        if stopped and outcome == "error" and reason.startswith(("not run: ", "cut short: ")):
            continue  # the run stopped before this cell could finish, and says so
        assert outcome == expected, (key, outcome, reason)


@pytest.fixture
def tree(tmp_path: Path) -> Tree:
    return Tree(tmp_path)


def test_a_cells_shell_killed_from_outside(tree):
    run = tree.start()
    sleeper = tree.wait_for_victim(run)
    os.kill(contain.parents()[sleeper], signal.SIGKILL)  # its parent: the cell's bash
    status, out, data = tree.finish(run)
    assert status == 1, out
    outcome, reason = outcomes(data)[("victim", None)]
    assert outcome == "error", "a kill from outside is never a (known) failure"
    assert reason.startswith("the cell's shell was ended from outside (killed by signal 9 (SIGKILL))")
    assert data["run"]["state"] == "complete"
    assert_others_unchanged(data)
    assert_nothing_left(tree, out)


def test_sigterm_to_the_run_under_xdist(tree):
    run = tree.start("-n", "2")
    tree.wait_for_victim(run)
    run.send_signal(signal.SIGTERM)  # the controller only, as `kill PID` does; it passes it to its workers
    status, out, data = tree.finish(run)
    assert status == pytest.ExitCode.INTERRUPTED, out
    assert (data["run"]["state"], data["run"]["stopped_by"], data["run"]["exit_status"]) == (
        "interrupted",
        "SIGTERM",
        2,
    )
    outcome, reason = outcomes(data)[("victim", None)]
    assert (outcome, reason) == ("error", "cut short: the run was interrupted (SIGTERM) while this cell ran")
    assert len(data["cells"]) == 6, "every selected cell is in the file"
    assert "INCOMPLETE: the run was interrupted (SIGTERM)" in out
    assert_others_unchanged(data, stopped=True)
    assert_nothing_left(tree, out)


def test_a_corrupted_scenario(tree):
    scenarios = tree.root / "scenarios"
    (scenarios / "binary.scenario").write_bytes(b"+++\n\xff\xfe\x00garbage")
    (scenarios / "requires.scenario").write_text("+++\ntitle = 'x'\nrequires = 5\n+++\n  $ true\n")
    (scenarios / "lookalike.scenario").write_text("+++\ntitle = 'x'\n+++\n#IF platform=host\n  $ true\n")
    (scenarios / "victim.scenario").unlink()
    status, out, data = tree.finish(tree.start())
    assert status == 1 and "INTERNALERROR" not in out, out
    assert sorted(Path(e["file"]).name for e in data["run"]["errors"]) == [
        "binary.scenario",
        "lookalike.scenario",
        "requires.scenario",
    ]
    assert data["run"]["state"] == "complete"
    assert_others_unchanged(data)
    assert_nothing_left(tree, out)


def docker_ready() -> str | None:
    problem = ContainerCLI("docker").problem()
    if problem:
        return problem
    listing = subprocess.run(["docker", "images", "-q", "guideproof/debian-bookworm"], capture_output=True, text=True)
    return None if listing.stdout.strip() else "no guideproof/debian-bookworm image (nox -s images)"


@pytest.mark.docker
def test_a_container_killed_mid_cell(tmp_path):
    why = docker_ready()
    if why:
        pytest.skip(why)
    tree = Tree(tmp_path, platform="debian-bookworm")
    for name in ("steady", "failing"):  # the victim and one neighbour are enough in Docker
        (tree.root / "scenarios" / f"{name}.scenario").unlink()
    run = tree.start("--platform", "debian-bookworm", engine="docker")
    label = "io.github.two-tier-guide.guideproof.scenario=victim"
    end = time.monotonic() + 120
    victim: list[str] = []
    while not victim and time.monotonic() < end and run.poll() is None:
        ps = subprocess.run(["docker", "ps", "-q", "--filter", f"label={label}"], capture_output=True, text=True)
        found = ps.stdout.split()
        if found:
            top = subprocess.run(["docker", "top", found[0]], capture_output=True, text=True).stdout
            if f"sleep {tree.mark}3" in top:
                victim = found
        time.sleep(0.2)
    assert victim, run.communicate()[0] if run.poll() is not None else "the victim never started"
    run_id = subprocess.run(
        [
            "docker",
            "inspect",
            "--format",
            '{{index .Config.Labels "io.github.two-tier-guide.guideproof.run"}}',
            victim[0],
        ],
        capture_output=True,
        text=True,
    ).stdout.strip()
    subprocess.run(["docker", "kill", victim[0]], capture_output=True, check=True)
    status, out, data = tree.finish(run)
    assert status == 1, out
    outcome, reason = outcomes(data)[("victim", None)]
    assert outcome == "error", "declared as a known failure, but a killed container is never xfailed"
    assert "its container stopped (exit code 137: killed by signal 9 (SIGKILL))" in reason
    assert outcomes(data)[("known", None)][0] == "xfailed"
    left = subprocess.run(
        ["docker", "ps", "-aq", "--filter", f"label=io.github.two-tier-guide.guideproof.run={run_id}"],
        capture_output=True,
        text=True,
    )
    assert left.stdout.split() == [], "a container of the run was left behind"
