"""The tool pages: a compatibility map from a compat run's results file, and a chart from the history."""

from __future__ import annotations

import json
from pathlib import Path

from guideproof.results.history import append, entries_from_results
from guideproof.results.store import Results

PAGES = {
    "tools": "Tools\n=====\n\n.. tool-history:: virtualenv\n\n.. compat-map:: compat/virtualenv.json\n",
    "none": "None\n====\n\n.. tool-history:: uv\n",
}


def compat_results() -> dict:
    cells = []
    for i, version in enumerate(("20.0.35", "20.10.0", "20.26.6")):
        for platform in ("debian-bookworm", "debian-trixie"):
            broken = platform == "debian-trixie" and i < 2
            cells.append(
                {
                    "scenario": "tier1/echo",
                    "cell": {"platform": platform, "env": "venv"},
                    "tools": {"virtualenv": version},
                    "outcome": "failed" if broken else "passed",
                    "reason": "No module named 'pipes'" if broken else "",
                }
            )
    tools = [
        {"tool": "virtualenv", "spec": "20.0.0..latest", "version": v, "source": "index", "released": d}
        for v, d in (("20.0.35", "2020-10-07"), ("20.10.0", "2021-03-03"), ("20.26.6", "2024-09-27"))
    ]
    run = {
        "engine": "docker",
        "started": "2026-11-26T10:00:00+00:00",
        "finished": "2026-11-26T11:00:00+00:00",
        "host": "vm",
        "harness_version": "0.2.0",
        "tools": tools,
    }
    return {"run": run, "cells": cells}


def test_compat_map_and_chart_render(docs, tmp_path: Path) -> None:
    src = docs.make_tree(tmp_path, PAGES, {"tier1/echo": docs.echo})
    (src / "compat").mkdir()
    (src / "compat" / "virtualenv.json").write_text(json.dumps(compat_results()))
    append(tmp_path / "results" / "history.jsonl", entries_from_results(Results.from_json(compat_results()), "compat"))
    result = docs.build(src, tmp_path / "out")
    assert result.status == 0, result.warnings
    html, text = result.html("tools"), result.text("tools")
    assert html.count('<g class="bar"') == 3
    assert "<title>virtualenv 20.0.35 (released 2020-10-07): 1 passed, 1 failed</title>" in html
    assert "3 releases of virtualenv, from 20.0.35 to 20.26.6" in text
    assert "A cell fails at 20.0.35 to 20.10.0 (2 releases)." in text
    assert "3 releases of virtualenv × 2 cells, run with engine docker" in text
    assert html.count('class="map-square outcome-failed"') == 2
    assert "tier1/echo, Debian 13 × venv: fails 20.0.35 to 20.10.0 (No module named 'pipes'); passes 20.26.6." in text
    assert "No run of uv releases is recorded in history.jsonl yet." in result.text("none")


def test_a_missing_compat_file_fails_the_build_with_its_name(docs, tmp_path: Path) -> None:
    result = docs.build(docs.make_tree(tmp_path, PAGES, {"tier1/echo": docs.echo}), tmp_path / "out")
    assert result.status != 0
    assert "compat-map:" in result.warnings and "virtualenv.json" in result.warnings
