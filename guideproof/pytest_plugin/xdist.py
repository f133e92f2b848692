"""The controller's hand-off to xdist workers: what it decided once (engine, run id, channel, tool versions)."""

from __future__ import annotations

import json
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from guideproof.plan.schedule import Timing
from guideproof.results.record import ToolVersion

if TYPE_CHECKING:
    from guideproof.pytest_plugin.state import RunState

KEY = "guideproof"  # the workerinput entry; a worker without it belongs to a run that runs no scenarios


@dataclass(frozen=True)
class WorkerInput:
    engine: str
    run_id: str
    local_channel: str | None  # its URL when served
    local_channel_why: str | None  # else why not
    tools: tuple[ToolVersion, ...] = ()
    engine_missing: str = ""  # --engine auto found no container engine: the container cells are errors
    # Earlier runs' step times, read once: a worker reading the results file itself could find the one this
    # run is writing, order its cells otherwise, and xdist stops a run whose workers collected differently.
    timings: tuple[Timing, ...] = ()

    def to_workerinput(self, workerinput: MutableMapping[str, Any]) -> None:
        data = {**self.__dict__, "tools": [t.to_json() for t in self.tools], "timings": list(self.timings)}
        workerinput[KEY] = json.dumps(data)

    @classmethod
    def from_workerinput(cls, workerinput: MutableMapping[str, Any]) -> WorkerInput | None:
        if KEY not in workerinput:
            return None
        data = json.loads(workerinput[KEY])
        timings = tuple((s, c, tuple((int(line), float(t)) for line, t in steps)) for s, c, steps in data["timings"])
        return cls(**{**data, "tools": tuple(ToolVersion.from_json(t) for t in data["tools"]), "timings": timings})


class XdistHooks:
    """Registered on the controller when xdist is loaded: hands each new worker the :class:`WorkerInput`."""

    def __init__(self, state: RunState) -> None:
        self.state = state

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        session, channel = self.state.session, self.state.local_channel
        handed = WorkerInput(
            engine=session.engine_name or "local",
            run_id=str(session.run_id),
            local_channel=channel.url,
            local_channel_why=channel.reason,
            tools=tuple(session.tool_versions),
            engine_missing=session.engine_missing,
            timings=tuple(session.load_timings()),
        )
        handed.to_workerinput(node.workerinput)
