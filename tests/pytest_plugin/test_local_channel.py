"""The pytest half of the local channel: the requirement it answers and the cells' environment."""

from __future__ import annotations

from pathlib import Path

from guideproof.matrix.model import load_matrix
from guideproof.pytest_plugin.channel import LOCAL_PROBE, LocalChannel, cell_environment
from guideproof.run.requirements import Requirements

ROOT = Path(__file__).resolve().parents[2]


def test_requirement_met_only_when_served_even_offline() -> None:
    matrix = load_matrix(ROOT / "scenarios" / "matrix.toml")
    engine = type("E", (), {"can_root": True, "name": "docker"})()
    served = Requirements(matrix, engine, offline=True, local=LocalChannel(url="http://127.0.0.1:1").probes)  # type: ignore[arg-type]
    assert served.unmet(["local-channel"]) is None
    missing = LocalChannel(reason="needs local-channel: no local channel at build/channel (nox -s channel)")
    unserved = Requirements(matrix, engine, offline=False, local=missing.probes)  # type: ignore[arg-type]
    assert "nox -s channel" in (unserved.unmet(["local-channel"]) or "")
    assert LOCAL_PROBE in missing.probes


def test_conda_channel_and_local_channel_reach_the_cell_environment() -> None:
    env = cell_environment("https://example.invalid/ch", LocalChannel(url="http://127.0.0.1:9"))
    assert env == {"CONDA_CHANNEL": "https://example.invalid/ch", "LOCAL_CHANNEL": "http://127.0.0.1:9"}
    assert "LOCAL_CHANNEL" not in cell_environment("u", LocalChannel(reason="not built"))
