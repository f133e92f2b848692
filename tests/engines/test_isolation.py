"""What a cell can reach: the network it gets, and credentials that never show on a command line or in results."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from guideproof.engines import cli as cli_mod
from guideproof.engines import container as mod
from guideproof.engines.base import CellLabels
from guideproof.engines.cli import Done
from guideproof.engines.container import ContainerConfig, ContainerEngine
from guideproof.engines.environment import mask, secrets_in
from guideproof.engines.local import LocalEngine
from guideproof.engines.runid import RunId
from guideproof.matrix.model import Image, Platform, load_matrix
from guideproof.plan.cells import cells_for
from guideproof.run.requirements import Requirements
from guideproof.run.runner import Runtime, run_cell
from guideproof.scenario.parser import load

PLATFORM = Platform("debian-bookworm", "Debian 12", "debian", "container", image=Image(registry="debian:bookworm"))
LABELS = CellLabels(RunId.parse("run1"), "tier1/demo", "debian-bookworm-venv")
INDEX = "https://ci-bot:s3cr3t-t0ken@pypi.example.org/simple"
BRIDGE = {"Name": "bridge", "IPAM": {"Config": [{"Subnet": "172.17.0.0/16", "Gateway": "172.17.0.1"}]}}


def fake_cli(monkeypatch, recorded: list[list[str]], outputs: dict[str, Done]):
    """The container CLI, answering by its first argument(s); records every call."""

    def run(argv, **kwargs):
        recorded.append(list(argv[1:]))
        key = " ".join(argv[1:3])
        return outputs.get(key) or outputs.get(argv[1]) or Done(0, "")

    monkeypatch.setattr(cli_mod, "run", run)


def engine(network: str = "auto", **host_env: str) -> ContainerEngine:
    e = ContainerEngine(ContainerConfig("docker", network=network), host_env=host_env, host_ca="none")
    e.image_builder.tag = lambda platform: "guideproof/debian-bookworm:test"  # type: ignore[method-assign]
    return e


def test_auto_network_is_the_bridge_where_the_daemon_has_one(monkeypatch):
    recorded: list[list[str]] = []
    fake_cli(monkeypatch, recorded, {"network inspect": Done(0, json.dumps(BRIDGE))})
    e = engine()
    args = e.create_args("n1", "img", LABELS)
    assert args[args.index("--network") + 1] == "bridge"
    assert e.service_address() == ("172.17.0.1", "172.17.0.1")  # the local channel listens there
    [line] = [n for n in e.notes() if n.startswith("network:")]
    assert line.startswith("network: bridge (--network auto: the engine's own bridge)")
    assert "not this machine's 127.0.0.1" in line and "172.17.0.1" in line
    assert e.image_builder.network == "bridge"


def test_auto_network_is_host_only_where_the_daemon_has_no_bridge(monkeypatch):
    recorded: list[list[str]] = []
    fake_cli(monkeypatch, recorded, {"network inspect": Done(1, "", "Error: network bridge not found")})
    e = engine()
    args = e.create_args("n1", "img", LABELS)
    assert args[args.index("--network") + 1] == "host"
    assert e.service_address() == ("127.0.0.1", "127.0.0.1")
    [line] = [n for n in e.notes() if n.startswith("network:")]
    assert "dockerd --bridge=none" in line and "reaches every service listening on it" in line
    asked = engine("host")
    assert asked.network.name == "host" and "asked for with --network" in asked.network.why


class RecordingShell:
    argv: list[str] = []
    kept = None  # never kept (--keep-failed)

    def __init__(self, argv, **kwargs):
        RecordingShell.argv = list(argv)
        env_file = Path(argv[argv.index("--env-file") + 1])
        RecordingShell.file_text = env_file.read_text()
        RecordingShell.modes = (stat.S_IMODE(env_file.stat().st_mode), stat.S_IMODE(env_file.parent.stat().st_mode))
        RecordingShell.file = env_file

    def __enter__(self):
        return self

    def __exit__(self, *a):
        return None


def test_credentials_never_reach_the_command_line(monkeypatch):
    recorded: list[list[str]] = []
    fake_cli(monkeypatch, recorded, {"network inspect": Done(1, "")})
    monkeypatch.setattr(mod, "Shell", RecordingShell)
    e = engine(PIP_INDEX_URL=INDEX, https_proxy="http://proxyuser:pr0xy-pass@proxy.example:3128")
    with e.open_cell(PLATFORM, LABELS, {"CONDA_CHANNEL": "https://conda.example"}):
        pass
    argv = " ".join(RecordingShell.argv)
    assert "s3cr3t" not in argv and "pr0xy" not in argv and " -e " not in argv  # ps shows argv to every user
    assert f"PIP_INDEX_URL={INDEX}\n" in RecordingShell.file_text
    assert "CONDA_CHANNEL=https://conda.example\n" in RecordingShell.file_text
    assert RecordingShell.modes == (0o600, 0o700)
    assert not RecordingShell.file.exists(), "the file goes with the cell"
    assert not any("s3cr3t" in " ".join(call) for call in recorded)
    assert set(e.secrets) >= {"ci-bot:s3cr3t-t0ken", "s3cr3t-t0ken", "pr0xy-pass"}
    assert not any("s3cr3t" in note for note in e.notes())


def test_secrets_and_masking():
    env = {"PIP_INDEX_URL": INDEX, "UV_INDEX": "https://tok3n-only-as-user@idx.example/simple", "LANG": "C"}
    secrets = secrets_in(env)
    text = f"Looking in indexes: {INDEX}\npassword is s3cr3t-t0ken; token tok3n-only-as-user\nLANG=C"
    masked = mask(text, secrets)
    assert "s3cr3t" not in masked and "tok3n" not in masked and "LANG=C" in masked
    assert "https://****@pypi.example.org/simple" in masked
    assert secrets_in({"PIP_INDEX_URL": "https://pypi.org/simple"}) == ()


def test_a_cell_printing_a_credential_has_it_masked_in_its_record(tmp_path):
    (tmp_path / "matrix.toml").write_text('[platforms.host]\nlabel = "h"\nkind = "host"\n')
    scenario_path = tmp_path / "leak.scenario"
    scenario_path.write_text('+++\ntitle = "leak"\n+++\n  $ echo "$PIP_INDEX_URL"\n  wrong\n')
    matrix = load_matrix(tmp_path / "matrix.toml")
    scenario = load(scenario_path, tmp_path, matrix)
    [cell] = cells_for(scenario, matrix, matrix.platforms)
    local = LocalEngine(host_env={"PATH": os.environ["PATH"], "PIP_INDEX_URL": INDEX})
    run = run_cell(scenario, cell, Runtime(matrix, local, Requirements(matrix, local, False), RunId.new()))
    record = json.dumps(run.record.to_json())
    assert run.record.outcome.value == "failed" and "s3cr3t" not in record
    assert "+https://****@pypi.example.org/simple" in run.record.detail
    [update] = run.updates
    assert "s3cr3t" not in " ".join(update.lines)


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("false 137 false", "its container stopped (exit code 137: killed by signal 9 (SIGKILL))"),
        ("false 137 true", "its container stopped (exit code 137: killed by signal 9 (SIGKILL), out of memory)"),
        ("true 0 false", None),
    ],
)
def test_a_stopped_container_is_named_as_the_reason(monkeypatch, state, expected):
    recorded: list[list[str]] = []
    fake_cli(monkeypatch, recorded, {"inspect": Done(0, state)})
    monkeypatch.setattr(mod, "STOP_POLLS", 2)
    assert engine("host")._diagnose("c1")() == expected
