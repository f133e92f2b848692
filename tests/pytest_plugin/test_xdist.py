"""The controller's hand-off to its xdist workers, in one dataclass."""

from __future__ import annotations

from guideproof.pytest_plugin.xdist import WorkerInput
from guideproof.results.record import ToolVersion


def test_the_hand_off_survives_the_trip() -> None:
    sent = WorkerInput(
        "docker",
        "20261124-101500-ab12-p42",
        None,
        "not built",
        (ToolVersion("uv", "pre", "0.14.0rc1", "index"),),
        timings=(("tier1/a", "debian-bookworm-venv", ((3, 4.5), (7, 0.25))),),
    )
    workerinput: dict = {"workerid": "gw0"}
    sent.to_workerinput(workerinput)
    assert WorkerInput.from_workerinput(workerinput) == sent
    assert WorkerInput.from_workerinput({"workerid": "gw0"}) is None, "a worker of a run without scenarios"
