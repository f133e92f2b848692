"""Keep every process a local cell starts inside the cell, and end them all when the cell ends.

Two layers, both Linux-only (elsewhere the cell's process group is all there is):

* A PID namespace per cell (``unshare --user --map-current-user --pid --fork --kill-child --mount-proc``) where
  the kernel lets this user create one. The cell's bash is the namespace's first process: when it ends, or when
  ``unshare`` is killed, the kernel kills every process left in the namespace, ``setsid`` escapes included. The
  cell sees only its own processes in ``/proc`` and cannot signal any other. ``setpriv --pdeathsig KILL`` ties
  the namespace to the process that opened the cell, so a guideproof killed with SIGKILL takes its cells with it.
* A child subreaper (``prctl(PR_SET_CHILD_SUBREAPER)``) on the process that opens cells, always: a process whose
  parent ends is re-parented to guideproof instead of to init, so after a cell, every new child of guideproof
  (and everything below it) belongs to that cell and is killed and reaped. Without a namespace this is what
  catches ``setsid -f``; with one it is a second net.
* Without a namespace, a watchdog (:data:`WATCHDOG`) runs the cell's shell: the subreaper of everything the
  cell starts, it ends all of it when the shell ends and when guideproof dies, even by SIGKILL (its
  parent-death signal), and then removes what a cell with a user id of its own left in /dev/shm.

Checked by tests/engines/test_contain.py and the fault-injection test (docs/maintainers/faults.rst).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PR_SET_CHILD_SUBREAPER = 36
PID_NAMESPACE = ("unshare", "--user", "--map-current-user", "--pid", "--fork", "--kill-child", "--mount-proc", "--")
PARENT_DEATH = ("setpriv", "--pdeathsig", "KILL", "--")
LINUX = sys.platform.startswith("linux")
STRAY_ROUNDS = 200  # each round kills what it finds; a process forked meanwhile is found in the next


@dataclass(frozen=True)
class Containment:
    """How local cells are contained on this machine: an argv prefix for the cell's bash, and a line saying so."""

    prefix: tuple[str, ...]
    namespace: bool
    summary: str

    @property
    def watches(self) -> bool:
        """Does a :data:`WATCHDOG` run the cell's shell (no namespace, on Linux)? It then starts the shell
        under the cell's user id itself: the caller starts it as its own user."""
        return LINUX and not self.namespace

    def argv(self, shell: tuple[str, ...], owner: int | None = None, user: tuple[int, int] | None = None) -> list[str]:
        """The command that runs ``shell`` contained. In a namespace a small bash waits as its first process,
        so that the cell's own shell is an ordinary process (``kill $$`` works, its status is its own).
        Without one, on Linux, the :data:`WATCHDOG` of process ``owner`` (default: this one) does, and runs the
        shell as ``user`` (uid, gid) when given: a user id of the cell's own, so what it left in /dev/shm is
        the cell's."""
        if self.namespace:
            return [*self.prefix, "bash", "-c", " ".join(shell) + '; exit "$?"']
        if self.watches:
            owner = os.getpid() if owner is None else owner
            ids = f"{user[0]}:{user[1]}" if user else "-"
            return [sys.executable, "-I", "-S", "-c", WATCHDOG, str(owner), ids, *shell]
        return [*self.prefix, *shell]


# Without a PID namespace, a cell's shell runs under this watchdog (stdlib only, so any user can run it from
# wherever the checkout is). It is the subreaper of everything the cell starts (``setsid -f`` included) and
# ends all of it, with the files the cell's own user id left in /dev/shm, when the shell ends or when the
# process that opened the cell dies, even by SIGKILL (PR_SET_PDEATHSIG): no cell outlives its run. It exits
# with the shell's status (128 + N for a signal, as ``unshare`` and ``docker exec`` report it).
WATCHDOG = r"""
import ctypes, os, signal, sys, time
libc = ctypes.CDLL(None, use_errno=True)
libc.prctl(36, 1, 0, 0, 0)
libc.prctl(1, signal.SIGTERM, 0, 0, 0)
owner, ids, argv = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
own = ids != "-"
me, started = os.getpid(), time.time()
def below():
    tree = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                data = open("/proc/%s/stat" % name, "rb").read()
            except OSError:
                continue
            tree.setdefault(int(data[data.rfind(b")") + 2:].split()[1]), []).append(int(name))
    found, todo = set(), list(tree.get(me, ()))
    while todo:
        pid = todo.pop()
        if pid not in found:
            found.add(pid)
            todo.extend(tree.get(pid, ()))
    return found
def end(code):
    for _ in range(200):
        pids = below()
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        try:
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        except ChildProcessError:
            pass
        time.sleep(0.005)
    if own:
        shm()
    os._exit(code)
def shm():
    try:
        names = os.listdir("/dev/shm")
    except OSError:
        return
    for name in names:
        path = os.path.join("/dev/shm", name)
        try:
            info = os.lstat(path)
            if info.st_uid == int(ids.split(":")[0]) and info.st_ctime >= started - 1:
                os.unlink(path)
        except OSError:
            pass
signal.signal(signal.SIGINT, lambda *_: None)
signal.signal(signal.SIGTERM, lambda *_: end(143))
if os.getppid() != owner:
    end(143)
program = argv[0]
for folder in ([] if "/" in program else os.environ.get("PATH", "/usr/bin:/bin").split(":")):
    candidate = os.path.join(folder or ".", program)
    if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
        program = candidate
        break
child = os.fork()
if child == 0:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        if own:
            uid, gid = map(int, ids.split(":"))
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
        os.execve(program, argv, os.environ)
    finally:
        os._exit(127)
while True:
    try:
        pid, status = os.wait()
    except ChildProcessError:
        end(1)
    except InterruptedError:
        continue
    if pid == child:
        break
code = os.waitstatus_to_exitcode(status)
end(128 - code if code < 0 else code)
"""


def probe(popen: Mapping[str, Any] | None = None) -> Containment:
    """What this machine offers, tried once per process as the user cells run as (``popen``: user=, group=)."""
    key = tuple(sorted(popen or {}))  # as ourselves, or as another user: which one does not matter
    if key not in _PROBED:
        _PROBED[key] = _probe(dict(popen or {}))
    return _PROBED[key]


_PROBED: dict[tuple[str, ...], Containment] = {}


def _probe(popen: dict[str, Any]) -> Containment:
    if not LINUX:
        return Containment((), False, "local cells: one process group each (no PID namespaces on this system)")
    death = PARENT_DEATH if shutil.which("setpriv") else ()
    why = "unshare is not installed"
    if shutil.which("unshare"):
        try:
            done = subprocess.run(  # noqa: S603 - fixed argv
                [*death, *PID_NAMESPACE, "true"], capture_output=True, text=True, timeout=10, check=False, **popen
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            why = str(exc)
        else:
            if done.returncode == 0:
                return Containment(
                    (*death, *PID_NAMESPACE),
                    True,
                    "local cells: a PID namespace each (unshare); every process a cell starts ends with it",
                )
            why = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
    return Containment(
        death,
        False,
        f"local cells: a process group each, orphans caught by a subreaper (no PID namespace: {why}); "
        "cells of one user can signal each other's processes",
    )


@functools.cache
def become_subreaper() -> bool:
    """Make this process the subreaper of everything it starts (once; harmless to repeat). False where unsupported."""
    if not LINUX:
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0


def parents() -> dict[int, int]:
    """Every visible process and its parent, from /proc (nothing where there is no /proc)."""
    found: dict[int, int] = {}
    if not LINUX:
        return found
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                data = handle.read()
        except OSError:
            continue  # gone meanwhile
        # The command name may hold spaces and ')': the fields after the last ')' are state, ppid, ...
        fields = data[data.rfind(b")") + 2 :].split()
        found[int(entry.name)] = int(fields[1])
    return found


def children(pid: int, tree: Mapping[int, int] | None = None) -> set[int]:
    tree = parents() if tree is None else tree
    return {child for child, parent in tree.items() if parent == pid}


def descendants(roots: Iterable[int], tree: Mapping[int, int]) -> set[int]:
    below: dict[int, list[int]] = {}
    for child, parent in tree.items():
        below.setdefault(parent, []).append(child)
    found: set[int] = set()
    todo = list(roots)
    while todo:
        pid = todo.pop()
        if pid not in found:
            found.add(pid)
            todo.extend(below.get(pid, ()))
    return found


def kill_strays(keep: Iterable[int], *, own: int | None = None) -> list[int]:
    """SIGKILL every child of this process not in ``keep`` and everything below it; reap them. Returns the pids.

    Called after a cell's shell was closed and reaped: with this process a subreaper, whatever the cell left
    running (``sleep &``, ``setsid -f``, a killed shell's children) is by now a child of this process.
    """
    if not LINUX:
        return []
    me = os.getpid() if own is None else own
    spared = set(keep)
    killed: list[int] = []
    for _ in range(STRAY_ROUNDS):
        tree = parents()
        strays = children(me, tree) - spared
        if not strays:
            break
        for pid in descendants(strays, tree):
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                continue
            killed.append(pid)
        for pid in strays:
            _reap(pid)
        time.sleep(0.005)
    return sorted(set(killed))


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass  # not ours after all, or already reaped
    except OSError as exc:
        if exc.errno != errno.EINTR:
            raise


def remove_tree(path: Path, on_error: Callable[[str], None] | None = None) -> bool:
    """Remove a cell's directory even where the cell made parts of it read-only (no root needed). True when gone."""

    def writable(function: Callable[..., object], name: str, _exc: object) -> None:
        parent = os.path.dirname(name)
        try:
            os.chmod(parent, stat.S_IRWXU)
            if os.path.isdir(name) and not os.path.islink(name):
                os.chmod(name, stat.S_IRWXU)
            function(name)
        except FileNotFoundError:
            pass
        except OSError as exc:
            if on_error is not None:
                on_error(f"{name}: {exc.strerror}")

    if not path.exists() and not path.is_symlink():
        return True
    # Directories the cell made unreadable or unsearchable cannot even be listed: open them up first.
    for root, dirs, _files in os.walk(path, onerror=lambda exc: None):
        for name in dirs:
            full = os.path.join(root, name)
            if not os.path.islink(full):
                with contextlib.suppress(OSError):
                    os.chmod(full, stat.S_IRWXU)
    shutil.rmtree(path, onerror=writable)  # shutil's own error hook does the retry
    return not path.exists()
