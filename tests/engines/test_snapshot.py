"""The snapshot store without Docker: keys, records, locks, pruning (the container CLI is a fake)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from guideproof.engines.cli import Done
from guideproof.engines.runid import RunId
from guideproof.engines.snapshot import Lock, RecordedStep, Snapshot, SnapshotStore, chain, root_key, step_key
from guideproof.errors import EngineError

LABEL = "io.github.two-tier-guide.guideproof"


class FakeCLI:
    """Records the container commands; images have the sizes in ``sizes``."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, ...]] = []
        self.sizes: dict[str, int] = {"base": 100}

    def __call__(self, *args: str, **_: object) -> Done:
        self.calls.append(args)
        if args[0] == "commit":
            self.sizes[args[-1]] = 100 + 50 * len(self.sizes)
        if args[:2] == ("image", "inspect"):
            size = self.sizes.get(args[-1])
            return Done(0 if size is not None else 1, str(size) if size is not None else "")
        return Done(0, "")


def _store(tmp_path: Path, keep: str = "reuse") -> tuple[SnapshotStore, FakeCLI]:
    cli = FakeCLI()
    return SnapshotStore(cli, LABEL, tmp_path / "store", RunId("20261126-000000-abcd", os.getpid()), keep), cli  # type: ignore[arg-type]


def _snapshot(key: str, depth: int = 1) -> Snapshot:
    steps = tuple(RecordedStep(f"echo {n}", f"{n}\n", 0, 0.5) for n in range(depth))
    return Snapshot(key, "", depth, steps, "cd /", "s[c]", "run")


def test_an_edited_command_changes_its_key_and_every_later_one_never_an_earlier_one():
    root = root_key({"image": "sha256:1", "env": [["A", "1"]]})
    before = chain(root, ["a", "b", "c"])
    after = chain(root, ["a", "B", "c"])
    assert before[:2] == after[:2]
    assert before[2] != after[2] and before[3] != after[3]
    assert step_key(before[1], "b") == before[2]


def test_the_root_depends_on_everything_that_reaches_the_cell():
    base = {"image": "sha256:1", "env": [["A", "1"]], "setup": ""}
    assert root_key(base) == root_key(dict(base))
    assert root_key(base) != root_key({**base, "image": "sha256:2"})
    assert root_key(base) != root_key({**base, "env": [["A", "2"]]})
    assert root_key(base) != root_key({**base, "setup": "export PIP_CONSTRAINT=x"})


def test_a_committed_snapshot_is_found_again_with_its_steps(tmp_path):
    store, cli = _store(tmp_path)
    assert store.usable("k" * 64) is None
    made = store.commit("cell-1", "debian-bookworm", "base", _snapshot("k" * 64, depth=2))
    assert made.image.startswith("guideproof-snapshot/debian-bookworm:kkkk")
    assert made.layer_bytes == 50
    again = store.usable("k" * 64)
    assert again is not None and again.steps == made.steps and again.image == made.image
    commit = next(call for call in cli.calls if call[0] == "commit")
    assert f"LABEL {LABEL}.snapshot.keep=reuse" in commit and f"LABEL {LABEL}.snapshot={'k' * 64}" in commit


def test_a_run_scoped_tag_names_the_run(tmp_path):
    store, _ = _store(tmp_path, keep="run")
    assert store.tag("debian-bookworm", "k" * 64).endswith("-20261126-000000-abcd-p" + str(os.getpid()))


def test_a_record_whose_image_is_gone_is_forgotten(tmp_path):
    store, cli = _store(tmp_path)
    made = store.commit("cell-1", "debian-bookworm", "base", _snapshot("k" * 64))
    del cli.sizes[made.image]  # removed by hand
    assert store.usable("k" * 64) is None
    assert store.get("k" * 64) is None


def test_prune_removes_the_old_then_the_least_recently_used_beyond_the_cap(tmp_path):
    store, cli = _store(tmp_path)
    now = time.time()
    for n, (age_days, key) in enumerate([(10, "a"), (2, "b"), (1, "c"), (0, "d")]):
        store.commit(f"cell-{n}", "debian-bookworm", "base", _snapshot(key * 64))
        used = now - age_days * 86400
        os.utime(tmp_path / "store" / "records" / f"{key * 64}.json", (used, used))
    sizes = {s.key[0]: s.layer_bytes for s, _ in store.records()}
    cap = (sizes["d"] + sizes["c"] + 1) / 1e9  # room for the two most recently used
    gone = store.prune(max_age_days=7, max_gb=cap, now=now)
    assert sorted(s.key[0] for s in gone) == ["a", "b"]
    assert sorted(s.key[0] for s, _ in store.records()) == ["c", "d"]
    removed = [call for call in cli.calls if call[0] == "rmi"]
    assert removed and all(tag.startswith("guideproof-snapshot/") for call in removed for tag in call[1:])


def _aged(tmp_path: Path, snapshot: Snapshot, days: float, now: float) -> None:
    used = now - days * 86400
    os.utime(tmp_path / "store" / "records" / f"{snapshot.key}.json", (used, used))


@pytest.mark.parametrize("room", ["child and parent", "the child's own layer"])
def test_prune_keeps_a_kept_snapshot_with_the_layers_it_is_built_on(tmp_path, room):
    """A snapshot committed from another one's container is built on it: its parent's layers stay on disk
    while it is kept, so the parent is kept with it (however old) and counted against the cap."""
    store, cli = _store(tmp_path)
    now = time.time()
    parent = store.commit("cell-1", "debian-bookworm", "base", _snapshot("p" * 64))
    child = store.commit("cell-2", "debian-bookworm", parent.image, _snapshot("c" * 64, depth=2))
    assert child.parent == parent.image and parent.parent == ""
    _aged(tmp_path, parent, 10, now)  # unused for longer than the age limit
    _aged(tmp_path, child, 0, now)
    both = parent.layer_bytes + child.layer_bytes
    cap = both if room == "child and parent" else child.layer_bytes
    gone = store.prune(max_age_days=7, max_gb=cap / 1e9, now=now)
    if room == "child and parent":
        assert gone == [] and store.size() == (2, both)
    else:  # the child alone does not fit: keeping it would keep its parent's layers too
        assert sorted(s.key[0] for s in gone) == ["c", "p"] and store.size() == (0, 0)


def test_declines_belong_to_the_run(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    store, _ = _store(tmp_path)
    assert store.declined("k") is None
    store.decline("k", "s[c], after step 2: a process left running: sleep (pid 7)")
    assert store.declined("k") == "s[c], after step 2: a process left running: sleep (pid 7)"
    assert store.declines() == ["s[c], after step 2: a process left running: sleep (pid 7)"]


def test_one_holder_per_lock(tmp_path):
    first, second = Lock(tmp_path / "k.lock"), Lock(tmp_path / "k.lock")
    assert first.acquire()
    assert not second.acquire(wait=False)
    first.release()
    assert second.acquire(wait=False)
    second.release()


@pytest.mark.parametrize("keep", ["run", "reuse"])
def test_clear_removes_every_record(tmp_path, keep):
    store, _ = _store(tmp_path, keep)
    store.commit("cell", "debian-bookworm", "base", _snapshot("k" * 64))
    store.clear()
    assert store.records() == []


def test_sweep_removes_the_snapshots_of_runs_that_are_over_here_only():
    import socket

    from guideproof.engines.snapshot import sweep_images

    here = socket.gethostname()
    owners = {
        "guideproof-snapshot/d:live": f"20261124-000000-ab12-p{os.getpid()} {here} 1",  # a run going on: spared
        "guideproof-snapshot/d:gone1": f"20261124-000000-cd34-p999999999 {here} 1",  # its owner is gone: removed
        "guideproof-snapshot/d:gone2": f"20261124-000000-cd34-p999999999 {here} 2",  # ... deepest first
        "guideproof-snapshot/d:other": "20261124-000000-ef56-p999999999 other-host 1",  # another host's: spared
    }

    class Listing(FakeCLI):
        def __call__(self, *args: str, **_: object) -> Done:
            self.calls.append(args)
            if args[0] == "images" and "dangling=true" not in args:
                return Done(0, "\n".join(owners))
            if args[:2] == ("image", "inspect"):
                return Done(0, owners[args[-1]])
            return Done(0, "")

    cli = Listing()
    assert sweep_images(cli, LABEL, None) == ["guideproof-snapshot/d:gone2", "guideproof-snapshot/d:gone1"]  # type: ignore[arg-type]
    assert ("rmi", "guideproof-snapshot/d:gone2", "guideproof-snapshot/d:gone1") in cli.calls


@pytest.mark.parametrize(("free_gb", "made"), [(3, False), (50, True)])
def test_no_snapshot_when_the_engine_disk_is_nearly_full(tmp_path, monkeypatch, free_gb, made):
    """A full disk fails the cells that write to it: below MIN_FREE_BYTES no commit is even tried."""
    from guideproof.engines import snapshot as module

    class WithRoot(FakeCLI):
        def __call__(self, *args: str, **kw: object) -> Done:
            if args[0] == "info":
                self.calls.append(args)
                return Done(0, f"{tmp_path}\n")
            return super().__call__(*args, **kw)

    class Stat:
        f_bavail, f_frsize = free_gb * 10**9 // 4096, 4096

    monkeypatch.setattr(module.os, "statvfs", lambda path: Stat())
    store = SnapshotStore(WithRoot(), LABEL, tmp_path / "store", RunId("20261126-000000-abcd", os.getpid()), "run")  # type: ignore[arg-type]
    if made:
        assert store.commit("cell-1", "debian-bookworm", "base", _snapshot("k" * 64)).layer_bytes == 50
    else:
        with pytest.raises(EngineError, match=r"only 3\.0 GB free where the container engine keeps its images"):
            store.commit("cell-1", "debian-bookworm", "base", _snapshot("k" * 64))
        assert not any(call[0] == "commit" for call in store.cli.calls)
