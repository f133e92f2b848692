"""The results file. Schema (documented in docs/maintainers/results.rst)::

{"run": {"engine", "started", "finished", "host", "harness_version"},
 "cells": [{"scenario", "title", "file", "cell": {"platform", <axis>...}, "outcome", "reason",
            "duration_s", "failed_line", "versions", "detail", "link"}]}
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from harness.run.runner import CellResult

OUTCOMES = ("passed", "failed", "skipped", "xfailed", "xpassed", "error")


@dataclass
class RunInfo:
    engine: str
    started: str
    finished: str
    host: str
    harness_version: str


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
    ordered = sorted(cells, key=lambda c: (c["scenario"], sorted(c["cell"].items())))
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
    cells: dict[tuple[str, tuple[tuple[str, str], ...]], dict[str, Any]] = {}
    for doc in documents:
        for cell in doc["cells"]:
            cells[(cell["scenario"], tuple(sorted(cell["cell"].items())))] = cell
    runs = [d["run"] for d in documents]
    run = {
        "engine": ",".join(sorted({r["engine"] for r in runs})),
        "started": min(r["started"] for r in runs),
        "finished": max(r["finished"] for r in runs),
        "host": ",".join(sorted({r["host"] for r in runs})),
        "harness_version": ",".join(sorted({r["harness_version"] for r in runs})),
    }
    return {"run": run, "cells": sorted(cells.values(), key=lambda c: (c["scenario"], sorted(c["cell"].items())))}
