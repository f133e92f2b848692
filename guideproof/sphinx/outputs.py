"""What a reader sees under a command: the output a named cell recorded, not the scenario's patterns.

The scenario's expected lines are checks (``(re)``, ``(glob)``, ``...``); a reader needs real output. For each
rendered block one recorded cell is chosen: within a tab, a cell of that tab's condition; else the newest
default platform (first values of the other axes), passed cells first. Only a cell that ran the steps as they
read now is used (its digest matches), so a recorded output always belongs to the command shown above it.
Without one, the expectation is shown with pattern lines as plainly marked placeholders.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from guideproof.matrix.model import PLATFORM, Matrix
from guideproof.matrix.where import Where
from guideproof.results.record import CellRecord, StepRecord
from guideproof.results.store import Results
from guideproof.scenario.digest import cell_digests
from guideproof.scenario.escapes import terminal_view
from guideproof.scenario.model import Expected, Scenario, Step
from guideproof.sphinx.labels import cell_label, position

VARIES = "‹output that varies›"  # a (re) line with no recorded output: never the regex itself


@dataclass(frozen=True)
class Recorded:
    """One cell's recorded outputs, by the scenario line of each step's command."""

    record: CellRecord
    date: str
    steps: dict[int, StepRecord]

    def caption(self, matrix: Matrix) -> str:
        return f"Output as recorded on {cell_label(matrix, self.record.cell)}, {self.date}."


class Outputs:
    """The recorded outputs of one scenario's cells that ran the scenario as it now reads."""

    def __init__(self, matrix: Matrix, results: Results | None, scenario: Scenario, run_date: str) -> None:
        self.matrix = matrix
        self.recorded: list[Recorded] = []
        for record in results.of_scenario(scenario.name) if results is not None else []:
            if not record.steps_sha256 or record.steps_sha256 != cell_digests(scenario, record.cell)[0]:
                continue  # no digest (results schema 1, 2), or it ran other steps: its lines may not match
            steps = {s.line: s for s in record.steps if s.output is not None}
            if steps:
                date = record.finished[:10] or run_date
                self.recorded.append(Recorded(record, date, steps))
        self.recorded.sort(key=self._preference)

    def _preference(self, recorded: Recorded) -> tuple:
        record = recorded.record
        platform = record.cell.get(PLATFORM, "")
        try:
            default = self.matrix.platform(platform).default
        except KeyError:
            default = False
        others = tuple(position(self.matrix, a, v) for a, v in record.cell.items() if a != PLATFORM)
        return (
            not record.outcome.verified,
            bool(record.tools),
            not default,
            -position(self.matrix, PLATFORM, platform),  # the newest platform: last in matrix order
            others,
            record.finished,
        )

    def pick(self, steps: Sequence[Step], condition: Where | None = None) -> Recorded | None:
        """The preferred cell matching ``condition`` that recorded an output for one of ``steps`` at least."""
        lines = {s.line for s in steps if not s.hidden}
        for recorded in self.recorded:
            if condition is not None and not condition.matches(recorded.record.cell):
                continue
            if lines & recorded.steps.keys():
                return recorded
        return None


def placeholder(expected: Expected) -> str:
    """An expected line as a reader may read it when no output is recorded: literal lines as they are, a glob
    with ``…`` for its wildcards, a regular expression as a marked placeholder."""
    if expected.kind == "re":
        literal = re.sub(r"\\([^\w\s])", r"\1", expected.text)  # "3\.11" reads as "3.11"
        plain = re.fullmatch(r"[^\\^$*+?{}\[\]()|]*", expected.text.replace("\\.", "."))
        return literal if plain else VARIES
    if expected.kind == "glob":
        return re.sub(r"\\(.)|[*?]", lambda m: m.group(1) or "…", expected.text)
    return expected.shown


def output_lines(step: Step, recorded: Recorded | None) -> tuple[list[str], bool]:
    """The lines shown under ``step``, and whether they are the recorded output (else the placeholders).

    Only a step whose output the scenario checks shows any; where its expectation leaves out the start or the
    end (``...``), so does the recorded output, keeping as many lines as the expectation spells out.
    """
    expected = list(step.output)
    record = recorded.steps.get(step.line) if recorded is not None else None
    if not expected or record is None or record.shown_output is None:
        return [placeholder(e) for e in expected], False
    got = [terminal_view(line.encode("utf-8", "surrogateescape")) for line in record.shown_output]
    if all(e.kind == "ellipsis" for e in expected):
        return ["..."], False  # nothing of the recorded output is shown: no caption names its cell
    lead, trail = expected[0].kind == "ellipsis", expected[-1].kind == "ellipsis"
    inner = expected[int(lead) : len(expected) - int(trail)]
    if (lead != trail) and not any(e.kind == "ellipsis" for e in inner) and len(got) > len(inner):
        return (["...", *got[len(got) - len(inner) :]] if lead else [*got[: len(inner)], "..."]), True
    return got, True
