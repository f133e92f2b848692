"""The pytest half of the local conda channel: its options, serving it for a run, and the cell environment.

The channel is built by :mod:`guideproof.channel.build` (no pytest): by ``nox -s channel``, or by the run itself
when one of its scenarios requires ``local-channel``; the run serves it and hands its URL to cells as
``$LOCAL_CHANNEL``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

from guideproof import cellvars
from guideproof.channel.build import build_channel, is_current, recipes_digest
from guideproof.channel.serve import ChannelServer, channel_problem, shown_path
from guideproof.scenario.model import Scenario

DEFAULT_CONDA_CHANNEL = "https://conda.anaconda.org/conda-forge"
DEFAULT_CHANNEL_DIR = "build/channel"
LOCAL_REQUIREMENT = "local-channel"
LOCAL_PROBE = "local:channel"  # the probe of [requirements.local-channel] in matrix.toml
RATTLER_BUILD = "py-rattler-build"


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


def start_local_channel(
    config: pytest.Config, scenarios: Iterable[Scenario], address: tuple[str, str] = ("127.0.0.1", "127.0.0.1")
) -> LocalChannel:
    """Serve the local channel when one of ``scenarios`` requires it (controller only; stopped at exit).

    It is built first from the recipes in ``channel/`` beside the scenarios' ``matrix.toml`` (py-rattler-build;
    nothing is rebuilt while the recipes are unchanged), so a run never skips a cell only because nobody ran
    ``nox -s channel``. ``address``: where the server listens and the host name cells reach it at.
    """
    needing = [s for s in scenarios if LOCAL_REQUIREMENT in s.requires]
    if not needing:
        return LocalChannel(reason="no scenario of this run requires the local channel")
    given = config.getoption("local_channel_dir")
    directory = Path(config.invocation_params.dir, given)
    problem = build_if_needed(_recipes_dir(needing[0]), directory, shown_path(given))
    if problem:
        return LocalChannel(reason=f"needs {LOCAL_REQUIREMENT}: {problem}")
    bind, host = address
    try:
        server = ChannelServer.steady(directory, host=bind).start()
    except OSError as exc:
        return LocalChannel(reason=f"needs {LOCAL_REQUIREMENT}: cannot serve it on {bind} ({exc.strerror or exc})")
    config.add_cleanup(server.stop)
    return LocalChannel(url=server.url.replace(f"//{bind}:", f"//{host}:"))


def _recipes_dir(scenario: Scenario) -> Path:
    """``channel/`` in the directory of the scenarios' matrix (the scenario's root)."""
    root = scenario.path
    for _ in scenario.name.split("/"):
        root = root.parent
    return root / "channel"


def build_if_needed(recipes: Path, out: Path, shown: str | None = None) -> str | None:
    """Build the channel at ``out`` from ``recipes`` unless it is current; None when it is ready, else why not
    (naming ``out`` as ``shown`` and the recipes by their last two parts: the reason may reach public pages)."""
    if not recipes.is_dir():
        return channel_problem(out, shown)  # no recipes here: a channel built elsewhere, or none
    where, built_from = shown if shown is not None else out.name, f"{recipes.parent.name}/{recipes.name}"
    try:
        build_channel(recipes, out)
    except ModuleNotFoundError:
        if channel_problem(out) is None and is_current(out, recipes_digest(recipes)):
            return None
        return (
            f"the channel in {where} is not built from the recipes in {built_from}, and py-rattler-build is not "
            f"installed to build it (pip install {RATTLER_BUILD}; nox -s scenarios installs it)"
        )
    except Exception as exc:  # noqa: BLE001 - a recipe that fails to build: say which, and go on without it
        return f"building the channel from {built_from} failed: {type(exc).__name__}: {exc}"
    return channel_problem(out, shown)


# LOCAL_CHANNEL reaches only the cells that require the local channel: the others' snapshot keys (--reuse) do
# not change with the channel's URL.
REQUIRED_FOR = {cellvars.LOCAL_CHANNEL: LOCAL_REQUIREMENT}


def cell_environment(conda_channel: str, local: LocalChannel) -> dict[str, str]:
    """The variables of the run's cells: the conda channel, and the local channel when served (only the cells
    that require it get that one: :data:`REQUIRED_FOR`)."""
    env = {cellvars.CONDA_CHANNEL: conda_channel}
    if local.url:
        env[cellvars.LOCAL_CHANNEL] = local.url
    return env
