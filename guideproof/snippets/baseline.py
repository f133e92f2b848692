"""``guideproof baseline``: write the list of known-untested snippets, or check a docs tree against it.

The strict docs build does the same check on every build (``scenario_untested_baseline`` in conf.py);
this command writes the file and says, outside a build, what is new and what is stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from guideproof.snippets.coverage import Coverage
from guideproof.snippets.find import Snippet, display_path
from guideproof.sphinx.baseline import Entry, dump_baseline, stale

DEFAULT_NAME = "untested-baseline.json"  # beside conf.py when conf.py names none


@dataclass(frozen=True)
class Check:
    path: Path
    new: list[Snippet]  # untested snippets the baseline does not list: these fail
    stale: int  # entries matching no untested snippet any more (tested now, opted out, or edited)
    known: int


def first_line(snippet: Snippet) -> str:
    return next((line.strip() for line in snippet.text.splitlines() if line.strip()), "")


def entries(coverage: Coverage) -> list[Entry]:
    return [
        Entry(s.docname, s.key, s.language, s.tab, first_line(s)) for s in coverage.tree.shell if s.status == "untested"
    ]


def present(coverage: Coverage) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for entry in entries(coverage):
        found.setdefault(entry.page, set()).add(entry.key)
    return found


def check(coverage: Coverage, path: Path) -> Check:
    known = sum(len(keys) for keys in coverage.baseline.values())
    return Check(path, coverage.new_untested(), stale(coverage.baseline, present(coverage)), known)


def write(coverage: Coverage, path: Path) -> tuple[int, int]:
    """Write the baseline of ``coverage``'s untested snippets to ``path``: (entries, pages)."""
    listed = entries(coverage)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump_baseline(listed), encoding="utf-8")
    return len(listed), len({e.page for e in listed})


def describe_new(result: Check) -> list[str]:
    lines = []
    for snippet in result.new:
        tab = f" [{snippet.tab}]" if snippet.tabs else ""
        lines.append(f"  {snippet.where}  {snippet.language}{tab}  {first_line(snippet)}")
    return lines


def shown(path: Path) -> str:
    return display_path(path)
