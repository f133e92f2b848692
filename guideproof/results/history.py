"""The history of tool runs: ``results/history.jsonl``, one JSON object per line, appended to by the regression,
compat and bisect sessions. The docs draw each tool's pass/fail by release from it.

JSON lines rather than SQLite: the file is committed, and several machines (CI shards, maintainers) append to
it; text lines diff, review and merge in git (two appends merge as two blocks of lines), where a binary
database would conflict as a whole. Every reader loads all of it, which is fine at this size (a compat map of
55 releases x 3 cells is 165 lines, about 50 kB).

Schema 1, one line per cell run and tool it pinned (documented in docs/maintainers/results.rst)::

  {"schema": 1, "kind": "compat", "run": "2026-11-26T10:02:11+00:00", "tool": "virtualenv",
   "version": "20.26.6", "released": "2024-09-27", "sha256": "", "scenario": "tier1/venv-basics",
   "cell": {"platform": "debian-trixie", "env": "virtualenv"}, "outcome": "passed", "reason": ""}

``run`` is the run's start (it identifies the run); ``released`` the release's upload date on the index ("" for
a local build); ``sha256`` the artefact's hash for a local build or URL ("" for a release from the index).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from guideproof.errors import UserError
from guideproof.results.record import Outcome, cell_name
from guideproof.results.store import Results

SCHEMA = 1
KINDS = ("regression", "compat", "bisect", "run")
REASON_LIMIT = 300  # the history keeps the reason's start; the results file keeps the whole report


@dataclass(frozen=True)
class Entry:
    kind: str
    run: str
    tool: str
    version: str
    scenario: str
    cell: dict[str, str]
    outcome: Outcome
    released: str = ""
    sha256: str = ""
    reason: str = ""
    schema: int = SCHEMA

    @property
    def key(self) -> tuple[str, str, str, tuple[tuple[str, str], ...], str, str]:
        return (self.run, self.scenario, self.tool, tuple(sorted(self.cell.items())), self.version, self.kind)

    @property
    def cell_name(self) -> str:
        """``tier1/venv-basics[debian-trixie-virtualenv]``: the cell without its tool pin."""
        return cell_name(self.scenario, self.cell)

    def to_json(self) -> str:
        data = asdict(self)
        return json.dumps({"schema": data.pop("schema"), **data}, ensure_ascii=False, sort_keys=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Entry:
        names = {f for f in cls.__dataclass_fields__}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown keys {', '.join(sorted(unknown))}")
        if data.get("schema") != SCHEMA:
            raise ValueError(f"schema {data.get('schema')!r}, this guideproof reads schema {SCHEMA}")
        return cls(**{**data, "outcome": Outcome(str(data.get("outcome")))})


@dataclass
class History:
    entries: list[Entry] = field(default_factory=list)

    def tools(self) -> list[str]:
        return sorted({e.tool for e in self.entries})

    def latest(self, tool: str) -> dict[str, dict[str, Entry]]:
        """version -> cell name -> the most recent entry (runs compare by their ISO start time)."""
        out: dict[str, dict[str, Entry]] = {}
        for entry in sorted((e for e in self.entries if e.tool == tool), key=lambda e: e.run):
            out.setdefault(entry.version, {})[entry.cell_name] = entry
        return out


def entries_from_results(results: Results, kind: str) -> list[Entry]:
    """History entries for the cells of a results file that pinned a tool (others are not tool runs)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    known = {(t.tool, t.version): t for t in results.run.tools}
    out = []
    for cell in results.cells:
        for tool, version in sorted(cell.tools.items()):
            info = known.get((tool, version))
            out.append(
                Entry(
                    kind=kind,
                    run=results.run.started,
                    tool=tool,
                    version=version,
                    released=info.released if info else "",
                    sha256=info.sha256 if info else "",
                    scenario=cell.scenario,
                    cell=dict(cell.cell),
                    outcome=cell.outcome,
                    reason=cell.reason[:REASON_LIMIT],
                )
            )
    return out


def load(path: Path) -> History:
    """The history file; a missing file is an empty history. A bad line is an error naming the line."""
    if not path.exists():
        return History()
    entries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entries.append(Entry.from_json(json.loads(line)))
        except (ValueError, TypeError) as exc:
            raise UserError(f"{path}:{number}: not a history entry ({exc})") from None
    return History(entries)


def append(path: Path, entries: Iterable[Entry]) -> int:
    """Add entries not already in the file (the same run, cell, tool and version); returns how many."""
    present = {e.key for e in load(path).entries}
    new = []
    for entry in entries:
        if entry.key not in present:
            present.add(entry.key)
            new.append(entry)
    if new:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.writelines(entry.to_json() + "\n" for entry in new)
    return len(new)
