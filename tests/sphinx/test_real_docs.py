"""The project's own docs build with warnings as errors (what ``nox -s docs`` runs)."""

from __future__ import annotations

from pathlib import Path

from sphinx.cmd.build import build_main

REPO = Path(__file__).resolve().parents[2]


def test_docs_build_strictly(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SCENARIO_RESULTS", str(tmp_path / "no-results" / "*.json"))
    warnings = tmp_path / "warnings.txt"
    args = ["-q", "-E", "-W", "--keep-going", "-n", "-b", "html", "-w", str(warnings)]
    status = build_main([*args, str(REPO / "docs"), str(tmp_path / "html")])
    assert status == 0, warnings.read_text(encoding="utf-8")
    results = (tmp_path / "html" / "results.html").read_text(encoding="utf-8")
    assert "No results yet" in results
    running = (tmp_path / "html" / "maintainers" / "running.html").read_text(encoding="utf-8")
    assert "untested-snippets" in running


def _scenario_names() -> set[str]:
    root = REPO / "scenarios"
    return {p.relative_to(root).with_suffix("").as_posix() for p in root.rglob("*.scenario")}


def test_landing_page_links_every_scenario() -> None:
    """The landing page promises a link to every scenario's verification: a new scenario must be listed."""
    text = (REPO / "docs" / "index.rst").read_text(encoding="utf-8")
    missing = {n for n in _scenario_names() if f":scenario-result:`{n}`" not in text}
    assert not missing, f"docs/index.rst does not list: {sorted(missing)}"


def test_every_scenario_is_shown_in_the_guide() -> None:
    """Each scenario backs a page: it is shown with ``.. scenario::`` somewhere under docs/guide/."""
    pages = "\n".join(p.read_text(encoding="utf-8") for p in (REPO / "docs" / "guide").rglob("*.rst"))
    missing = {n for n in _scenario_names() if f".. scenario:: {n}" not in pages}
    assert not missing, f"no guide page shows: {sorted(missing)}"
