"""The results page: every cell with its outcome in words and symbol, reasons, versions, and the run."""

from __future__ import annotations

from pathlib import Path

PAGES = {
    "page": "Page\n====\n\n.. scenario:: tier1/echo\n",
    "results": "Results\n=======\n\n.. scenario-results::\n",
}


def test_no_results_yet(docs, tmp_path: Path) -> None:
    result = docs.build(docs.make_tree(tmp_path, PAGES, {"tier1/echo": docs.echo}), tmp_path / "out")
    assert result.status == 0, result.warnings
    assert "No results yet: no scenario run has been recorded" in result.text("results")
    assert "passed" not in result.text("results")
    assert 'href="results.html#result-tier1-echo"' in result.html("page")


def test_table_of_cells(docs, tmp_path: Path) -> None:
    cells = [
        ("tier1/echo", {"platform": "debian-bookworm", "env": "venv"}, "passed", ""),
        ("tier1/echo", {"platform": "debian-bookworm", "env": "uv"}, "failed", "output differs"),
        ("tier1/echo", {"platform": "debian-trixie", "env": "venv"}, "skipped", "needs pypi"),
        ("tier1/echo", {"platform": "debian-trixie", "env": "uv"}, "xfailed", "uv bug 123"),
    ]
    src = docs.make_tree(tmp_path, PAGES, {"tier1/echo": docs.echo}, docs.results_doc(cells))
    result = docs.build(src, tmp_path / "out")
    assert result.status == 0, result.warnings
    text = result.text("results")
    assert "Engine docker on ci-1, from 2026-11-24T10:00:00+00:00 to 2026-11-24T10:20:00+00:00" in text
    assert "Title of tier1/echo (tier1/echo)" in text
    assert "Debian 12 × venv ✔ passed" in text
    assert "Debian 12 × uv venv ✘ failed output differs (scenarios/tier1/echo.scenario, line 7)" in text
    assert "Debian 13 × venv ⊘ skipped needs pypi" in text
    assert "Debian 13 × uv venv ✘ xfail (known failure) uv bug 123" in text
    assert "pip 23.0.1, python 3.11.2" in text
    assert text.index("Debian 12 × venv") < text.index("Debian 12 × uv venv")  # matrix order, not alphabetical
    assert 'id="result-tier1-echo"' in result.html("results")
    assert "Verified on 1 of 4 cells, 2026-11-24: Debian 12 × venv." in result.text("page")


def test_platforms_without_a_cell_are_named_not_run_here(docs, tmp_path: Path) -> None:
    """Fedora and Alpine (and Debian testing) run only on GitHub's runners or on request: a run from here
    has none of their cells, and the page says so rather than staying silent."""
    cells = [("tier1/echo", {"platform": "debian-bookworm", "env": "venv"}, "passed", "")]
    src = docs.make_tree(tmp_path, PAGES, {"tier1/echo": docs.echo}, docs.results_doc(cells))
    text = docs.build(src, tmp_path / "out").text("results")
    assert "Not run here: Debian 13 (no cell of theirs in this run; nothing of theirs is verified)." in text
    both = [*cells, ("tier1/echo", {"platform": "debian-trixie", "env": "venv"}, "skipped", "needs pypi")]
    src = docs.make_tree(tmp_path / "both", PAGES, {"tier1/echo": docs.echo}, docs.results_doc(both))
    assert "Not run here" not in docs.build(src, tmp_path / "both-out").text("results")
