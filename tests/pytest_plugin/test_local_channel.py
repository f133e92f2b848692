"""The pytest half of the local channel: the requirement it answers and the cells' environment."""

from __future__ import annotations

from pathlib import Path

from guideproof.matrix.model import load_matrix
from guideproof.pytest_plugin.channel import LOCAL_PROBE, REQUIRED_FOR, LocalChannel, cell_environment
from guideproof.run.requirements import Requirements
from guideproof.run.runner import variables_for

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


def test_local_channel_reaches_only_the_cells_that_require_it() -> None:
    """A served channel's URL stays out of other cells (and so out of their snapshot keys, with --reuse)."""
    env = cell_environment("https://example.invalid/ch", LocalChannel(url="http://127.0.0.1:9/abc"))
    needing = type("S", (), {"requires": ("local-channel", "pypi")})()
    other = type("S", (), {"requires": ("pypi",)})()
    assert variables_for(needing, env, REQUIRED_FOR) == env  # type: ignore[arg-type]
    assert variables_for(other, env, REQUIRED_FOR) == {"CONDA_CHANNEL": "https://example.invalid/ch"}  # type: ignore[arg-type]
