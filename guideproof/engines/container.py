"""Docker and Podman through their command-line clients: one code path, quirks commented.

One container per cell, created from the platform's image and labelled with the run, scenario and cell.
The cell's bash runs through ``<cli> exec -i`` as the unprivileged ``user`` (passwordless sudo) in an
empty ``~/work``. Nothing from the host is mounted; the host CA bundle is copied in. The container is
removed whatever happens (BaseException and ``finally``), unless ``--keep-containers`` says otherwise.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from guideproof.engines.base import CellLabels, Engine
from guideproof.engines.environment import (
    BASICS,
    INDEX,
    PROXIES,
    STEADY,
    URL_OR_PATH,
    allowlisted,
    host_only_values,
)
from guideproof.engines.images import ImageBuilder
from guideproof.engines.shell import Shell
from guideproof.errors import EngineError
from guideproof.matrix.model import Matrix, Platform

CLI_TIMEOUT = 120.0
LABEL = "io.github.two-tier-guide.harness"  # every container we create carries it
USER = "user"
HOME = f"/home/{USER}"
WORKDIR = f"{HOME}/work"
CA_IN_CONTAINER = "/usr/local/share/harness/host-ca.crt"
CA_VARIABLES = ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "PIP_CERT", "NODE_EXTRA_CA_CERTS")
HOST_CA_CANDIDATES = ("PIP_CERT", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE")
SYSTEM_CA = "/etc/ssl/certs/ca-certificates.crt"
CONTAINER_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

FIXES = {
    "docker": (
        "install Docker (Debian: apt-get install docker.io) and start its daemon "
        "(systemctl start docker, or: dockerd >/var/log/dockerd.log 2>&1 &), or use --engine local"
    ),
    "podman": (
        "install Podman (Debian: apt-get install podman) and check that 'podman run' works, or use --engine local"
    ),
}


@dataclass(frozen=True)
class ContainerConfig:
    cli: str  # "docker" or "podman": same arguments, same code path
    network: str = "host"
    create_args: tuple[str, ...] = ()


def engine_problem(cli: str) -> str | None:
    """None when ``cli``'s engine answers; else one message with the fix."""
    if shutil.which(cli) is None:
        return f"{cli} is not installed: {FIXES[cli]}"
    try:
        done = subprocess.run(
            [cli, "info", "--format", "{{json .}}"], capture_output=True, text=True, timeout=15, check=False
        )
    except subprocess.TimeoutExpired:
        return f"{cli} info did not answer within 15 s: {FIXES[cli]}"
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return f"{cli} is installed but its engine does not answer ({first}): {FIXES[cli]}"
    return None


def _cli(
    config: ContainerConfig, *args: str, timeout: float = CLI_TIMEOUT, check: bool = True, input: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    try:
        done = subprocess.run([config.cli, *args], capture_output=True, timeout=timeout, check=False, input=input)
    except subprocess.TimeoutExpired:
        raise EngineError(f"'{config.cli} {' '.join(args[:2])}' did not finish within {timeout:g} s") from None
    if check and done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip() or done.stdout.decode(errors="replace").strip()
        raise EngineError(f"'{config.cli} {' '.join(args[:2])}' failed: {message}")
    return done


def host_ca_bundle(env: dict[str, str], choice: str | None) -> Path | None:
    if choice == "none":
        return None
    if choice:
        path = Path(choice)
        if not path.is_file():
            raise EngineError(f"--host-ca {choice}: no such file")
        return path
    for name in HOST_CA_CANDIDATES:
        if env.get(name) and Path(env[name]).is_file():
            return Path(env[name])
    return Path(SYSTEM_CA) if Path(SYSTEM_CA).is_file() else None


def container_environment(host: dict[str, str], ca: Path | None) -> tuple[dict[str, str], list[str]]:
    """The variables a cell gets, and a line for each host setting that was dropped (host-only paths)."""
    env = allowlisted(host, (*BASICS, *PROXIES, *INDEX))
    dropped = []
    for name in URL_OR_PATH:
        if name in env:
            keep, drop = host_only_values(env[name])
            if drop:
                dropped.append(f"{name}: dropped {' '.join(drop)} (a path on the host disk; not in the container)")
            if keep:
                env[name] = " ".join(keep)
            else:
                del env[name]
    env.setdefault("LANG", "C.UTF-8")
    env.update(STEADY)
    env.update(HOME=HOME, USER=USER, LOGNAME=USER, SHELL="/bin/bash", PATH=CONTAINER_PATH)
    if ca is not None:
        env.update(dict.fromkeys(CA_VARIABLES, CA_IN_CONTAINER))
    return env, dropped


def owner_alive(run_id: str) -> bool:
    """Run ids end in ``-p<pid>`` of the process that owns the run (see the pytest plugin)."""
    pid = run_id.rpartition("-p")[2]
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _slug(text: str) -> str:
    return re.sub(r"[^a-zA-Z0-9_.-]+", "-", text).strip("-")[:60]


class ContainerEngine(Engine):
    can_root = True  # ``user`` has passwordless sudo inside its own container

    def __init__(
        self,
        config: ContainerConfig,
        *,
        keep: bool = False,
        image_source: str = "auto",
        host_ca: str | None = None,
        pip_cache: Path | None = None,
        host_env: dict[str, str] | None = None,
    ) -> None:
        self.config = config
        self.name = config.cli
        self.keep = keep
        self.host_env = dict(os.environ if host_env is None else host_env)
        self.ca = host_ca_bundle(self.host_env, host_ca)
        self.env, self.dropped = container_environment(self.host_env, self.ca)
        self.pip_cache = pip_cache
        self.images = ImageBuilder(config.cli, image_source=image_source, network=config.network)

    def notes(self) -> Iterator[str]:
        yield from self.dropped
        if self.ca is not None:
            yield f"host CA bundle {self.ca} is copied into every container"
        if self.pip_cache is not None:
            yield f"pip cache shared across cells: {self.pip_cache} (not a fresh machine: opt-in)"

    def platforms(self, matrix: Matrix) -> list[Platform]:
        return [p for p in matrix.platforms if p.kind == "container"]

    def prepare(self, platforms: Sequence[Platform]) -> None:
        self.sweep(None)
        if self.pip_cache is not None:
            # The cell's user is not the host's: let any uid write the shared cache (sticky, like /tmp).
            self.pip_cache.mkdir(parents=True, exist_ok=True)
            self.pip_cache.chmod(0o1777)
        for platform in platforms:
            self.images.ensure(platform, progress=sys.stderr)

    def finish(self, run_id: str) -> None:
        self.sweep(run_id)

    def sweep(self, run_id: str | None) -> list[str]:
        """Remove leftovers: the containers of ``run_id``, or (``None``) those of runs that are over.

        A run is over when the process that owns it (named in its run id) no longer lives on this host;
        containers of another run still going on here, or of another host sharing the engine, stay.
        """
        if self.keep:
            return []
        found = _cli(self.config, "ps", "-aq", "--filter", f"label={LABEL}", check=False).stdout.decode().split()
        if not found:
            return []
        fmt = f'{{{{.Id}}}} {{{{index .Config.Labels "{LABEL}.run"}}}} {{{{index .Config.Labels "{LABEL}.host"}}}}'
        listing = _cli(self.config, "inspect", "--format", fmt, *found, check=False).stdout.decode()
        doomed = []
        for line in listing.splitlines():
            cid, run, host = (line.split() + ["", "", ""])[:3]
            if run_id is not None:
                if run == run_id:
                    doomed.append(cid)
            elif host == socket.gethostname() and not owner_alive(run):
                doomed.append(cid)
        if doomed:
            _cli(self.config, "rm", "-f", "-v", *doomed, check=False)
        return doomed

    def create_args(self, name: str, image: str, labels: CellLabels) -> list[str]:
        args = [
            "create",
            "--name",
            name,
            "--label",
            f"{LABEL}=1",
            "--label",
            f"{LABEL}.run={labels.run_id}",
            "--label",
            f"{LABEL}.scenario={labels.scenario}",
            "--label",
            f"{LABEL}.cell={labels.cell}",
            "--label",
            f"{LABEL}.host={socket.gethostname()}",
            "--network",
            self.config.network,
            *self.config.create_args,
        ]
        if self.pip_cache is not None:
            # The one host directory ever mounted, and only when asked for with --pip-cache.
            args += ["--volume", f"{self.pip_cache}:{HOME}/.cache/pip"]
        # PID 1 only waits; the cell's bash comes through ``exec`` so it can be fed and interrupted.
        return [*args, image, "sleep", "infinity"]

    @contextmanager
    def open_cell(self, platform: Platform, labels: CellLabels) -> Iterator[Shell]:
        image = self.images.tag(platform)
        name = f"harness-{_slug(labels.scenario)}-{_slug(labels.cell)}-{secrets.token_hex(3)}"
        created = False
        try:
            _cli(self.config, *self.create_args(name, image, labels))
            created = True
            if self.ca is not None:
                # ``cp`` into a created (not yet started) container works on Docker and Podman alike.
                _cli(self.config, "cp", str(self.ca), f"{name}:{CA_IN_CONTAINER}")
            _cli(self.config, "start", name)
            env = {**self.env, **self.extra_env}
            env_args = [a for key, value in sorted(env.items()) for a in ("-e", f"{key}={value}")]
            argv = [
                self.config.cli,
                "exec",
                "-i",
                "-u",
                USER,
                "-w",
                WORKDIR,
                *env_args,
                name,
                "bash",
                "--noprofile",
                "--norc",
            ]
            with Shell(argv, interrupt=self._interrupter(name)) as shell:
                yield shell
        finally:
            # Runs on success, failure, Ctrl-C (KeyboardInterrupt) and any other BaseException alike.
            if created:
                if self.keep:
                    print(
                        f"\nkept container {name}: enter it with  {self.config.cli} exec -it -u {USER} "
                        f"-w {WORKDIR} {name} bash",
                        file=sys.stderr,
                    )
                else:
                    _cli(self.config, "rm", "-f", "-v", name, check=False, timeout=60)

    def _interrupter(self, name: str):
        def interrupt(shell: Shell, kill: bool) -> None:
            # Killing ``docker exec`` would leave its processes running inside; signal them from within:
            # ``kill -1`` reaches every process in the container but PID 1 (our ``sleep``).
            signal_name = "KILL" if kill else "INT"
            _cli(self.config, "exec", "-u", "root", name, "kill", f"-{signal_name}", "-1", check=False, timeout=30)
            if kill and shell.proc.poll() is None:
                shell.proc.kill()

        return interrupt
