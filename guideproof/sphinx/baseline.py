"""The checked-in list of shell snippets known to be untested: a strict build fails only on snippets not in it.

A JSON file (``scenario_untested_baseline`` in conf.py), written by ``guideproof baseline DOCS --update``::

    {"version": 1, "about": "...", "pages": {"install": [{"key": "3f2a1b9c0d12", "language": "bash",
      "tab": "Unix/macOS", "first_line": "python3 -m pip install SomeProject"}, ...]}}

Entries are keyed by page (docname) and :func:`guideproof.sphinx.blocks.block_key`, never by line, so
editing a page elsewhere keeps them; ``language``, ``tab`` and ``first_line`` are for the reader of a diff.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from guideproof.errors import UserError

VERSION = 1
ABOUT = (
    "Shell snippets known to be untested, by page and key (a hash of the block's text and tab). A strict docs "
    "build fails on an untested snippet not listed here. Refresh: guideproof baseline DOCS_DIR --update"
)


@dataclass(frozen=True)
class Entry:
    page: str
    key: str
    language: str = ""
    tab: str = ""
    first_line: str = ""

    def to_json(self) -> dict[str, str]:
        data = {"key": self.key, "language": self.language, "tab": self.tab, "first_line": self.first_line}
        return {k: v for k, v in data.items() if v or k == "key"}


_cache: dict[tuple[str, float], dict[str, set[str]]] = {}


def load_baseline(path: Path) -> dict[str, set[str]]:
    """docname -> keys of its known-untested snippets (an absent file is an empty baseline)."""
    if not path.is_file():
        return {}
    stamp = (str(path), path.stat().st_mtime)
    if stamp in _cache:
        return _cache[stamp]
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(f"{path}: not a baseline of untested snippets ({exc})") from None
    pages = data.get("pages") if isinstance(data, dict) else None
    if data.get("version") != VERSION or not isinstance(pages, dict):
        raise UserError(f"{path}: not a baseline of untested snippets (version {VERSION} with 'pages' expected)")
    found: dict[str, set[str]] = {}
    for page, entries in pages.items():
        if not isinstance(entries, list) or not all(isinstance(e, dict) and "key" in e for e in entries):
            raise UserError(f"{path}: page {page!r}: a list of entries with a 'key' expected")
        found[page] = {str(e["key"]) for e in entries}
    _cache[stamp] = found
    return found


def dump_baseline(entries: Iterable[Entry]) -> str:
    pages: dict[str, list[dict[str, str]]] = {}
    for entry in sorted(entries, key=lambda e: e.page):
        pages.setdefault(entry.page, []).append(entry.to_json())
    return json.dumps({"version": VERSION, "about": ABOUT, "pages": pages}, indent=2, ensure_ascii=False) + "\n"


def stale(baseline: Mapping[str, set[str]], present: Mapping[str, set[str]]) -> int:
    """How many baseline entries match no untested snippet any more (tested now, or edited)."""
    return sum(len(keys - present.get(page, set())) for page, keys in baseline.items())
