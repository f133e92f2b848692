"""Process containment for local cells: strays are killed and reaped, read-only trees are removed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

import guideproof
from guideproof.engines import contain

linux = pytest.mark.skipif(not contain.LINUX, reason="process containment needs Linux (/proc, prctl)")


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            state = handle.read().rsplit(b")", 1)[1].split()[0]
    except OSError:
        return False
    return state != b"Z"


def spawn_escapes(tmp_path: Path) -> list[int]:
    """A shell that starts a background job and a ``setsid -f`` escape, writes their pids, and exits."""
    # (imported by the subprocess of the subreaper test too)
    pids = tmp_path / "pids"
    subprocess.run(
        ["bash", "-c", f"sleep 600 & echo $! >>{pids}; setsid -f bash -c 'echo $$ >>{pids}; exec sleep 600'"],
        check=True,
    )
    for _ in range(200):
        if pids.exists() and len(pids.read_text().split()) == 2:
            break
        time.sleep(0.01)
    return [int(p) for p in pids.read_text().split()]


ESCAPES = """
import os, pathlib, sys
sys.path[:0] = {path!r}
from guideproof.engines import contain
from tests.engines.test_contain import alive, spawn_escapes
if {subreaper!r}:
    assert contain.become_subreaper()
keep = contain.children(os.getpid())
pids = spawn_escapes(pathlib.Path({tmp!r}))
assert all(alive(p) for p in pids), pids
killed = contain.kill_strays(keep)
print("caught" if set(pids) <= set(killed) and not any(alive(p) for p in pids) else "escaped")
for pid in pids:
    if alive(pid):
        os.kill(pid, 9)
"""


@linux
@pytest.mark.parametrize("subreaper", [True, False], ids=["subreaper", "process-group-only"])
def test_setsid_escapes_are_caught_by_the_subreaper(tmp_path, subreaper):
    # In a fresh process: the subreaper setting stays with the process that asks for it. Without it (the
    # local engine before: a process group only), the escape is re-parented to init and out of reach.
    code = ESCAPES.format(path=sys.path, subreaper=subreaper, tmp=str(tmp_path))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=Path(__file__).parents[2])
    assert done.stdout.strip() == ("caught" if subreaper else "escaped"), done.stderr


@linux
def test_a_pid_namespace_ends_every_process_of_the_cell():
    containment = contain.probe()
    if not containment.namespace:
        pytest.skip(containment.summary)
    script = "setsid -f sleep 6131; sleep 6132 & echo started"
    done = subprocess.run(
        [*containment.prefix, "bash", "-c", script], capture_output=True, text=True, timeout=30, check=True
    )
    assert done.stdout.strip() == "started"
    left = subprocess.run(["pgrep", "-f", "^sleep 613[12]$"], capture_output=True, text=True).stdout.split()
    assert left == [], "the namespace ended with its first process"


REMOVE = """
import pathlib, shutil, sys
sys.path[:0] = {path!r}
from guideproof.engines.contain import remove_tree
root = pathlib.Path({root!r})
locked = root / "home" / "work" / "locked"
(locked / "deeper").mkdir(parents=True)
(locked / "deeper" / "file").write_text("x")
(locked / "deeper").chmod(0o500)
locked.chmod(0o000)
shutil.rmtree(root, ignore_errors=True)
print("plain rmtree left it" if root.exists() else "plain rmtree removed it")
print("removed" if remove_tree(root) else "left")
"""


@linux
def test_a_read_only_directory_is_removed_without_root():
    # A cell's ``chmod 000`` stops an unprivileged guideproof from deleting its directory (plain rmtree leaves it).
    root = Path(tempfile.mkdtemp(prefix="guideproof-test-"))
    # The checkout may live where only its owner can read (CI clones into a ``mktemp -d``): the unprivileged
    # user imports a copy of the package from a directory everyone can read (contain.py needs only the stdlib).
    package = Path(tempfile.mkdtemp(prefix="guideproof-package-"))
    shutil.copytree(Path(guideproof.__file__).parent, package / "guideproof", ignore=shutil.ignore_patterns("*.pyc"))
    for path in (package, *package.rglob("*")):
        path.chmod(0o755 if path.is_dir() else 0o644)
    argv = [sys.executable, "-c", REMOVE.format(path=[str(package)], root=str(root))]
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("needs setpriv to run as an unprivileged user")
        os.chown(root, 65534, 65534)
        argv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--", *argv]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, cwd=package)
        assert done.stdout.split("\n")[:2] == ["plain rmtree left it", "removed"], done.stderr
        assert not root.exists()
    finally:
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(package, ignore_errors=True)


@linux
@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run part of the test as another user")
def test_the_tests_pass_in_a_checkout_only_its_owner_can_read(tmp_path):
    # Item 9 of issue 28: ``nox -s tests`` in a ``mktemp -d`` clone (mode 0700).
    checkout = Path(tempfile.mkdtemp(prefix="guideproof-clone-"))
    try:
        here = Path(__file__).parents[2]
        shutil.copytree(here / "guideproof", checkout / "guideproof", ignore=shutil.ignore_patterns("*.pyc"))
        (checkout / "tests" / "engines").mkdir(parents=True)
        shutil.copy(Path(__file__), checkout / "tests" / "engines")
        shutil.copy(here / "pyproject.toml", checkout)
        test = "tests/engines/test_contain.py::test_a_read_only_directory_is_removed_without_root"
        done = subprocess.run(
            [sys.executable, "-m", "pytest", test, "-q", "-p", "no:cacheprovider", "-p", "no:xdist"],
            capture_output=True,
            text=True,
            cwd=checkout,
            env={**os.environ, "PYTHONPATH": str(checkout)},
            check=False,
        )
        assert done.returncode == 0, done.stdout[-3000:]
    finally:
        shutil.rmtree(checkout, ignore_errors=True)
