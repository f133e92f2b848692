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
