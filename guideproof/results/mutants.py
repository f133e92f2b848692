"""The results file of a mutation run (``guideproof mutants``, ``nox -s mutants``): which steps are checked.

A step is *checked* when some mutation of it was killed (the cell failed); a surviving mutant names a step whose
effect or output nothing checks. Setup steps (``#setup REASON``) are listed with their reason, unmutated.
The docs read this file for the maintainers' results page (``scenario_mutants``).

.. code-block:: json

   {"kind": "guideproof-mutants", "schema": 1,
    "run": {"started": "...", "finished": "...", "wall_s": 812.4, "engine": "docker",
            "platforms": ["debian-bookworm"]},
    "scenarios": [{"scenario": "tier1/pep668", "file": "scenarios/tier1/pep668.scenario",
                   "cells": "debian-bookworm", "not_run": "",
                   "steps": [{"line": 12, "command": "...", "cell": "debian-bookworm", "setup": null,
                              "mutants": [{"mutation": "true", "outcome": "killed", "by": 14,
                                           "ran": true, "duration_s": 8.1, "reason": ""}]}]}]}
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from guideproof.errors import FileError

KIND = "guideproof-mutants"
SCHEMA = 1
OUTCOMES = ("killed", "survived", "error")


@dataclass(frozen=True)
class MutantRecord:
    mutation: str  # "true" (the command replaced by `true`) or "silent" (its output dropped, exit status 0)
    outcome: str  # killed | survived | error
    by: int | None = None  # the line of the step that failed (killed), or where an error happened
    ran: bool = False  # False: decided by the step's own check, with no container
    duration_s: float = 0.0
    reason: str = ""  # for an error: what went wrong
    cell: str = ""  # the cell it ran in, when it ran


@dataclass(frozen=True)
class StepMutants:
    line: int
    command: str
    cell: str
    setup: str | None = None  # a #setup step's reason: not mutated
    mutants: tuple[MutantRecord, ...] = ()

    @property
    def checked(self) -> bool:
        return any(m.outcome == "killed" for m in self.mutants)

    @property
    def survivors(self) -> list[MutantRecord]:
        return [m for m in self.mutants if m.outcome == "survived"]


@dataclass(frozen=True)
class ScenarioMutants:
    scenario: str
    file: str
    cells: str  # the cells the steps were mutated in, by id
    not_run: str = ""  # why no mutant ran (the cell did not pass unmutated, ...)
    steps: tuple[StepMutants, ...] = ()

    @property
    def mutated(self) -> list[StepMutants]:
        return [s for s in self.steps if s.setup is None]


@dataclass(frozen=True)
class MutationRun:
    started: str
    finished: str
    wall_s: float
    engine: str
    platforms: tuple[str, ...]
    scenarios: tuple[ScenarioMutants, ...] = field(default=())
    complete: bool = True  # False: stopped (or written) before its last scenario

    @property
    def steps(self) -> list[StepMutants]:
        return [s for sc in self.scenarios for s in sc.mutated]

    @property
    def checked(self) -> int:
        return sum(1 for s in self.steps if s.checked)

    @property
    def mutants(self) -> int:
        return sum(len(s.mutants) for s in self.steps)

    @property
    def ran(self) -> int:
        return sum(1 for s in self.steps for m in s.mutants if m.ran)

    @property
    def date(self) -> str:
        return self.started[:10]

    def summary(self) -> str:
        """``N of M steps checked, mutation run DATE``."""
        partial = "" if self.complete else f" (partial: stopped after {len(self.scenarios)} scenarios)"
        return f"{self.checked} of {len(self.steps)} steps checked, mutation run {self.date}{partial}"

    def to_json(self) -> dict[str, Any]:
        run = {k: v for k, v in asdict(self).items() if k != "scenarios"}
        run["platforms"] = list(self.platforms)
        return {"kind": KIND, "schema": SCHEMA, "run": run, "scenarios": [asdict(s) for s in self.scenarios]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MutationRun:
        run = data["run"]
        scenarios = []
        for sc in data["scenarios"]:
            steps = tuple(
                StepMutants(
                    st["line"],
                    st["command"],
                    st["cell"],
                    st.get("setup"),
                    tuple(MutantRecord(**m) for m in st.get("mutants", ())),
                )
                for st in sc.get("steps", ())
            )
            scenarios.append(
                ScenarioMutants(sc["scenario"], sc["file"], sc.get("cells", ""), sc.get("not_run", ""), steps)
            )
        return cls(
            run["started"],
            run["finished"],
            float(run["wall_s"]),
            run["engine"],
            tuple(run["platforms"]),
            tuple(scenarios),
            bool(run.get("complete", True)),
        )


def write_mutants(path: Path, run: MutationRun) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(run.to_json(), indent=2) + "\n", encoding="utf-8")


def load_mutants(path: Path) -> MutationRun:
    """Read a mutation run's results; a file that is not one is a :class:`FileError` naming it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise FileError(path, None, f"cannot read a mutation run's results: {exc}") from None
    if not isinstance(data, dict) or data.get("kind") != KIND:
        raise FileError(path, None, f'not a mutation run\'s results (no "kind": "{KIND}")')
    if data.get("schema") != SCHEMA:
        raise FileError(path, None, f"mutation results schema {data.get('schema')!r}; this guideproof reads {SCHEMA}")
    try:
        return MutationRun.from_json(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise FileError(path, None, f"a mutation run's results without {exc}") from None


def render_text(run: MutationRun) -> str:
    """The terminal report: the summary, then each scenario's unchecked steps and setup steps."""
    lines = [
        f"{run.summary()}: {run.mutants} mutants ({run.ran} run in containers, the rest decided by the step's "
        f"own check) on {', '.join(run.platforms)}, {run.engine} engine, {run.wall_s:.0f} s",
    ]
    for sc in run.scenarios:
        mutated = sc.mutated
        head = f"{sc.scenario} [{sc.cells}]: {sum(s.checked for s in mutated)} of {len(mutated)} steps checked"
        lines.append(head if not sc.not_run else f"{sc.scenario}: not mutated: {sc.not_run}")
        for st in sc.steps:
            first = st.command.split("\n")[0]
            where = f"  {sc.file}:{st.line}"
            if st.setup is not None:
                lines.append(f"{where}: setup ({st.setup}): $ {first}")
                continue
            if not st.checked:  # a step one mutation killed is checked, whatever the other did
                undecided = [f"{m.mutation!r} undecided ({m.reason})" for m in st.mutants if m.outcome == "error"]
                survived = ", ".join(repr(m.mutation) for m in st.survivors)
                what = "; ".join([f"{survived} survived" if survived else "", *undecided]).strip("; ")
                lines.append(f"{where}: unchecked: {what}: $ {first}")
    return "\n".join(lines)
