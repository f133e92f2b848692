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


RELEASES = [("20.0.35", "2020-10-07"), ("20.10.0", "2021-03-03"), ("20.26.6", "2024-09-27")]


def test_compat_map_and_chart_render(docs, tmp_path: Path) -> None:
    src = docs.make_tree(tmp_path, PAGES, {"tier1/echo": docs.echo})
    (src / "compat").mkdir()
    compat = docs.compat_doc("tier1/echo", RELEASES, broken=2)
    (src / "compat" / "virtualenv.json").write_text(json.dumps(compat))
    append(tmp_path / "results" / "history.jsonl", entries_from_results(Results.from_json(compat), "compat"))
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
