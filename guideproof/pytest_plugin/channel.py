"""The pytest half of the local conda channel: its options, serving it for a run, and the cell environment.

The channel is built by ``nox -s channel`` (:mod:`guideproof.channel.build`, no pytest); a run serves it
only when one of its scenarios requires ``local-channel``, and hands its URL to cells as ``$LOCAL_CHANNEL``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

from guideproof import cellvars
from guideproof.channel.serve import ChannelServer, channel_problem, shown_path
from guideproof.scenario.model import Scenario

DEFAULT_CONDA_CHANNEL = "https://conda.anaconda.org/conda-forge"
DEFAULT_CHANNEL_DIR = "build/channel"
LOCAL_REQUIREMENT = "local-channel"
LOCAL_PROBE = "local:channel"  # the probe of [requirements.local-channel] in matrix.toml


def add_options(group: pytest.OptionGroup) -> None:
    group.addoption(
        "--conda-channel",
        default=DEFAULT_CONDA_CHANNEL,
        metavar="URL",
        help=(
            f"the conda channel conda scenarios use (default {DEFAULT_CONDA_CHANNEL}); cells get it as "
            "$CONDA_CHANNEL and point the name conda-forge at it in hidden steps (channel_alias), so a "
            "mirror's URL must end in /conda-forge"
        ),
    )
    group.addoption(
        "--local-channel-dir",
        default=DEFAULT_CHANNEL_DIR,
        metavar="DIR",
        help=f"the built channel (nox -s channel), served to cells as $LOCAL_CHANNEL (default {DEFAULT_CHANNEL_DIR})",
    )


@dataclass(frozen=True)
class LocalChannel:
    """The local channel of one run: its URL when served, else why not."""

    url: str | None = None
    reason: str | None = None

    @property
    def probes(self) -> dict[str, str | None]:
        """The ``local:`` probes this run answers, for :class:`~guideproof.run.requirements.Requirements`."""
        return {LOCAL_PROBE: None if self.url else self.reason or "the local channel is not served in this run"}


def start_local_channel(config: pytest.Config, scenarios: Iterable[Scenario]) -> LocalChannel:
    """Serve the built channel when one of ``scenarios`` requires it (controller only; stopped at exit)."""
    if not any(LOCAL_REQUIREMENT in scenario.requires for scenario in scenarios):
        return LocalChannel(reason="no scenario of this run requires the local channel")
    given = config.getoption("local_channel_dir")
    directory = Path(config.invocation_params.dir, given)
    problem = channel_problem(directory, shown_path(given))
    if problem:
        return LocalChannel(reason=f"needs {LOCAL_REQUIREMENT}: {problem}")
    server = ChannelServer(directory).start()
    config.add_cleanup(server.stop)
    return LocalChannel(url=server.url)


def cell_environment(conda_channel: str, local: LocalChannel) -> dict[str, str]:
    """The variables every cell of the run gets: the conda channel, and the local channel when served."""
    env = {cellvars.CONDA_CHANNEL: conda_channel}
    if local.url:
        env[cellvars.LOCAL_CHANNEL] = local.url
    return env
