"""Docker and Podman through their command-line clients: one code path, quirks commented.

One container per cell, created from the platform's image and labelled with the run, scenario and cell.
The cell's bash runs through ``<cli> exec -i`` as the unprivileged ``user`` (passwordless sudo) in an
empty ``~/work``. Nothing from the host is mounted; the host CA bundle is copied into the image cells
start from (:meth:`ContainerEngine.start_image`). The container is removed whatever happens (BaseException
and ``finally``; in the background when the cell ran to its end), unless ``--keep-containers`` says
otherwise.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
import signal
import socket
import sys
import tempfile
import time
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from guideproof.engines.base import CellLabels, Engine, EngineOption, Snapshots, copy_files
from guideproof.engines.cli import ContainerCLI
from guideproof.engines.environment import (
    BASICS,
    INDEX,
    PROXIES,
    STEADY,
    URL_OR_PATH,
    allowlisted,
    host_only_values,
    secrets_in,
)
from guideproof.engines.images import SOURCES, ImageBuilder
from guideproof.engines.layout import (
    CA_BUNDLE_VARIABLES,
    CA_IN_CONTAINER,
    CA_VARIABLES,
    CONTAINER_PATH,
    FILES_DIR,
    HOME,
    SYSTEM_CA,
    USER,
    WORKDIR,
)
from guideproof.engines.runid import RunId
from guideproof.engines.shell import KeptCell, Shell
from guideproof.engines.snapshot import (
    SnapshotStore,
    reuse_directory,
    root_key,
    run_directory,
    sweep_images,
    tree_digest,
)
from guideproof.errors import EngineError
from guideproof.matrix.model import Platform

LABEL = "io.github.two-tier-guide.guideproof"  # every container we create carries it
# The label before the project was named guideproof: the sweep removes leftovers under it too (containers and
# run-scoped snapshot images of runs whose owner is gone), once, as it does its own.
OLD_LABELS = ("io.github.two-tier-guide.harness",)
KEPT_SUFFIX = "-kept"  # a container renamed so is left for the maintainer (--keep-failed)
KEPT_RCFILE = "/tmp/guideproof-shell.sh"  # the state the shell opened in a kept container starts from
STOP_POLLS = 10  # times the state of a container whose shell died is read, 0.2 s apart


AUTO_NETWORK = "auto"
REMOVE_TIMEOUT = 60.0
# The platform's image with the host's CA bundle in it, made once per image and bundle: a cell starts from it
# instead of copying the bundle into its container. That copy cost the machine 56 ms of CPU a container (the
# daemon starts a helper process for every ``cp``), about 7 s of a cold run of the default matrix on two cores.
CA_REPOSITORY = "guideproof-ca"


class Removals:
    """Containers of cells that ended normally, removed in the background: the worker goes on to its next cell
    while the daemon deletes the last one's files. Waiting for ``rm`` was a cell's longest wait outside its
    steps: 1.6 s a cell on average in a cold run of the default matrix on two cores (179 s of the workers'
    time, sampled), while the cores idled whenever several workers changed cells at once. One thread per
    engine, so removals never pile up on the daemon; :meth:`drain` waits for them (the end of a run, and the
    interpreter's exit). A cell stopped by an error or an interrupt removes its container before the error
    goes on; a cell whose steps failed their checks ended normally."""

    def __init__(self, cli: ContainerCLI) -> None:
        self.cli = cli
        self._pool: ThreadPoolExecutor | None = None
        self._pending: list[Future[object]] = []

    def submit(self, name: str) -> None:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="guideproof-rm")
        self._pending = [f for f in self._pending if not f.done()]
        self._pending.append(self._pool.submit(self.cli, "rm", "-f", "-v", name, check=False, timeout=REMOVE_TIMEOUT))

    def drain(self) -> None:
        pending, self._pending = self._pending, []
        for future in pending:
            with suppress(Exception):  # a timed-out removal is left to the run's sweep, as a crash's would be
                future.result()


@dataclass(frozen=True)
class ContainerConfig:
    cli: str  # "docker" or "podman": same arguments, same code path
    network: str = AUTO_NETWORK  # auto: the engine's own bridge where the daemon has one, else host
    create_args: tuple[str, ...] = ()


@dataclass(frozen=True)
class Network:
    """The network cells get, and what it means for them (said in the run's header)."""

    name: str
    gateway: str | None = None  # where a cell reaches this machine on a bridge (the run's own servers)
    why: str = ""

    @property
    def host(self) -> bool:
        return self.name == "host"

    def describe(self) -> str:
        if self.host:
            return (
                f"network: host ({self.why}): a cell shares this machine's network and reaches every service "
                "listening on it, 127.0.0.1 included"
            )
        reach = f"; this machine is {self.gateway} there" if self.gateway else ""
        return (
            f"network: {self.name} ({self.why}): a cell has a network of its own and reaches the internet "
            f"through NAT, not this machine's 127.0.0.1{reach}"
        )


def choose_network(cli: ContainerCLI, asked: str) -> Network:
    """``--network auto``: the engine's own bridge where the daemon has one, ``host`` where it has none."""
    if asked != AUTO_NETWORK:
        bridge = cli.bridge() if asked in ("bridge", "podman") else None
        return Network(asked, bridge[1] if bridge else None, "asked for with --network")
    bridge = cli.bridge()
    if bridge is None:
        return Network("host", None, "--network auto: the daemon has no bridge network, e.g. dockerd --bridge=none")
    return Network(bridge[0], bridge[1], "--network auto: the engine's own bridge")


def host_ca_bundle(env: Mapping[str, str], choice: str | None) -> Path | None:
    """The CA bundle to copy into containers: ``--host-ca PATH``, none, or the host's own."""
    if choice == "none":
        return None
    if choice:
        path = Path(choice)
        if not path.is_file():
            raise EngineError(f"--host-ca {choice}: no such file")
        return path
    for name in CA_BUNDLE_VARIABLES:
        if env.get(name) and Path(env[name]).is_file():
            return Path(env[name])
    return Path(SYSTEM_CA) if Path(SYSTEM_CA).is_file() else None


def container_environment(host: Mapping[str, str], ca: Path | None) -> tuple[dict[str, str], list[str]]:
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


def _slug(text: str) -> str:
    return re.sub(r"[^a-zA-Z0-9_.-]+", "-", text).strip("-")[:60]


class ContainerEngine(Engine):
    """A new container per cell, on Docker or Podman (``config.cli``)."""

    platform_kind = "container"
    can_root = True  # ``user`` has passwordless sudo inside its own container
    options = (
        EngineOption(
            "--network",
            "container network: auto (the engine's own bridge where the daemon has one, else host), host, "
            "or a network name (default: auto)",
            default=AUTO_NETWORK,
            images=True,
        ),
        EngineOption(
            "--keep-containers", "keep each cell's container after it ran, and print how to enter it", switch=True
        ),
        EngineOption(
            "--image-source",
            "how platform images are made (auto: registry, falling back to debootstrap)",
            default="auto",
            choices=SOURCES,
            images=True,
        ),
        EngineOption(
            "--host-ca",
            "CA bundle copied into containers (default: the host's; 'none' copies nothing)",
            metavar="PATH|none",
        ),
        EngineOption(
            "--pip-cache",
            "share this pip cache across cells (opt-in: the default run behaves like a new machine)",
            metavar="DIR",
        ),
    )

    def __init__(
        self,
        config: ContainerConfig,
        *,
        keep: bool = False,
        image_source: str = "auto",
        host_ca: str | None = None,
        pip_cache: Path | None = None,
        host_env: Mapping[str, str] | None = None,
    ) -> None:
        self.config = config
        self.name = config.cli
        self.cli = ContainerCLI(config.cli)
        self.keep = keep
        self.host_env = dict(os.environ if host_env is None else host_env)
        self.ca = host_ca_bundle(self.host_env, host_ca)
        # The bundle's sha256, read once: in snapshot keys and in the tag of the image cells start from.
        self.ca_digest = hashlib.sha256(self.ca.read_bytes()).hexdigest() if self.ca is not None else None
        self.env, self.dropped = container_environment(self.host_env, self.ca)
        self.secrets = secrets_in(self.env)
        self.pip_cache = pip_cache
        self._network: Network | None = None
        self.image_builder: ImageBuilder = ImageBuilder(
            self.cli, image_source=image_source, network=lambda: self.network.name
        )
        self.snapshots: ContainerSnapshots = ContainerSnapshots(self)
        self.removals = Removals(self.cli)
        self._start_images: dict[str, str] = {}  # platform image -> the image its cells start from
        self._image_ids: dict[str, str] = {}  # platform image -> its id, asked once

    @property
    def network(self) -> Network:
        """Chosen once, when first needed (``auto`` asks the daemon)."""
        if self._network is None:
            self._network = choose_network(self.cli, self.config.network)
        return self._network

    def service_address(self) -> tuple[str, str]:
        if self.network.host or not self.network.gateway:
            return super().service_address()
        return self.network.gateway, self.network.gateway

    @classmethod
    def from_options(cls, name: str, values: Mapping[str, Any]) -> ContainerEngine:
        cache = values.get("pip_cache")
        return cls(
            ContainerConfig(cli=name, network=values.get("network") or AUTO_NETWORK),
            keep=bool(values.get("keep_containers")),
            image_source=values.get("image_source") or "auto",
            host_ca=values.get("host_ca"),
            pip_cache=Path(cache).resolve() if cache else None,
        )

    def notes(self) -> Iterator[str]:
        yield self.network.describe()
        yield from self.dropped
        if self.ca is not None:
            yield f"host CA bundle {self.ca} is in every container (copied once into the image cells start from)"
        if self.pip_cache is not None:
            yield f"pip cache shared across cells: {self.pip_cache} (not a fresh machine: opt-in)"

    def prepare(self, platforms: Sequence[Platform]) -> None:
        self.sweep(None)
        if self.pip_cache is not None:
            # The cell's user is not the host's: let any uid write the shared cache (sticky, like /tmp).
            self.pip_cache.mkdir(parents=True, exist_ok=True)
            self.pip_cache.chmod(0o1777)
        for platform in platforms:
            self.image_builder.ensure(platform, progress=sys.stderr)
            self.start_image(platform)

    def start_image(self, platform: Platform) -> str:
        """The image a cell of ``platform`` starts from without a snapshot: the platform's, with the host CA
        bundle at its place in the container when there is one (made here the first time, then found by tag:
        the tag names the platform image's id and the bundle's digest)."""
        image = self.image_builder.tag(platform)
        if self.ca_digest is None:
            return image
        found = self._start_images.get(image)
        if found is None:
            image_id = self.image_id(image)
            found = f"{CA_REPOSITORY}/{platform.name}:{image_id.split(':')[-1][:12]}-{self.ca_digest[:12]}"
            if not self.image_builder.exists(found):
                self._bake_ca(image, found)
            self._start_images[image] = found
        return found

    def image_id(self, image: str) -> str:
        """The id of a platform image (what snapshot keys and the start image's tag name it by), asked once."""
        if image not in self._image_ids:
            self._image_ids[image] = self.cli("image", "inspect", "--format", "{{.Id}}", image).output.strip()
        return self._image_ids[image]

    def _bake_ca(self, image: str, tag: str) -> None:
        """``tag``: ``image`` with the host CA bundle copied in (a container created, never started, committed).
        Two processes making it at once make the same image; the tag names one of them."""
        name = f"guideproof-ca-{os.getpid()}-{secrets.token_hex(3)}"
        labels = ["--label", f"{LABEL}=1", "--label", f"{LABEL}.host={socket.gethostname()}"]
        try:
            self.cli("create", "--name", name, *labels, "--label", f"{LABEL}.run={RunId.new()}", image)
            self.cli("cp", str(self.ca), f"{name}:{CA_IN_CONTAINER}")
            self.cli("commit", "--change", f"LABEL {LABEL}.ca=1", name, tag)
        finally:
            self.cli("rm", "-f", "-v", name, check=False, timeout=REMOVE_TIMEOUT)

    def finish(self, run_id: RunId) -> None:
        self.removals.drain()
        self.sweep(run_id)

    def sweep(self, run_id: RunId | None) -> list[str]:
        """Remove leftovers: the containers of ``run_id``, or (``None``) those of runs that are over.

        A run is over when the process that owns it (named in its run id) no longer lives on this host;
        containers of another run still going on here, or of another host sharing the engine, stay.
        """
        if self.keep:
            return []
        labels = (LABEL,) if run_id is not None else (LABEL, *OLD_LABELS)  # a run of today has today's label
        return [cid for label in labels for cid in self._sweep(label, run_id)]

    def _sweep(self, label: str, run_id: RunId | None) -> list[str]:
        found = self.cli("ps", "-aq", "--filter", f"label={label}", check=False).output.split()
        if not found:
            sweep_images(self.cli, label, run_id)  # the run's snapshots go after its containers
            return []
        fmt = (
            f'{{{{.Id}}}} {{{{.Name}}}} {{{{index .Config.Labels "{label}.run"}}}}'
            f' {{{{index .Config.Labels "{label}.host"}}}}'
        )
        listing = self.cli("inspect", "--format", fmt, *found, check=False).output
        doomed = []
        for line in listing.splitlines():
            cid, name, run, host = (line.split() + ["", "", "", ""])[:4]
            if name.endswith(KEPT_SUFFIX):
                continue  # kept for the maintainer to look inside (--keep-failed): theirs to remove
            if run_id is not None:
                if run == str(run_id):
                    doomed.append(cid)
            elif host == socket.gethostname() and not RunId.parse(run).owner_alive():
                doomed.append(cid)
        if doomed:
            self.cli("rm", "-f", "-v", *doomed, check=False)
        sweep_images(self.cli, label, run_id)  # the run's snapshots go after its containers
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
            self.network.name,
            *self.config.create_args,
        ]
        if self.pip_cache is not None:
            # The one host directory ever mounted, and only when asked for with --pip-cache.
            args += ["--volume", f"{self.pip_cache}:{HOME}/.cache/pip"]
        # PID 1 only waits; the cell's bash comes through ``exec`` so it can be fed and interrupted.
        return [*args, image, "sleep", "infinity"]

    def exec_argv(self, name: str, env_file: Path) -> list[str]:
        """``<cli> exec -i`` into the container, as ``user`` in the empty work directory, with the variables of
        ``env_file`` only: never on the command line, where every user of the host could read them (``ps``)."""
        return [
            self.config.cli,
            "exec",
            "-i",
            "-u",
            USER,
            "-w",
            WORKDIR,
            "--env-file",
            str(env_file),
            name,
            "bash",
            "--noprofile",
            "--norc",
        ]

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
        image = start or self.start_image(platform)
        name = f"guideproof-{_slug(labels.scenario)}-{_slug(labels.cell)}-{secrets.token_hex(3)}"
        created = False
        ended = False  # the cell's body returned: its container may go in the background
        shell: Shell | None = None
        private = Path(tempfile.mkdtemp(prefix="guideproof-env-"))  # mode 0700: ours alone
        try:
            self.cli(*self.create_args(name, image, labels))
            created = True
            # The host CA bundle is in the image already (:meth:`start_image`; a snapshot's image is committed
            # from such a container). ``cp`` into a created (not yet started) container works on Docker and
            # Podman alike.
            if files is not None:
                self.cli("cp", f"{files}/.", f"{name}:{WORKDIR}")
            if builds:
                # A directory copied to a path that does not exist yet becomes that path, contents and modes.
                self.cli("cp", copy_files(builds, private / "builds"), f"{name}:{FILES_DIR}")
            self.cli("start", name)
            if files is not None:  # cp makes root the owner of what it copies
                self.cli("exec", "-u", "root", name, "chown", "-R", f"{USER}:{USER}", WORKDIR)
            env_file = write_env_file(private / "env", {**self.env, **env})
            shell = Shell(
                self.exec_argv(name, env_file),
                interrupt=self._interrupter(name),
                diagnose=self._diagnose(name),
                keeper=lambda rcfile: self._keep(name, rcfile),
            )
            shell.files_dir = FILES_DIR if builds else ""
            with shell:
                self.snapshots.names[shell] = name
                yield shell
            ended = True
        finally:
            shutil.rmtree(private, ignore_errors=True)
            # Runs on success, failure, Ctrl-C (KeyboardInterrupt) and any other BaseException alike.
            if shell is not None and shell.kept is not None:
                # --keep-failed / nox -s shell: renamed only now, so the cell's own closures kept their name.
                self.cli("rename", name, f"{name}{KEPT_SUFFIX}", check=False)
            elif not self.keep and ended:
                self.removals.submit(name)
            elif not self.keep:
                # Also when ``create`` did not return: interrupted, it may still have made the container.
                self.cli("rm", "-f", "-v", name, check=False, timeout=REMOVE_TIMEOUT)
            elif created:
                print(
                    f"\nkept container {name}: enter it with  {self.config.cli} exec -it -u {USER} "
                    f"-w {WORKDIR} {name} bash",
                    file=sys.stderr,
                )

    def _keep(self, name: str, rcfile: str) -> KeptCell:
        """Put ``rcfile`` in the container for the shell opened there (``docker exec -it`` as the cell's user, in
        its work directory); the container is renamed ``*-kept`` when the cell ends, and sweeps leave it."""
        self.cli(
            "exec",
            "-i",
            "-u",
            "root",
            name,
            "sh",
            "-c",
            f"cat > {KEPT_RCFILE} && chmod 644 {KEPT_RCFILE}",
            input=rcfile.encode("utf-8", "surrogateescape"),
        )
        kept = f"{name}{KEPT_SUFFIX}"
        enter = ("-u", USER, "-w", WORKDIR, kept, "bash", "--rcfile", KEPT_RCFILE, "-i")
        return KeptCell(
            (self.config.cli, "exec", "-it", *enter),
            (self.config.cli, "rm", "-f", "-v", kept),
            pipe_argv=(self.config.cli, "exec", "-i", *enter),
        )

    def _interrupter(self, name: str) -> Callable[[Shell, bool], None]:
        def interrupt(shell: Shell, kill: bool) -> None:
            # Killing ``docker exec`` would leave its processes running inside; signal them from within:
            # ``kill -1`` reaches every process in the container but PID 1 (our ``sleep``). bash's builtin:
            # the images have no kill program (procps is not installed).
            signal_name = "KILL" if kill else "INT"
            self.cli("exec", "-u", "root", name, "bash", "-c", f"kill -{signal_name} -1", check=False, timeout=30)
            if kill and shell.proc.poll() is None:
                shell.proc.kill()

        return interrupt

    def _diagnose(self, name: str) -> Callable[[], str | None]:
        def diagnose() -> str | None:
            """Why the shell died, when its container is the reason: it stopped (killed, out of memory, a
            daemon restart). None when the container still runs: the shell alone ended."""
            fmt = "{{.State.Running}} {{.State.ExitCode}} {{.State.OOMKilled}}"
            for _ in range(STOP_POLLS):  # ``docker exec`` can end a moment before the daemon marks the stop
                done = self.cli("inspect", "--format", fmt, name, check=False, timeout=30)
                if done.code != 0:
                    return "its container is gone"
                running, code, oom = (done.output.split() + ["", "", ""])[:3]
                if running != "true":
                    break
                time.sleep(0.2)
            else:
                return None
            how = f"exit code {code}"
            if code.isdigit() and 128 < int(code) < 128 + 65:
                number = int(code) - 128
                with suppress(ValueError):
                    how += f": killed by signal {number} ({signal.Signals(number).name})"
            return f"its container stopped ({how}{', out of memory' if oom == 'true' else ''})"

        return diagnose


def write_env_file(path: Path, env: Mapping[str, str]) -> Path:
    """The cell's variables as ``--env-file`` reads them, in a file only this user can read (0600)."""
    lines = []
    for key, value in sorted(env.items()):
        if "\n" in value or "\r" in value:
            raise EngineError(f"{key} holds a line break: it cannot be passed to a container")
        lines.append(f"{key}={value}\n")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.writelines(lines)
    return path


class ContainerSnapshots(Snapshots):
    """Snapshots of a container engine: ``commit`` the cell's container, start later cells from the image."""

    def __init__(self, engine: ContainerEngine) -> None:
        self.engine = engine
        self.names: weakref.WeakKeyDictionary[Shell, str] = weakref.WeakKeyDictionary()

    def root(self, platform: Platform, env: Mapping[str, str], setup: str, files: Path | None) -> str:
        engine = self.engine
        image = engine.image_builder.tag(platform)  # the platform image; the bundle has a field of its own
        return root_key(
            {
                "engine": engine.config.cli,
                "image": engine.image_id(image),
                "env": sorted({**engine.env, **env}.items()),
                "ca": engine.ca_digest,
                "network": engine.network.name,
                "create_args": list(engine.config.create_args),
                "pip_cache": str(engine.pip_cache) if engine.pip_cache else None,
                "user": USER,
                "workdir": WORKDIR,
                "setup": setup,
                "files": tree_digest(files),
            }
        )

    def base_image(self, platform: Platform) -> str:
        return self.engine.start_image(platform)

    def container_of(self, shell: Shell) -> str:
        return self.names[shell]

    def store(self, run_id: RunId, reuse: bool) -> SnapshotStore:
        directory = reuse_directory() if reuse else run_directory(run_id)
        return SnapshotStore(self.engine.cli, LABEL, directory, run_id, "reuse" if reuse else "run")
