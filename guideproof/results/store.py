"""The results file: write, load (checked against its schema) and merge.

The schema is ``schema.json`` beside this module (JSON Schema 2020-12), documented in
docs/maintainers/results.rst. Files of schema 1 (before ``schema``, ``state`` and ``exit_status`` existed)
and 2 (before the steps' digests and outputs, with ``harness_version``) still load: they are migrated
first, schema 1 files as complete runs whose exit status is unknown, both with ``guideproof_version``.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from guideproof.errors import FileError, UserError
from guideproof.results.record import CellKey, CellRecord, Progress, RunInfo, ToolVersion

SCHEMA = 3  # the version this guideproof writes; it reads 1, 2 and 3


@dataclass(frozen=True)
class Results:
    """A results file: the run and its cells, sorted by :attr:`CellRecord.key`."""

    run: RunInfo
    cells: tuple[CellRecord, ...]

    @classmethod
    def of(cls, run: RunInfo, cells: Iterable[CellRecord]) -> Results:
        return cls(run, tuple(sorted(cells, key=lambda c: c.key)))

    def to_json(self) -> dict[str, Any]:
        return {"schema": SCHEMA, "run": self.run.to_json(), "cells": [c.to_json() for c in self.cells]}

    @classmethod
    def from_json(cls, data: object) -> Results:
        """Raises ValueError, naming the first place that does not fit, when ``data`` is no results document."""
        checked = validated(data)
        return cls(RunInfo.from_json(checked["run"]), tuple(CellRecord.from_json(c) for c in checked["cells"]))

    def of_scenario(self, name: str) -> list[CellRecord]:
        return [c for c in self.cells if c.scenario == name]

    @property
    def scenarios(self) -> list[str]:
        return sorted({c.scenario for c in self.cells})


def write_results(path: Path, results: Results) -> None:
    """Write atomically (a reader never sees half a file); a failed write leaves no temporary file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(results.to_json(), indent=2) + "\n", encoding="utf-8")
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def check_writable(path: Path) -> None:
    """Can a results file be written at ``path``? Checked before the first cell runs; a :class:`UserError` (an
    output that cannot be written) names the path and says why not."""
    if path.is_dir():
        raise UserError(f"{path}: a directory; name a file, e.g. {path / 'scenarios.json'}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        probe = path.with_name(f".{path.name}.{os.getpid()}.check")
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise UserError(f"{path}: cannot write there ({exc.strerror or exc})") from None


@functools.cache
def schema() -> dict[str, Any]:
    return json.loads(resources.files(__package__).joinpath("schema.json").read_text(encoding="utf-8"))


def migrated(data: object) -> object:
    """A document of schema 1 or 2 in the form of schema 3 (anything else as it is, for the schema to judge).

    Schema 1 had no ``schema``, ``state`` or ``exit_status``; schemas 1 and 2 name the version that wrote the
    file ``harness_version``. Their cells have no step digests and no outputs, which schema 3 allows: a cell
    without them is shown as it was, never as outdated.
    """
    if not isinstance(data, dict) or type(data.get("schema", 1)) is not int or data.get("schema", 1) not in (1, 2):
        return data
    migrated = {**data, "schema": SCHEMA}
    run = data.get("run")
    if isinstance(run, dict):
        if "schema" not in data:
            run = {"state": Progress.COMPLETE.value, "exit_status": None, **run}
        if "harness_version" in run:
            run = {("guideproof_version" if k == "harness_version" else k): v for k, v in run.items()}
        migrated["run"] = run
        # Each cell ran in that run: say so in the cell, so a merge with newer runs keeps its date.
        if isinstance(data.get("cells"), list) and isinstance(run.get("finished"), str):
            finished = run["finished"]
            migrated["cells"] = [
                {"finished": finished, **cell} if isinstance(cell, dict) else cell for cell in data["cells"]
            ]
    return migrated


def validated(data: object) -> dict[str, Any]:
    """``data`` migrated and checked against the schema; ValueError says where it does not fit, and how."""
    if isinstance(data, dict) and isinstance(data.get("schema"), int) and data["schema"] > SCHEMA:
        raise ValueError(f"written with results schema {data['schema']}; this guideproof reads 1 to {SCHEMA}")
    data = migrated(data)
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema()).iter_errors(data))
    if error is not None:
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path).lstrip(".")
        raise ValueError(f"{where or 'the document'}: {error.message}")
    assert isinstance(data, dict)
    return data


def load_results(path: Path) -> Results:
    """Raises OSError when it cannot be read, FileError when it is not a results file (with where and why)."""
    if path.is_dir():
        raise FileError(path, None, "a directory, not a results file")
    try:
        return Results.from_json(json.loads(path.read_text(encoding="utf-8")))
    except UnicodeDecodeError:
        raise FileError(path, None, "not a results file (not UTF-8 text)") from None
    except json.JSONDecodeError as exc:
        raise FileError(path, None, f"not a results file (not JSON: {exc})") from None
    except ValueError as exc:
        raise FileError(path, None, f"not a results file ({exc})") from None


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
    # The merge is as complete as its least complete shard: one interrupted shard makes it interrupted.
    incomplete = [r for r in runs if not r.complete]
    statuses = [r.exit_status for r in runs]
    run = RunInfo(
        engine=",".join(sorted({r.engine for r in runs})),
        started=min(r.started for r in runs),
        finished=max(r.finished for r in runs),
        host=",".join(sorted({r.host for r in runs})),
        guideproof_version=",".join(sorted({r.guideproof_version for r in runs})),
        tools=tuple(tools),
        state=incomplete[0].state if incomplete else Progress.COMPLETE,
        exit_status=None if None in statuses else max(statuses, key=lambda s: (s != 0, s)),
        stopped_by="; ".join(r.stopped_by for r in incomplete if r.stopped_by),
        errors=tuple(e for r in runs for e in r.errors),
    )
    return Results.of(run, cells.values())
