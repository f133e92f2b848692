"""Snapshots of a shared prefix: a committed container image plus what its steps printed and the shell's state.

A snapshot is keyed by its root (what the engine says a cell starts from: image digest, environment,
setup, network ...) and the exact commands run since, one hash link per step: an edited command changes
the key of its step and of every step after it, never of the steps before. The image is made with the
container CLI's ``commit``; beside it a JSON record keeps every step's command, output, status and time,
the bash that restores the shell's state, and who built it.

Two stores: a run's own (``keep="run"``: images and records are removed when the run ends, and swept
like containers when the run that made them is over), and the maintainer's (``--reuse``: kept across runs,
pruned by age and size, ``nox -s clean`` removes them). Builders take a lock per key (``flock`` on a file
in the store's directory), so several xdist workers needing one prefix build it once: the first builds,
the others wait and start from it. A prefix that did not match, or left a process running, is *declined*
for the run: the cells that share it run it themselves.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import socket
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import IO

from guideproof.engines.cli import ContainerCLI
from guideproof.engines.runid import RunId
from guideproof.engines.shell import CommandResult
from guideproof.errors import EngineError

FORMAT = 1  # part of every key: bump it when what a snapshot holds or how it is restored changes
REPOSITORY = "guideproof-snapshot"
DEFAULT_MAX_AGE_DAYS = 7.0
DEFAULT_MAX_GB = 40.0  # the default matrix keeps 26.5 GB (docs/maintainers/speed.rst): warm by default
COMMIT_TIMEOUT = 600.0
# No snapshot is committed when the engine's storage has less free space than this: a full disk fails the
# cells that write to it (apt, pip), so a snapshot is never worth it. The cells then run their steps themselves.
MIN_FREE_BYTES = 10 * 10**9


def step_key(parent: str, command: str) -> str:
    """The key after one more step: a hash link from the key before it and the exact command."""
    return hashlib.sha256(f"{parent}\0{command}".encode()).hexdigest()


def root_key(material: dict[str, object]) -> str:
    """The key of no step yet: the engine's description of what a cell starts from, hashed."""
    text = json.dumps({"format": FORMAT, **material}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def tree_digest(path: Path | None) -> str | None:
    """What a directory of files copied into a cell holds: every path, mode and content, hashed."""
    if path is None:
        return None
    digest = hashlib.sha256()
    for item in sorted(path.rglob("*")):
        info = item.lstat()
        digest.update(f"{item.relative_to(path).as_posix()}\0{info.st_mode:o}\0".encode())
        if item.is_symlink():
            digest.update(os.readlink(item).encode())
        elif item.is_file():
            digest.update(item.read_bytes())
    return digest.hexdigest()


def chain(root: str, commands: Sequence[str]) -> list[str]:
    """``[root, key after step 1, key after step 2, ...]``."""
    keys = [root]
    for command in commands:
        keys.append(step_key(keys[-1], command))
    return keys


@dataclass(frozen=True)
class RecordedStep:
    """One step as it ran where the snapshot was built: the output every sharer checks."""

    command: str
    output: str  # the bytes it printed, as UTF-8 with surrogate escapes (JSON keeps them exactly)
    status: int | None
    duration_s: float
    omitted: int = 0  # bytes left out of the middle of a long output
    syntax_error: bool = False

    @classmethod
    def of(cls, command: str, got: CommandResult, duration_s: float) -> RecordedStep:
        text = got.output.decode("utf-8", "surrogateescape")
        return cls(command, text, got.status, duration_s, got.omitted, got.syntax_error)

    def result(self) -> CommandResult:
        """The step's result again, byte for byte."""
        output = self.output.encode("utf-8", "surrogateescape")
        return CommandResult(output, self.status, omitted=self.omitted, syntax_error=self.syntax_error)


@dataclass(frozen=True)
class Snapshot:
    key: str
    image: str  # the tag a cell's container starts from
    depth: int  # steps done
    steps: tuple[RecordedStep, ...]  # every step from the first, in order
    state: str  # bash that recreates the shell's state in a fresh shell
    built_by: str  # "scenario[cell]"
    run_id: str  # the run that built it
    created: float = field(default_factory=time.time)
    layer_bytes: int = 0  # what this snapshot adds on top of what it started from
    parent: str = ""  # the snapshot image it started from ("" from the platform's image, or an older record)

    def to_json(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> Snapshot:
        steps = tuple(RecordedStep(**s) for s in data["steps"])
        return cls(**{**data, "steps": steps})


class SnapshotStore:
    """Snapshot images and their records, for one run (``keep="run"``) or across runs (``keep="reuse"``)."""

    def __init__(self, cli: ContainerCLI, label: str, directory: Path, run_id: RunId, keep: str) -> None:
        self.cli = cli
        self.label = label  # the container label prefix: io.github.two-tier-guide.guideproof
        self.directory = directory
        self.run_id = run_id
        self.keep = keep

    # -- where things are ---------------------------------------------------------------------------------

    @property
    def identity(self) -> str:
        """Names this store on the image labels (two stores on one host never touch each other's images)."""
        return hashlib.sha256(str(self.directory.resolve()).encode()).hexdigest()[:16]

    def _record_path(self, key: str) -> Path:
        return self.directory / "records" / f"{key}.json"

    def _lock_path(self, key: str) -> Path:
        return self.directory / "locks" / f"{key}.lock"

    def _declined_path(self, key: str) -> Path:
        # Declining is a fact about this run (a failing mirror today), never kept for the next one.
        return run_directory(self.run_id) / "declined" / key

    def tag(self, platform: str, key: str) -> str:
        suffix = "" if self.keep == "reuse" else f"-{_tag_safe(str(self.run_id))}"
        return f"{REPOSITORY}/{_tag_safe(platform).lower()}:{key[:24]}{suffix}"

    # -- lookups ------------------------------------------------------------------------------------------

    def get(self, key: str) -> Snapshot | None:
        try:
            data = json.loads(self._record_path(key).read_text(encoding="utf-8"))
            return Snapshot.from_json(data)
        except (OSError, ValueError, TypeError, KeyError):
            return None

    def usable(self, key: str) -> Snapshot | None:
        """The snapshot for ``key`` when its record and its image are both there."""
        snapshot = self.get(key)
        if snapshot is None:
            return None
        if self.keep == "reuse" and self.cli("image", "inspect", snapshot.image, check=False).code != 0:
            self._record_path(key).unlink(missing_ok=True)  # its image was removed by hand: forget it
            return None
        return snapshot

    def declined(self, key: str) -> str | None:
        try:
            return self._declined_path(key).read_text(encoding="utf-8")
        except OSError:
            return None

    def decline(self, key: str, reason: str) -> None:
        path = self._declined_path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(reason, encoding="utf-8")

    def declines(self) -> list[str]:
        """Why this run did not share the prefixes it declined, one line each."""
        folder = run_directory(self.run_id) / "declined"
        return sorted(path.read_text(encoding="utf-8") for path in folder.glob("*")) if folder.is_dir() else []

    def not_kept(self, key: str, reason: str) -> None:
        """A snapshot for later runs (--reuse) that this run did not keep, and why (told in its summary)."""
        path = run_directory(self.run_id) / "not-kept" / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(reason, encoding="utf-8")

    def not_kept_lines(self) -> list[str]:
        folder = run_directory(self.run_id) / "not-kept"
        return sorted(path.read_text(encoding="utf-8") for path in folder.glob("*")) if folder.is_dir() else []

    def touch(self, key: str) -> None:
        """Mark ``key`` as used now (pruning removes the least recently used first)."""
        with contextlib.suppress(OSError):
            os.utime(self._record_path(key))

    def lock(self, key: str) -> Lock:
        """The lock held while ``key`` is looked up and, if missing, built: one builder per key on this host."""
        return Lock(self._lock_path(key))

    # -- making one ---------------------------------------------------------------------------------------

    def commit(self, container: str, platform: str, base_image: str, snapshot: Snapshot) -> Snapshot:
        """Commit ``container`` as ``snapshot`` (whose ``image`` is replaced by the tag made here).

        ``base_image`` is the image the container started from: the new layer holds every change since then
        (a container committed twice holds its first changes in both layers), and its size is what this
        snapshot costs on disk. Refused (EngineError) when the engine's storage is nearly full."""
        free = self.free_bytes()
        if free is not None and free < MIN_FREE_BYTES:
            raise EngineError(
                f"only {free / 1e9:.1f} GB free where the container engine keeps its images"
                f" (a snapshot needs {MIN_FREE_BYTES / 1e9:.0f} GB free)"
            )
        tag = self.tag(platform, snapshot.key)
        labels = {
            f"{self.label}.snapshot": snapshot.key,
            f"{self.label}.snapshot.depth": str(snapshot.depth),
            f"{self.label}.snapshot.keep": self.keep,
            f"{self.label}.snapshot.store": self.identity,
            f"{self.label}.run": str(self.run_id),
            f"{self.label}.host": socket.gethostname(),
        }
        changes = [a for name, value in labels.items() for a in ("--change", f"LABEL {name}={value}")]
        self.cli("commit", *changes, container, tag, timeout=COMMIT_TIMEOUT)
        size = _image_size(self.cli, tag) - _image_size(self.cli, base_image)
        parent = base_image if base_image.startswith(f"{REPOSITORY}/") else ""
        fields = {**asdict(snapshot), "image": tag, "layer_bytes": max(size, 0), "parent": parent}
        made = Snapshot(**{**fields, "steps": snapshot.steps})
        path = self._record_path(snapshot.key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(made.to_json()), encoding="utf-8")
        tmp.replace(path)
        return made

    @cached_property
    def engine_root(self) -> Path | None:
        """Where the engine keeps its images when that is on this machine (asked once), else None."""
        done = self.cli("info", "--format", "{{.DockerRootDir}}", check=False)
        root = done.output.strip() if done.code == 0 else ""
        return Path(root) if root.startswith("/") and Path(root).is_dir() else None

    def free_bytes(self) -> int | None:
        """Free space where the engine keeps its images (Docker's root directory, when it is on this
        machine); None when that is unknown (another engine, a remote daemon)."""
        if self.engine_root is None:
            return None
        stat = os.statvfs(self.engine_root)
        return stat.f_bavail * stat.f_frsize

    # -- removing them ------------------------------------------------------------------------------------

    def records(self) -> list[tuple[Snapshot, float]]:
        """Every snapshot record in the store, with when it was last used."""
        found = []
        for path in sorted((self.directory / "records").glob("*.json")):
            snapshot = self.get(path.stem)
            if snapshot is not None:
                found.append((snapshot, path.stat().st_mtime))
        return found

    def remove(self, snapshots: Sequence[Snapshot]) -> None:
        """Remove these snapshots' records and images (deepest first: a parent's layers go with its last child)."""
        for snapshot in snapshots:
            self._record_path(snapshot.key).unlink(missing_ok=True)
        tags = [s.image for s in sorted(snapshots, key=lambda s: -s.depth)]
        for start in range(0, len(tags), 50):
            self.cli("rmi", *tags[start : start + 50], check=False, timeout=300)
        _remove_dangling(self.cli, f"{self.label}.snapshot.store={self.identity}")

    def clear(self) -> int:
        """Remove every snapshot of this store, and its images whose record is gone; how many images."""
        self.remove([snapshot for snapshot, _ in self.records()])
        listing = self.cli(
            "images",
            "--filter",
            f"label={self.label}.snapshot.store={self.identity}",
            "--format",
            "{{.Repository}}:{{.Tag}}",
            check=False,
        ).output.split()
        if listing:
            self.cli("rmi", *listing, check=False, timeout=300)
        return len(listing)

    def size(self) -> tuple[int, int]:
        """How many snapshots the store keeps, and the bytes their layers take."""
        records = self.records()
        return len(records), sum(snapshot.layer_bytes for snapshot, _ in records)

    def prune(self, max_age_days: float, max_gb: float, now: float | None = None) -> list[Snapshot]:
        """Remove snapshots unused for ``max_age_days``, then the least recently used beyond ``max_gb``.

        A snapshot's image is built on the snapshot it started from: keeping it keeps its ancestors' layers
        on disk, so they are kept with it and counted against the cap (removing their tag would free
        nothing, and the store would count less than it holds)."""
        now = time.time() if now is None else now
        entries = sorted(self.records(), key=lambda e: e[1], reverse=True)  # most recently used first
        by_image = {snapshot.image: snapshot for snapshot, _ in entries}
        kept: set[str] = set()
        total = 0
        for snapshot, used in entries:
            if snapshot.key in kept:
                continue  # an ancestor of one kept already
            chain = [snapshot]
            while chain[-1].parent in by_image and by_image[chain[-1].parent].key not in kept:
                chain.append(by_image[chain[-1].parent])
            cost = sum(s.layer_bytes for s in chain)
            if now - used > max_age_days * 86400 or total + cost > max_gb * 1e9:
                continue
            kept.update(s.key for s in chain)
            total += cost
        doomed = [snapshot for snapshot, _ in entries if snapshot.key not in kept]
        if doomed:
            self.remove(doomed)
        return doomed


class Lock:
    """An exclusive ``flock`` on a file: released by the kernel if its holder dies."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: IO[str] | None = None

    def acquire(self, wait: bool = True) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        except BaseException:
            handle.close()
            raise
        self._handle = handle
        return True

    def release(self) -> None:
        if self._handle is not None:
            handle, self._handle = self._handle, None
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()


def run_directory(run_id: RunId) -> Path:
    """Where one run keeps its own snapshot records, locks and declines (removed when the run ends)."""
    return Path(os.environ.get("TMPDIR", "/tmp")) / f"guideproof-run-{_tag_safe(str(run_id))}"


def reuse_directory() -> Path:
    """The maintainer's snapshot store (``--reuse``): ``$XDG_CACHE_HOME/guideproof/snapshots``."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "guideproof" / "snapshots"


def sweep_images(cli: ContainerCLI, label: str, run_id: RunId | None) -> list[str]:
    """Remove run-scoped snapshot images: those of ``run_id``, or (``None``) those of runs that are over here.

    Like containers: a run is over when its owner process no longer lives on this host; images of a live
    run, or of another host sharing the engine, stay. Kept (``--reuse``) snapshots are left to pruning.
    """
    listing = cli(
        "images",
        "--filter",
        f"label={label}.snapshot.keep=run",
        "--format",
        "{{.Repository}}:{{.Tag}}",
        check=False,
    ).output.split()
    if not listing:
        return []
    fmt = (
        f'{{{{index .Config.Labels "{label}.run"}}}} {{{{index .Config.Labels "{label}.host"}}}} '
        f'{{{{index .Config.Labels "{label}.snapshot.depth"}}}}'
    )
    doomed: list[tuple[int, str]] = []
    for tag in listing:
        info = cli("image", "inspect", "--format", fmt, tag, check=False).output.split()
        run, host, depth = (info + ["", "", "0"])[:3]
        owner = RunId.parse(run)
        if run_id is not None:
            if run == str(run_id):
                doomed.append((int(depth or 0), tag))
        elif host == socket.gethostname() and not owner.owner_alive():
            doomed.append((int(depth or 0), tag))
            shutil.rmtree(run_directory(owner), ignore_errors=True)
    tags = [tag for _, tag in sorted(doomed, reverse=True)]
    if tags:
        cli("rmi", *tags, check=False, timeout=300)
        if run_id is not None:
            _remove_dangling(cli, f"{label}.run={run_id}")
    if run_id is not None:
        shutil.rmtree(run_directory(run_id), ignore_errors=True)
    return tags


def _remove_dangling(cli: ContainerCLI, label: str) -> None:
    """Untagged leftovers (a parent untagged while a child still needed it): removed by id."""
    found = cli("images", "-q", "--filter", "dangling=true", "--filter", f"label={label}", check=False).output.split()
    if found:
        cli("rmi", *found, check=False, timeout=300)


def _image_size(cli: ContainerCLI, image: str) -> int:
    done = cli("image", "inspect", "--format", "{{.Size}}", image, check=False)
    try:
        return int(done.output.strip())
    except ValueError:
        raise EngineError(f"cannot read the size of image {image}: {done.message}") from None


def _tag_safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text)[:80]
