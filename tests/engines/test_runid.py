"""The run id: which process owns a run, so a sweep spares live runs."""

from __future__ import annotations

import os

from guideproof.engines.runid import RunId


def test_new_parse_and_owner() -> None:
    run = RunId.new()
    assert run.pid == os.getpid() and run.owner_alive()
    assert RunId.parse(str(run)) == run
    assert str(RunId.new("bench")) == f"bench-p{os.getpid()}"


def test_a_finished_or_foreign_run_is_not_alive() -> None:
    assert not RunId.parse("20261124-000000-cd34-p999999999").owner_alive()
    foreign = RunId.parse("somebody-elses-label")
    assert foreign.pid is None and not foreign.owner_alive() and str(foreign) == "somebody-elses-label"
