"""A results file naming a scenario the docs cannot find fails the build, instead of "Not yet verified"."""

from __future__ import annotations

from pathlib import Path

PAGES = {"page": "Page\n====\n\n.. scenario:: tier1/echo\n"}


def test_a_known_scenario_is_verified(docs, tmp_path: Path) -> None:
    cells = [("tier1/echo", {"platform": "debian-bookworm", "env": "venv"}, "passed", "")]
    src = docs.make_tree(tmp_path, PAGES, {"tier1/echo": docs.echo}, docs.results_doc(cells))
    result = docs.build(src, tmp_path / "out")
    assert result.status == 0, result.warnings
    assert "Verified on 1 of 1 cells" in result.text("page")


def test_a_scenario_named_differently_fails_the_build(docs, tmp_path: Path) -> None:
    # the run named it from another root than the docs' scenario_dir: the page would say "Not yet verified"
    cells = [("scenarios/tier1/echo", {"platform": "debian-bookworm", "env": "venv"}, "passed", "")]
    src = docs.make_tree(tmp_path, PAGES, {"tier1/echo": docs.echo}, docs.results_doc(cells))
    result = docs.build(src, tmp_path / "out")
    assert result.status != 0
    assert "results for scenario 'scenarios/tier1/echo', which is not in" in result.warnings
