"""The step times that order a run's cells are read once: every xdist worker orders its cells alike."""

from __future__ import annotations

import json

from guideproof.engines.runid import RunId
from guideproof.run.session import Session, Settings


def test_step_times_are_read_once_and_handed_over(tmp_path):
    results = tmp_path / "r.json"
    session = Session(Settings(history=(results,)), RunId.new("test"))
    assert session.load_timings() == []  # no results file yet: the order is the order collected
    # The run then writes its own results file (every cell not run yet): what it holds no longer counts, so
    # a worker collecting later orders its cells as the first did.
    results.write_text(json.dumps({"schema": 3, "run": {}, "cells": []}))
    assert session.load_timings() == []
    worker = Session(Settings(history=(tmp_path / "unreadable.json",)), RunId.new("test"))
    worker.timings = [("tier1/a", "host", ((3, 2.5),))]  # what the controller handed over
    assert worker.load_timings() == [("tier1/a", "host", ((3, 2.5),))]
