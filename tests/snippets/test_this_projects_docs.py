"""This project's own docs: every shell snippet is a scenario or a reasoned opt-out, and Sphinx reads every block."""

from __future__ import annotations

from pathlib import Path

from guideproof.snippets.coverage import Coverage
from guideproof.snippets.find import find_snippets

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_coverage_of_this_projects_docs_is_complete():
    report = Coverage.of(find_snippets(DOCS))
    assert report.tree.problems == []
    assert report.total.untested == 0, [s.where for s in report.tree.snippets if s.status == "untested"]
    assert report.total.percent == 100.0
    assert report.total.scenario > 50 and report.total.opt_out > 0  # it found the real thing
