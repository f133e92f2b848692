"""The per-tool SVG chart: one bar per release, failures hatched, a text description."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from guideproof.results.history import Entry, History
from guideproof.results.record import Outcome
from guideproof.sphinx.charts import bars, render_svg

SVG = "{http://www.w3.org/2000/svg}"


def entry(version: str, platform: str, outcome: str, released: str, sha256: str = "") -> Entry:
    cell = {"platform": platform, "env": "virtualenv"}
    return Entry(
        "compat",
        "2026-11-26T10:00:00+00:00",
        "virtualenv",
        version,
        "tier1/venv-basics",
        cell,
        Outcome(outcome),
        released=released,
        sha256=sha256,
    )


HISTORY = History(
    [
        entry("20.0.35", "debian-trixie", "failed", "2020-10-07"),
        entry("20.0.35", "debian-bookworm", "passed", "2020-10-07"),
        entry("20.10.0", "debian-trixie", "passed", "2021-03-04"),
        entry("20.10.0", "debian-bookworm", "skipped", "2021-03-04"),
        entry("20.26.6+local", "debian-trixie", "failed", "", sha256="ab" * 32),
    ]
)


def test_bars_count_the_latest_outcomes_per_release_and_leave_out_local_builds():
    got = bars(HISTORY, "virtualenv")
    assert [(b.version, b.good, b.bad, b.other) for b in got] == [("20.0.35", 1, 1, 0), ("20.10.0", 1, 0, 1)]


def test_the_svg_is_well_formed_with_a_bar_per_release_and_a_description():
    svg = render_svg("virtualenv", bars(HISTORY, "virtualenv"), "chart-virtualenv")
    root = ET.fromstring(svg)
    groups = root.findall(f"{SVG}g")
    assert [g.get("data-version") for g in groups] == ["20.0.35", "20.10.0"]
    first = groups[0]
    assert first.find(f"{SVG}title").text == "virtualenv 20.0.35 (released 2020-10-07): 1 passed, 1 failed"
    kinds = [r.get("class") for r in first.findall(f"{SVG}rect")]
    assert kinds == ["bar-good", "bar-bad"]
    assert first.findall(f"{SVG}rect")[1].get("fill") == "url(#chart-virtualenv-hatch)"  # not colour alone
    description = root.find(f"{SVG}desc").text
    assert description.startswith("2 releases of virtualenv from 20.0.35 to 20.10.0; 2 cell runs passed and 1 failed")
    years = [t.text for t in root.findall(f"{SVG}text") if t.text in ("2020", "2021")]
    assert years == ["2020", "2021"]
    assert render_svg("virtualenv", [], "x") == ""
