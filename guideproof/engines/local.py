"""The local engine: cells run on the host, in a private throwaway directory, as an unprivileged user.

It never runs privileged commands (scenarios that need ``root`` are skipped on it) and writes only inside
the cell's directory (mode 0700). When guideproof runs as root, each cell runs as a user id of its own,
which no other cell and no account shares: no cell can enter another's directory or signal its processes.
Otherwise cells run as guideproof's user; a PID namespace, where the kernel allows one, still keeps them
from seeing or signalling each other's processes, but not from entering each other's directories.

Every process a cell starts ends with the cell (:mod:`guideproof.engines.contain`): its process group, the
processes below its shell, and whatever escaped with ``setsid`` are killed and reaped before its directory
is removed, read-only parts included.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import signal
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from guideproof.engines import contain
from guideproof.engines.base import CellLabels, Engine, copy_files
from guideproof.engines.environment import BASICS, INDEX, PROXIES, STEADY, allowlisted, secrets_in
from guideproof.engines.layout import CA_HOST_VARIABLES
from guideproof.engines.runid import RunId
from guideproof.engines.shell import KeptCell, Shell
from guideproof.errors import EngineError
from guideproof.matrix.model import Platform

TESTTMP = "TESTTMP"  # the cell's directory, as in cram: the runner writes it as $TESTTMP in recorded output
PREFIX = "guideproof-cell-"  # then the run id: a later run can tell a finished run's leftovers
KEPT = "kept"  # a file in a cell's directory that says it is kept (--keep-failed): sweeps leave it
CELL_USER = "cell"  # $USER of a cell running under a user id of its own (it has no account)
# User ids for cells when guideproof runs as root: far above any account or subordinate-id range.
CELL_UIDS = range(1_800_000_000, 2_000_000_000)


class LocalEngine(Engine):
    """Cells on this machine: the ``host`` platform only, never as root."""

    name = "local"
    platform_kind = "host"
    can_root = False

    def __init__(self, host_env: dict[str, str] | None = None) -> None:
        self.host_env = dict(os.environ if host_env is None else host_env)
        self.secrets = secrets_in(self.host_env)

    @classmethod
    def from_options(cls, name: str, values: Mapping[str, Any]) -> LocalEngine:
        return cls()

    def notes(self) -> Iterator[str]:
        yield contain.probe(_cell_user()[0]).summary

    def prepare(self, platforms: Sequence[Platform]) -> None:
        sweep(None)

    def finish(self, run_id: RunId) -> None:
        sweep(run_id)

    def environment(self, home: Path, user: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """The allowlisted host variables, a fresh home, and ``extra`` (the run's cell variables)."""
        env = allowlisted(self.host_env, ("PATH", *BASICS, *PROXIES, *INDEX, *CA_HOST_VARIABLES))
        env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
        env.setdefault("LANG", "C.UTF-8")
        env.update(STEADY)
        env.update(HOME=str(home), USER=user, LOGNAME=user, SHELL="/bin/bash", TMPDIR=str(home.parent / "tmp"))
        env.update(extra or {})
        return env

    @contextmanager
    def open_cell(
        self,
        platform: Platform,
        labels: CellLabels,
        env: Mapping[str, str],
        files: Path | None = None,
        builds: Sequence[Path] = (),
        start: str | None = None,
    ) -> Iterator[Shell]:
        if start is not None:
            raise EngineError("the local engine has no snapshots to start from")
        root = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{labels.run_id}-"))  # mode 0700
        popen, user = _cell_user()
        containment = contain.probe(popen)
        contain.become_subreaper()
        keep = contain.children(os.getpid())  # this process's own children; anything new belongs to the cell
        shell: Shell | None = None
        try:
            home, work = root / "home", root / "home" / "work"
            for directory in (home, work, root / "tmp"):
                directory.mkdir(parents=True)
            if files is not None:
                shutil.copytree(files, work, symlinks=True, dirs_exist_ok=True)
            if "user" in popen:
                for path in (root, *root.rglob("*")):
                    os.chown(path, int(popen["user"]), int(popen["group"]), follow_symlinks=False)
            copied = copy_files(builds, root / "builds") if builds else ""  # ours: the cell reads, cannot write
            user_ids = (int(popen["user"]), int(popen["group"])) if "user" in popen else None
            shell = Shell(
                containment.argv(("bash", "--noprofile", "--norc"), user=user_ids),
                interrupt=_signal_group,
                keeper=lambda rcfile: _keep(root, popen, rcfile),
                cwd=work,
                env={**self.environment(home, user, env), TESTTMP: str(root)},
                start_new_session=True,
                **({} if containment.watches else popen),  # the watchdog starts the shell as the cell's user
            )
            shell.files_dir = copied
            shell.root = str(root)
            with shell:
                yield shell
        finally:
            if shell is not None:
                shell.close()
                _signal_group(shell, kill=True)  # background jobs outlive a shell that was killed
            contain.kill_strays(keep)
            if shell is None or shell.kept is None:
                contain.remove_tree(root, on_error=lambda problem: print(f"guideproof: {problem}", file=sys.stderr))


def _keep(root: Path, popen: Mapping[str, Any], rcfile: str) -> KeptCell:
    """Leave ``root`` in place (marked, so sweeps spare it); the shell opened there starts from ``rcfile``
    with an empty environment (the rcfile restores the cell's), under the cell's user id."""
    script = root / "guideproof-shell.sh"
    script.write_bytes(rcfile.encode("utf-8", "surrogateescape"))
    script.chmod(0o644)
    (root / KEPT).touch()
    prefix: tuple[str, ...] = ()
    if "user" in popen:
        os.chown(script, int(popen["user"]), int(popen["group"]))
        prefix = ("setpriv", f"--reuid={popen['user']}", f"--regid={popen['group']}", "--clear-groups", "--")
    return KeptCell((*prefix, "env", "-i", "bash", "--rcfile", str(script), "-i"), ("rm", "-rf", str(root)))


def _cell_user() -> tuple[dict[str, Any], str]:
    """Popen arguments and ``$USER`` for a new cell: a fresh user id of its own under root, else ours."""
    if os.geteuid() != 0:
        return {}, pwd.getpwuid(os.geteuid()).pw_name
    uid = CELL_UIDS.start + secrets.randbelow(len(CELL_UIDS))
    return {"user": uid, "group": uid, "extra_groups": []}, CELL_USER


def _signal_group(shell: Shell, kill: bool) -> None:
    """bash and its children share one process group (no job control): signal all of them."""
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(shell.proc.pid, signal.SIGKILL if kill else signal.SIGINT)


def sweep(run_id: RunId | None) -> list[Path]:
    """Remove cell directories left behind: those of ``run_id``, or (``None``) of runs whose owner is gone.

    A worker killed with SIGKILL cannot remove its cell's directory; the run's end, or the next run, does.
    """
    removed = []
    for path in Path(tempfile.gettempdir()).glob(f"{PREFIX}*"):
        if (path / KEPT).exists():
            continue  # kept for the maintainer to look inside (--keep-failed): theirs to remove
        owner = RunId.parse(path.name.removeprefix(PREFIX).rpartition("-")[0])
        ours = str(owner) == str(run_id) if run_id is not None else not owner.owner_alive()
        if ours and contain.remove_tree(path):
            removed.append(path)
    return removed
