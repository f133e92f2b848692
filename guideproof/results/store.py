"""The results file. Schema (documented in docs/maintainers/results.rst)::

{"run": {"engine", "started", "finished", "host", "harness_version",
         "tools": [{"tool", "spec", "version", "source", "note"}]},
 "cells": [{"scenario", "title", "file", "cell": {"platform", <axis>...}, "tools": {<tool>: <version>},
            "outcome", "reason", "duration_s", "failed_line", "versions", "detail", "link"}]}
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from guideproof.run.runner import CellResult

OUTCOMES = ("passed", "failed", "skipped", "xfailed", "xpassed", "error")


@dataclass
class RunInfo:
    engine: str
    started: str
    finished: str
    host: str
    harness_version: str
    tools: list[dict[str, str]] = field(default_factory=list)  # --tool versions: tool, spec, version, source, note


def cell_record(result: CellResult, root: Path | None = None) -> dict[str, Any]:
    path = result.scenario.path
    try:
        shown = path.resolve().relative_to((root or Path.cwd()).resolve()).as_posix()
    except ValueError:
        shown = str(path)
    return {
        "scenario": result.scenario.name,
        "title": result.scenario.title,
        "file": shown,
        "cell": result.cell.as_dict,
        "tools": dict(result.cell.tools),
        "outcome": result.outcome,
        "reason": result.reason,
        "duration_s": result.duration_s,
        "failed_line": result.failed_line,
        "versions": result.versions,
        "detail": result.detail,
        "link": result.link,
    }


def write_results(path: Path, run: RunInfo, cells: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    ordered = sorted(cells, key=cell_key)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"run": asdict(run), "cells": ordered}, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)


def load_results(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or "cells" not in data or "run" not in data:
        raise ValueError(f"{path}: not a results file (needs 'run' and 'cells')")
    return data


def merge_results(documents: list[dict[str, Any]]) -> dict[str, Any]:
    """Merge shards: later documents win for the same (scenario, cell); run info is combined."""
    cells: dict[CellKey, dict[str, Any]] = {}
    for doc in documents:
        for cell in doc["cells"]:
            cells[cell_key(cell)] = cell
    runs = [d["run"] for d in documents]
    run = {
        "engine": ",".join(sorted({r["engine"] for r in runs})),
        "started": min(r["started"] for r in runs),
        "finished": max(r["finished"] for r in runs),
        "host": ",".join(sorted({r["host"] for r in runs})),
        "harness_version": ",".join(sorted({r["harness_version"] for r in runs})),
        "tools": [t for i, r in enumerate(runs) for t in r.get("tools", []) if t not in _earlier_tools(runs, i)],
    }
    return {"run": run, "cells": sorted(cells.values(), key=cell_key)}


def _earlier_tools(runs: list[dict[str, Any]], index: int) -> list[dict[str, str]]:
    return [t for r in runs[:index] for t in r.get("tools", [])]


CellKey = tuple[str, tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]


def cell_key(cell: dict[str, Any]) -> CellKey:
    """What identifies a cell across result files: scenario, axis values and pinned tool versions."""
    return (cell["scenario"], tuple(sorted(cell["cell"].items())), tuple(sorted(cell.get("tools", {}).items())))
