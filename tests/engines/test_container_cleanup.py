"""Cleanup paths of the container engine with a fake CLI (no engine needed), as cibuildwheel tests do."""

from __future__ import annotations

import subprocess

import pytest

from guideproof.engines import cli as cli_mod
from guideproof.engines import container as mod
from guideproof.engines.base import CellLabels
from guideproof.engines.cli import ContainerCLI, Done
from guideproof.engines.container import ContainerConfig, ContainerEngine, container_environment
from guideproof.engines.layout import CA_IN_CONTAINER
from guideproof.engines.local import LocalEngine
from guideproof.engines.runid import RunId
from guideproof.matrix.model import Image, Platform

PLATFORM = Platform("debian-bookworm", "Debian 12", "debian", "container", image=Image(registry="debian:bookworm"))
LABELS = CellLabels(RunId.parse("run1"), "tier1/demo", "debian-bookworm-venv")


def fake_run(recorded: list[list[str]], outputs: dict[str, str] | None = None):
    """Stands in for ``guideproof.engines.cli.run``: records the container CLI's arguments."""

    def run(argv, **kwargs):
        recorded.append(list(argv[1:]))
        output = (outputs or {}).get(argv[1], "")
        return Done(0, output(argv[1:]) if callable(output) else output)

    return run


@pytest.fixture
def calls(monkeypatch):
    recorded: list[list[str]] = []
    monkeypatch.setattr(cli_mod, "run", fake_run(recorded))
    return recorded


def engine(**kwargs) -> ContainerEngine:
    e = ContainerEngine(ContainerConfig("docker", network="host"), host_env={}, host_ca="none", **kwargs)
    e.image_builder.tag = lambda platform: "guideproof/debian-bookworm:test"  # type: ignore[method-assign]
    return e


class Boom(BaseException):
    pass


class FakeShell:
    kept = None

    def __init__(self, *a, **k):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *a):
        return None


@pytest.mark.parametrize("exc", [KeyboardInterrupt, Boom, RuntimeError])
def test_container_removed_when_the_shell_fails_to_start(monkeypatch, calls, exc):
    def broken_shell(*args, **kwargs):
        raise exc()

    monkeypatch.setattr(mod, "Shell", broken_shell)
    with pytest.raises(exc), engine().open_cell(PLATFORM, LABELS, {}):
        pass
    assert calls[0][0] == "create"
    name = calls[0][calls[0].index("--name") + 1]
    assert calls[-1] == ["rm", "-f", "-v", name]


def test_container_removed_when_the_body_is_interrupted(monkeypatch, calls):
    monkeypatch.setattr(mod, "Shell", FakeShell)
    with pytest.raises(KeyboardInterrupt), engine().open_cell(PLATFORM, LABELS, {}):
        raise KeyboardInterrupt
    assert calls[-1][:3] == ["rm", "-f", "-v"]


def test_a_cell_that_ended_is_removed_in_the_background_and_the_run_waits_for_it(monkeypatch):
    """The worker does not wait for ``rm``: it goes on while a thread removes the container; the end of the
    run (``finish``) waits for every removal before it sweeps. A failure in a removal stops nothing."""
    import threading

    recorded: list[list[str]] = []
    release = threading.Event()
    record = fake_run(recorded)

    def slow_run(argv, **kwargs):
        if argv[1] == "rm":
            assert release.wait(10)
            if "boom" in argv[-1]:
                raise mod.EngineError("'docker rm' did not finish within 60 s")
        return record(argv, **kwargs)

    monkeypatch.setattr(cli_mod, "run", slow_run)
    monkeypatch.setattr(mod, "Shell", FakeShell)
    e = engine()
    with e.open_cell(PLATFORM, LABELS, {}):
        pass
    name = recorded[0][recorded[0].index("--name") + 1]
    assert ["rm", "-f", "-v", name] not in recorded  # the cell is over, its removal still waits
    e.removals.submit("boom")  # a removal that fails is left to the sweep
    release.set()
    e.finish(RunId.parse("run1"))
    assert ["rm", "-f", "-v", name] in recorded
    assert recorded.index(["rm", "-f", "-v", name]) < recorded.index(next(c for c in recorded if c[0] == "ps"))


def test_keep_containers_keeps_and_says_how_to_enter(monkeypatch, calls, capsys):
    monkeypatch.setattr(mod, "Shell", FakeShell)
    with engine(keep=True).open_cell(PLATFORM, LABELS, {}):
        pass
    assert not any(c[0] == "rm" for c in calls)
    assert "docker exec -it -u user -w /home/user/work guideproof-" in capsys.readouterr().err


def test_create_is_labelled_with_run_scenario_and_cell(calls):
    args = engine().create_args("n1", "img", LABELS)
    assert f"{mod.LABEL}.run=run1" in args and f"{mod.LABEL}.scenario=tier1/demo" in args
    assert f"{mod.LABEL}.cell=debian-bookworm-venv" in args
    assert args[args.index("--network") + 1] == "host"
    assert "--volume" not in args  # nothing from the host is mounted by default


def test_environment_allowlist_and_dropped_host_paths(tmp_path):
    host = {
        "PIP_INDEX_URL": "https://mirror.example/simple",
        "PIP_EXTRA_INDEX_URL": "file:///opt/pypi/simple https://extra.example/simple",
        "PIP_FIND_LINKS": "/opt/wheels",
        "https_proxy": "http://proxy.example:3128",
        "SECRET_TOKEN": "hunter2",
        "PATH": "/root/.pyenv/shims:/usr/bin",
        "HOME": "/root",
    }
    env, dropped = container_environment(host, tmp_path / "ca.crt")
    assert env["PIP_INDEX_URL"] == "https://mirror.example/simple"
    assert env["PIP_EXTRA_INDEX_URL"] == "https://extra.example/simple"
    assert "PIP_FIND_LINKS" not in env
    assert env["https_proxy"] == "http://proxy.example:3128"
    assert "SECRET_TOKEN" not in env
    assert env["HOME"] == "/home/user" and "/root" not in env["PATH"]
    assert env["PIP_CERT"] == env["SSL_CERT_FILE"] == env["REQUESTS_CA_BUNDLE"] == CA_IN_CONTAINER
    assert any("PIP_FIND_LINKS: dropped /opt/wheels" in d for d in dropped)
    assert any("file:///opt/pypi/simple" in d for d in dropped)


def test_pips_self_version_check_is_off_in_every_cell(tmp_path):
    # Its notice depends on the day's PyPI, not on the guidance: a passing cell would fail when pip releases.
    env, _ = container_environment({"PIP_DISABLE_PIP_VERSION_CHECK": "0"}, None)
    assert env["PIP_DISABLE_PIP_VERSION_CHECK"] == "1"
    local = LocalEngine(host_env={"PATH": "/usr/bin"}).environment(tmp_path, "user")
    assert local["PIP_DISABLE_PIP_VERSION_CHECK"] == "1"


def test_missing_engine_is_one_clear_error(monkeypatch):
    monkeypatch.setattr(cli_mod.shutil, "which", lambda name: None)
    problem = ContainerCLI("docker").problem()
    assert problem is not None
    assert problem.startswith("docker is not installed: install Docker") and "--engine local" in problem


def test_stopped_engine_is_one_clear_error(monkeypatch):
    monkeypatch.setattr(cli_mod.shutil, "which", lambda name: "/usr/bin/docker")

    def run(*a, **k):
        return subprocess.CompletedProcess(
            a, 1, b"", b"Cannot connect to the Docker daemon at unix:///var/run/docker.sock"
        )

    monkeypatch.setattr(cli_mod.subprocess, "run", run)
    problem = ContainerCLI("docker").problem()
    assert problem is not None
    assert "its engine does not answer (Cannot connect to the Docker daemon" in problem
    assert "dockerd" in problem


def test_start_sweep_spares_live_runs_and_other_hosts(monkeypatch):
    import os
    import socket

    here = socket.gethostname()
    listing = "\n".join(
        [
            f"aaa /guideproof-a 20261124-000000-ab12-p{os.getpid()} {here}",  # a run still going on here: spared
            f"bbb /guideproof-b 20261124-000000-cd34-p999999999 {here}",  # its owner is gone: removed
            "ccc /guideproof-c 20261124-000000-ef56-p999999999 other-host",  # another host's: spared
            f"ddd /guideproof-d-kept 20261124-000000-cd34-p999999999 {here}",  # kept (--keep-failed): spared
        ]
    )
    recorded: list[list[str]] = []
    ours = {"ps": lambda argv: "aaa bbb ccc ddd" if f"label={mod.LABEL}" in argv else "", "inspect": listing}
    monkeypatch.setattr(cli_mod, "run", fake_run(recorded, ours))
    assert engine().sweep(None) == ["bbb"]
    assert ["rm", "-f", "-v", "bbb"] in recorded
    assert engine(keep=True).sweep(None) == []


def test_the_sweep_also_removes_leftovers_under_the_old_label_by_dead_owner_only(monkeypatch):
    """Containers made before the rename carry io.github.two-tier-guide.harness: swept by the same rule (the
    owner's process is gone on this host), so a run of the old code still going on here keeps its cells."""
    import os
    import socket

    here = socket.gethostname()
    (old,) = mod.OLD_LABELS
    listing = "\n".join(
        [
            f"eee /harness-e 20261124-000000-ab12-p{os.getpid()} {here}",  # an old run still going on: spared
            f"fff /harness-f 20261124-000000-cd34-p999999999 {here}",  # an old run whose owner is gone: removed
        ]
    )
    asked: list[str] = []

    def ps(argv):
        label = next(a for a in argv if a.startswith("label="))
        asked.append(label)
        return "eee fff" if label == f"label={old}" else ""

    recorded: list[list[str]] = []
    monkeypatch.setattr(cli_mod, "run", fake_run(recorded, {"ps": ps, "inspect": listing}))
    assert engine().sweep(None) == ["fff"]
    assert ["rm", "-f", "-v", "fff"] in recorded and not any("eee" in call for call in recorded if call[0] == "rm")
    assert asked == [f"label={mod.LABEL}", f"label={old}"]
    assert any(f"label={old}.snapshot.keep=run" in call for call in recorded), "its snapshot images too"
    asked.clear()
    assert engine().sweep(RunId.parse("20261124-000000-cd34-p999999999")) == []
    assert asked == [f"label={mod.LABEL}"], "ending a run of today looks under today's label only"


def _ca_engine(tmp_path, monkeypatch, bundle: bytes) -> ContainerEngine:
    ca = tmp_path / "ca.crt"
    ca.write_bytes(bundle)
    e = ContainerEngine(ContainerConfig("docker", network="host"), host_env={}, host_ca=str(ca))
    e.image_builder.tag = lambda platform: "guideproof/debian-bookworm:test"  # type: ignore[method-assign]
    monkeypatch.setattr(mod, "Shell", FakeShell)
    return e


def test_cells_start_from_an_image_holding_the_ca_bundle(tmp_path, monkeypatch):
    """The host CA bundle is baked once into an image the cells start from: no cell copies it into its own
    container (a ``cp`` costs the daemon a helper process), and another bundle makes another image."""
    recorded: list[list[str]] = []
    exists: set[str] = set()

    def image(argv):
        if argv[1] == "inspect" and argv[2] == "--format":
            return "sha256:" + "a" * 64  # the platform image's id
        return ""

    def run(argv, **kwargs):
        args = list(argv[1:])
        recorded.append(args)
        if args[:2] == ["image", "inspect"] and args[2] != "--format":
            return Done(0 if args[2] in exists else 1, "")
        if args[0] == "commit":
            exists.add(args[-1])
        return Done(0, image(args) if args[0] == "image" else "")

    monkeypatch.setattr(cli_mod, "run", run)
    e = _ca_engine(tmp_path, monkeypatch, b"bundle one")
    with e.open_cell(PLATFORM, LABELS, {}):
        pass
    with e.open_cell(PLATFORM, LABELS, {}):
        pass
    commits = [c for c in recorded if c[0] == "commit"]
    assert len(commits) == 1, "the image is made once"
    tag = commits[0][-1]
    assert tag.startswith(f"{mod.CA_REPOSITORY}/debian-bookworm:aaaaaaaaaaaa-")
    bake = [c for c in recorded if c[0] == "cp"]
    assert len(bake) == 1 and bake[0][1] == str(tmp_path / "ca.crt") and bake[0][2].endswith(f":{CA_IN_CONTAINER}")
    creates = [c for c in recorded if c[0] == "create" and "sleep" in c]
    assert len(creates) == 2 and all(c[c.index("sleep") - 1] == tag for c in creates)
    assert e.snapshots.base_image(PLATFORM) == tag  # commits of these containers are sized against it

    (tmp_path / "two").mkdir()
    other = _ca_engine(tmp_path / "two", monkeypatch, b"bundle two")
    assert other.start_image(PLATFORM) != tag, "another bundle, another image"
    recorded.clear()
    again = _ca_engine(tmp_path, monkeypatch, b"bundle one")
    assert again.start_image(PLATFORM) == tag
    assert not any(c[0] in ("create", "commit") for c in recorded), "found by its tag in a later process"


def test_without_a_ca_bundle_cells_start_from_the_platform_image(calls, monkeypatch):
    monkeypatch.setattr(mod, "Shell", FakeShell)
    e = engine()
    with e.open_cell(PLATFORM, LABELS, {}):
        pass
    assert not any(c[0] in ("cp", "commit") for c in calls)
    create = next(c for c in calls if c[0] == "create")
    assert create[create.index("sleep") - 1] == "guideproof/debian-bookworm:test"
