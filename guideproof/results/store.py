"""The results file: write, load and merge. Schema (documented in docs/maintainers/results.rst)::

{"run": {"engine", "started", "finished", "host", "harness_version",
         "tools": [{"tool", "spec", "version", "source", "note"}]},
 "cells": [{"scenario", "title", "file", "cell": {"platform", <axis>...}, "tools": {<tool>: <version>},
            "outcome", "reason", "duration_s", "failed_line", "versions", "detail", "link"}]}
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from guideproof.results.record import CellKey, CellRecord, RunInfo, ToolVersion


@dataclass(frozen=True)
class Results:
    """A results file: the run and its cells, sorted by :attr:`CellRecord.key`."""

    run: RunInfo
    cells: tuple[CellRecord, ...]

    @classmethod
    def of(cls, run: RunInfo, cells: Iterable[CellRecord]) -> Results:
        return cls(run, tuple(sorted(cells, key=lambda c: c.key)))

    def to_json(self) -> dict[str, Any]:
        return {"run": self.run.to_json(), "cells": [c.to_json() for c in self.cells]}

    @classmethod
    def from_json(cls, data: object) -> Results:
        """Raises ValueError (or KeyError) when ``data`` is not a results document."""
        if not isinstance(data, dict) or "cells" not in data or "run" not in data:
            raise ValueError("needs 'run' and 'cells'")
        return cls(RunInfo.from_json(data["run"]), tuple(CellRecord.from_json(c) for c in data["cells"]))

    def of_scenario(self, name: str) -> list[CellRecord]:
        return [c for c in self.cells if c.scenario == name]

    @property
    def scenarios(self) -> list[str]:
        return sorted({c.scenario for c in self.cells})


def write_results(path: Path, results: Results) -> None:
    """Write atomically (a reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(results.to_json(), indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)


def load_results(path: Path) -> Results:
    """Raises OSError when it cannot be read, ValueError (or KeyError) when it is not a results file."""
    try:
        return Results.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: not a results file ({exc})") from None


def merge_results(documents: Sequence[Results]) -> Results:
    """Merge shards: later documents win for the same cell (:attr:`CellRecord.key`); run info is combined."""
    cells: dict[CellKey, CellRecord] = {}
    for doc in documents:
        for cell in doc.cells:
            cells[cell.key] = cell
    runs = [d.run for d in documents]
    tools: list[ToolVersion] = []
    for run in runs:
        tools.extend(t for t in run.tools if t not in tools)
    run = RunInfo(
        engine=",".join(sorted({r.engine for r in runs})),
        started=min(r.started for r in runs),
        finished=max(r.finished for r in runs),
        host=",".join(sorted({r.host for r in runs})),
        harness_version=",".join(sorted({r.harness_version for r in runs})),
        tools=tuple(tools),
    )
    return Results.of(run, cells.values())
