"""The history file (JSON lines) and the compatibility grid read from a multi-release results file."""

from __future__ import annotations

import json

import pytest

from guideproof.errors import UserError
from guideproof.results.grid import grid_from_results, render_text
from guideproof.results.history import append, entries_from_results, load
from guideproof.results.store import Results


def results(outcomes: dict[tuple[str, str], str], started: str = "2026-11-26T10:00:00+00:00") -> Results:
    versions = sorted({v for v, _ in outcomes})
    return Results.from_json(
        {
            "run": {
                "engine": "docker",
                "started": started,
                "finished": started,
                "host": "vm",
                "harness_version": "0.2.0",
                "tools": [
                    {
                        "tool": "virtualenv",
                        "spec": "20.0.0..latest",
                        "version": v,
                        "source": "index",
                        "released": f"2020-0{i + 1}-01",
                    }
                    for i, v in enumerate(versions)
                ],
            },
            "cells": [
                {
                    "scenario": "tier1/venv-basics",
                    "cell": {"platform": platform, "env": "virtualenv"},
                    "tools": {"virtualenv": version},
                    "outcome": outcome,
                    "reason": "" if outcome == "passed" else "exit status 1, expected 0 at venv-basics.scenario:36",
                }
                for (version, platform), outcome in outcomes.items()
            ]
            + [{"scenario": "tier1/pep668", "cell": {"platform": "debian-trixie"}, "tools": {}, "outcome": "passed"}],
        }
    )


RUN = results(
    {
        ("20.0.35", "debian-trixie"): "failed",
        ("20.10.0", "debian-trixie"): "failed",
        ("20.26.6", "debian-trixie"): "passed",
        ("20.0.35", "debian-bookworm"): "passed",
        ("20.10.0", "debian-bookworm"): "passed",
        ("20.26.6", "debian-bookworm"): "skipped",
    }
)


def test_grid_rows_are_releases_in_version_order_and_columns_cells():
    grid = grid_from_results(RUN, "virtualenv")
    assert grid.releases == ["20.0.35", "20.10.0", "20.26.6"]  # 20.10 after 20.0, not before
    assert grid.columns == [
        "tier1/venv-basics[debian-bookworm-virtualenv]",
        "tier1/venv-basics[debian-trixie-virtualenv]",
    ]
    changes = grid.changes()
    assert changes["tier1/venv-basics[debian-trixie-virtualenv]"] == [
        "fails 20.0.35 to 20.10.0 (exit status 1, expected 0 at venv-basics.scenario:36)",
        "passes 20.26.6",
    ]
    text = render_text(grid)
    assert "20.0.35       ✔  ✘  2020-01-01" in text
    assert "20.26.6       ⊘  ✔  2020-03-01" in text
    assert "  2  tier1/venv-basics[debian-trixie-virtualenv]" in text


def test_history_appends_each_cell_run_once(tmp_path):
    path = tmp_path / "history.jsonl"
    assert append(path, entries_from_results(RUN, "compat")) == 6  # the unpinned pep668 cell is no tool run
    assert append(path, entries_from_results(RUN, "compat")) == 0  # the same run again adds nothing
    later = results({("20.26.6", "debian-bookworm"): "passed"}, started="2026-11-27T10:00:00+00:00")
    assert append(path, entries_from_results(later, "regression")) == 1
    history = load(path)
    assert history.tools() == ["virtualenv"]
    latest = history.latest("virtualenv")
    assert latest["20.26.6"]["tier1/venv-basics[debian-bookworm-virtualenv]"].outcome == "passed"  # newest run wins
    assert latest["20.0.35"]["tier1/venv-basics[debian-trixie-virtualenv]"].released == "2020-01-01"
    first = json.loads(path.read_text().splitlines()[0])
    assert list(first)[:3] == ["schema", "kind", "run"]


def test_a_broken_history_line_is_named(tmp_path):
    path = tmp_path / "history.jsonl"
    append(path, entries_from_results(RUN, "compat"))
    with path.open("a") as handle:
        handle.write('{"schema": 1, "kind": "compat", "colour": "red"}\n')
    with pytest.raises(UserError, match=r"history.jsonl:7: not a history entry \(unknown keys colour\)"):
        load(path)
    assert load(tmp_path / "missing.jsonl").entries == []
