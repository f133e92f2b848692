"""The scenario-result role: a cited scenario's title and verification, linked to its results."""

from __future__ import annotations

from pathlib import Path

PAGES = {
    "history": "History\n=======\n\nToday: :scenario-result:`tier1/echo`.\n",
    "results": "Results\n=======\n\n.. scenario-results::\n",
}


def test_links_title_and_verification(docs, tmp_path: Path) -> None:
    cells = [
        ("tier1/echo", {"platform": "debian-bookworm", "env": "venv"}, "passed", ""),
        ("tier1/echo", {"platform": "debian-trixie", "env": "venv"}, "skipped", "needs pypi"),
    ]
    src = docs.make_tree(tmp_path, PAGES, {"tier1/echo": docs.echo}, docs.results_doc(cells))
    result = docs.build(src, tmp_path / "out")
    assert result.status == 0, result.warnings
    assert 'href="results.html#result-tier1-echo"' in result.html("history")
    text = result.text("history")
    assert "Today: Echo (Verified on 1 of 2 cells, 2026-11-24: Debian 12 × venv." in text
    assert "Skipped on Debian 13 × venv: needs pypi.)" in text


def test_unverified_says_so(docs, tmp_path: Path) -> None:
    result = docs.build(docs.make_tree(tmp_path, PAGES, {"tier1/echo": docs.echo}), tmp_path / "out")
    assert result.status == 0, result.warnings
    assert "Echo (Not yet verified: no recorded run of this scenario.)" in result.text("history")


def test_unknown_scenario_fails_the_build(docs, tmp_path: Path) -> None:
    pages = {"history": "History\n=======\n\nSee :scenario-result:`tier1/nope`.\n"}
    result = docs.build(docs.make_tree(tmp_path, pages, {"tier1/echo": docs.echo}), tmp_path / "out")
    assert result.status != 0
    assert (
        "history.rst:4" in result.warnings and "scenario-result tier1/nope: no scenario 'tier1/nope'" in result.warnings
    )


def test_titles_and_reasons_render_as_written(docs, tmp_path: Path) -> None:
    """Smart quotes would turn "--always-copy" into an en dash and quote marks into curly ones."""
    title = 'virtualenv --always-copy and "--copies"'
    scenario = docs.echo.replace('title = "Echo"', f"title = '{title}'")
    cells = [("tier1/echo", {"platform": "debian-trixie", "env": "venv"}, "skipped", "needs pypi; --offline was given")]
    src = docs.make_tree(tmp_path, PAGES, {"tier1/echo": scenario}, docs.results_doc(cells))
    result = docs.build(src, tmp_path / "out")
    assert result.status == 0, result.warnings
    text = result.text("history")
    assert title in text and "–" not in text and "“" not in text
    assert "needs pypi; --offline was given" in text
    assert "needs pypi; --offline was given" in result.text("results")
