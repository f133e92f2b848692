"""What a cell was asked to run, as digests: the results file records them, the docs compare them.

A cell's digest covers its resolved steps (the scenario after ``#if`` resolution for the cell's values), and
each ``#part``'s digest the part's steps among them: command, expected output and status, and whether the
step is hidden. Line numbers and prose are left out, so moving a part or rewording a note outdates nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence

from guideproof.scenario.model import Scenario, Step


def steps_digest(steps: Sequence[Step]) -> str:
    """The SHA-256 of ``steps`` as run and checked (not where they are in the file)."""
    payload = [
        [step.command, step.status, step.hidden, step.no_output, [expected.source for expected in step.output]]
        for step in steps
    ]
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode("utf-8", "surrogateescape")).hexdigest()


def cell_digests(scenario: Scenario, values: Mapping[str, str]) -> tuple[str, dict[str, str]]:
    """The digest of the steps a cell with these values runs, and one per part those steps belong to."""
    steps = scenario.steps_for(values)
    parts: dict[str, list[Step]] = {}
    for step in steps:
        if step.part:
            parts.setdefault(step.part, []).append(step)
    return steps_digest(steps), {part: steps_digest(group) for part, group in parts.items()}
