"""What the pytest plugin needs for conda scenarios: options, the channel server, and the cell environment."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from guideproof.channel.serve import ChannelServer, channel_problem

DEFAULT_CONDA_CHANNEL = "https://conda.anaconda.org/conda-forge"
DEFAULT_CHANNEL_DIR = "build/channel"
LOCAL_REQUIREMENT = "local-channel"
LOCAL_PROBE = "local:channel"  # the probe of [requirements.local-channel] in matrix.toml


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("scenarios")
    group.addoption(
        "--conda-channel",
        default=DEFAULT_CONDA_CHANNEL,
        metavar="URL",
        help=f"the conda channel conda scenarios use, as $CONDA_CHANNEL in cells (default {DEFAULT_CONDA_CHANNEL})",
    )
    group.addoption(
        "--local-channel-dir",
        default=DEFAULT_CHANNEL_DIR,
        metavar="DIR",
        help=f"the built channel (nox -s channel), served to cells as $LOCAL_CHANNEL (default {DEFAULT_CHANNEL_DIR})",
    )


def requires_local_channel(path: Path) -> bool:
    """Does this scenario's header list ``local-channel`` in ``requires``? (Bad headers: collection says why.)"""
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines or lines[0].rstrip() != "+++":
        return False
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() == "+++"), None)
    if end is None:
        return False
    try:
        header = tomllib.loads("\n".join(lines[1:end]))
    except tomllib.TOMLDecodeError:
        return False
    return LOCAL_REQUIREMENT in header.get("requires", [])


def scenario_files(args: Iterable[str], base: Path) -> list[Path]:
    found: list[Path] = []
    for arg in args:
        path = Path(base, arg.split("::")[0])
        if path.is_file() and path.suffix == ".scenario":
            found.append(path)
        elif path.is_dir():
            found.extend(sorted(path.rglob("*.scenario")))
    return found


@dataclass
class LocalChannel:
    """The local channel of one run: its URL when served, else why not."""

    url: str | None = None
    reason: str | None = None
    server: ChannelServer | None = field(default=None, repr=False)

    @property
    def probes(self) -> dict[str, str | None]:
        return {LOCAL_PROBE: None if self.url else self.reason or "the local channel is not served in this run"}

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None


def start_local_channel(config: pytest.Config) -> LocalChannel:
    """Serve the built channel when a collected scenario requires it (controller only)."""
    base = config.invocation_params.dir
    if not any(requires_local_channel(p) for p in scenario_files(config.args, base)):
        return LocalChannel(reason="no scenario of this run requires the local channel")
    directory = Path(base, config.getoption("local_channel_dir"))
    problem = channel_problem(directory)
    if problem:
        return LocalChannel(reason=f"needs {LOCAL_REQUIREMENT}: {problem}")
    server = ChannelServer(directory).start()
    config.add_cleanup(server.stop)
    return LocalChannel(url=server.url, server=server)


def cell_environment(conda_channel: str, local: LocalChannel) -> dict[str, str]:
    env = {"CONDA_CHANNEL": conda_channel}
    if local.url:
        env["LOCAL_CHANNEL"] = local.url
    return env
