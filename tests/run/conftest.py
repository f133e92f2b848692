"""Fixtures for running scenario cells on the local engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from guideproof.engines.local import LocalEngine
from guideproof.engines.runid import RunId
from guideproof.matrix.where import Where
from guideproof.plan.cells import cells_for
from guideproof.run.requirements import Requirements
from guideproof.run.runner import Runtime, run_cell
from guideproof.scenario.parser import load


@pytest.fixture
def run_cells(matrix):
    """Run every host cell of a scenario file: its CellRuns (record, update proposals, kept cell).
    ``options``: Runtime fields (``update_expected``, ``keep_failed``)."""
    engine = LocalEngine()

    def run(path: Path, offline: bool = False, probe=lambda url: None, options=None, **values):
        scenario = load(path, path.parent, matrix)
        host = [p for p in matrix.platforms if p.name == "host"]
        cells = cells_for(scenario, matrix, host, Where.of({k: [v] for k, v in values.items()}))
        requirements = Requirements(matrix, engine, offline, probe)
        runtime = Runtime(matrix, engine, requirements, RunId.new("test"), **(options or {}))
        return [run_cell(scenario, cell, runtime) for cell in cells]

    return run


@pytest.fixture
def run(run_cells):
    """The record of the scenario's only cell, or the records of all its cells."""

    def run(path: Path, **kwargs):
        records = [r.record for r in run_cells(path, **kwargs)]
        return records[0] if len(records) == 1 else records

    return run
