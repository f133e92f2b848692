"""The map that opens the results page: a symbol per cell, linking to its row, readable without colour."""

from __future__ import annotations

import re
from pathlib import Path

from guideproof.results.record import Outcome

ALONE = """
+++
title = "No axis"
+++
  $ echo hi
  hi
"""
PAGES = {"results": "Results\n=======\n\n.. scenario-results::\n", "page": "Page\n====\n\n.. scenario:: tier1/echo\n"}
CELLS = [
    ("tier1/echo", {"platform": "debian-bookworm", "env": "venv"}, "passed", ""),
    ("tier1/echo", {"platform": "debian-bookworm", "env": "uv"}, "failed", "output differs"),
    ("tier1/echo", {"platform": "debian-trixie", "env": "venv"}, "skipped", "needs pypi"),
    ("tier1/echo", {"platform": "debian-trixie", "env": "uv"}, "xfailed", "uv bug 123"),
    ("tier1/alone", {"platform": "debian-trixie"}, "error", "docker did not answer"),
]


def build(docs, tmp_path: Path):
    src = docs.make_tree(tmp_path, PAGES, {"tier1/echo": docs.echo, "tier1/alone": ALONE}, docs.results_doc(CELLS))
    result = docs.build(src, tmp_path / "out")
    assert result.status == 0, result.warnings
    return result


def test_every_outcome_has_its_own_symbol():
    assert len({o.symbol for o in Outcome}) == len(Outcome)


def test_the_map_comes_first_with_a_square_per_cell_linking_to_its_row(docs, tmp_path: Path) -> None:
    html = build(docs, tmp_path).html("results")
    table = re.search(r'<table class="results-map">.*?</table>', html, re.S).group(0)
    assert html.index('class="results-map"') < html.index('id="result-tier1-alone"')  # before the tables
    rows = re.findall(r'<tr><th scope="row" class="map-scenario">(.*?)</tr>', table, re.S)
    assert len(rows) == 2  # one row per scenario: tier1/alone, tier1/echo
    squares = re.findall(r'<td class="map-square outcome-(\w+)"><a href="#([\w-]+)" title="([^"]*)"', table)
    assert [(o, t.split(" — ")[1]) for o, _, t in squares] == [
        ("error", "could not run (error): docker did not answer"),
        ("passed", "passed"),
        ("failed", "failed: output differs"),
        ("skipped", "skipped: needs pypi"),
        ("xfailed", "known failure (xfail): uv bug 123"),
    ]
    assert squares[2][1] == "cell-tier1-echo-debian-bookworm-uv"
    for _, target, _ in squares:
        assert re.search(f'<tr[^>]* id="{target}"', html), target  # each square's row exists in the tables below
    symbols = re.findall(r'map-square outcome-\w+"><a [^>]*>(.)</a>', table)
    assert symbols == ["⚠", "✔", "✘", "⊘", "⊗"]
    # columns: per platform, the no-axis column only where a scenario without axes has a cell
    headers = re.findall(r'<th class="map-value" scope="col"><span>(.*?)</span>', table)
    assert headers == ["venv", "uv venv", "—", "venv", "uv venv"]
    assert re.findall(r'colspan="(\d)" class="map-platform" scope="colgroup">([^<]*)<', table) == [
        ("2", "Debian 12"),
        ("3", "Debian 13"),
    ]
    assert table.count('<td class="map-empty">') == 5  # 2 scenarios x 5 columns, 5 cells
    assert "no such cell" in html and "known failure (xfail)" in html  # the key, in words
