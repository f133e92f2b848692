"""The local engine: cells run on the host, in a throwaway directory, as an unprivileged user.

It never runs privileged commands (scenarios that need ``root`` are skipped on it) and writes only
inside its temporary directory. When the harness itself runs as root, cells run as ``nobody``.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from guideproof.engines.base import CellLabels, Engine
from guideproof.engines.environment import BASICS, CA, INDEX, PROXIES, STEADY, allowlisted
from guideproof.engines.shell import Shell
from guideproof.matrix.model import Matrix, Platform

UNPRIVILEGED = "nobody"


class LocalEngine(Engine):
    """Cells on this machine: the ``host`` platform only, never as root."""

    name = "local"
    can_root = False

    def __init__(self, host_env: dict[str, str] | None = None) -> None:
        self.host_env = dict(os.environ if host_env is None else host_env)

    @classmethod
    def from_options(cls, name: str, values: Mapping[str, Any]) -> LocalEngine:
        return cls()

    def platforms(self, matrix: Matrix) -> list[Platform]:
        return [p for p in matrix.platforms if p.kind == "host"]

    def environment(self, home: Path, user: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """The allowlisted host variables, a fresh home, and ``extra`` (the run's cell variables)."""
        env = allowlisted(self.host_env, ("PATH", *BASICS, *PROXIES, *INDEX, *CA))
        env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
        env.setdefault("LANG", "C.UTF-8")
        env.update(STEADY)
        env.update(HOME=str(home), USER=user, LOGNAME=user, SHELL="/bin/bash", TMPDIR=str(home.parent / "tmp"))
        env.update(extra or {})
        return env

    @contextmanager
    def open_cell(self, platform: Platform, labels: CellLabels, env: Mapping[str, str]) -> Iterator[Shell]:
        root = Path(tempfile.mkdtemp(prefix="harness-cell-"))
        try:
            home, work = root / "home", root / "home" / "work"
            for directory in (home, work, root / "tmp"):
                directory.mkdir(parents=True, exist_ok=True)
            popen: dict[str, object] = {}
            user = pwd.getpwuid(os.geteuid()).pw_name
            if os.geteuid() == 0:
                entry = pwd.getpwnam(UNPRIVILEGED)
                for path in (root, home, work, root / "tmp"):
                    os.chown(path, entry.pw_uid, entry.pw_gid)
                user = UNPRIVILEGED
                popen.update(user=entry.pw_uid, group=entry.pw_gid, extra_groups=[])
            shell = Shell(
                ["bash", "--noprofile", "--norc"],
                interrupt=_signal_group,
                cwd=work,
                env=self.environment(home, user, env),
                start_new_session=True,
                **popen,
            )
            with shell:
                yield shell
        finally:
            shutil.rmtree(root, ignore_errors=True)


def _signal_group(shell: Shell, kill: bool) -> None:
    """bash and its children share one process group (no job control): signal all of them."""
    with suppress(ProcessLookupError):
        os.killpg(shell.proc.pid, signal.SIGKILL if kill else signal.SIGINT)
