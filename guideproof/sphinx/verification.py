"""The line under each rendered scenario: what the recorded results say, never more."""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from docutils import nodes

from guideproof.matrix.model import PLATFORM, Matrix
from guideproof.results.record import NOT_PASSED, CellRecord, Outcome
from guideproof.results.store import Results
from guideproof.scenario.digest import cell_digests
from guideproof.scenario.model import Scenario
from guideproof.sphinx.labels import cell_label, cell_order, position, short_label, support_note
from guideproof.sphinx.nodes import results_link


def anchor(name: str) -> str:
    """The id of a scenario's entry on the results page."""
    return nodes.make_id(f"result-{name}")


def run_date(results: Results) -> str:
    finished = results.run.finished
    match = re.match(r"\d{4}-\d{2}-\d{2}", finished)
    return match.group(0) if match else finished


def cells_of(results: Results | None, name: str) -> list[CellRecord]:
    return results.of_scenario(name) if results is not None else []


def describe_cells(matrix: Matrix, cells: Sequence[Mapping[str, str]]) -> str:
    """``Debian 12, Debian 13 × venv, uv venv`` when the cells are a full cross product, else each cell."""
    if not cells:
        return ""
    axes = list(cells[0])
    values: dict[str, list[str]] = {a: [] for a in axes}
    for cell in cells:
        for axis in axes:
            if cell.get(axis) not in values[axis]:
                values[axis].append(cell.get(axis, ""))
    for axis in axes:
        values[axis].sort(key=functools.partial(position, matrix, axis))
    combos = {tuple(c.get(a, "") for a in axes) for c in cells}
    if len(combos) == len(cells) and combos == set(itertools.product(*values.values())):
        return " × ".join(", ".join(short_label(matrix, a, v) for v in values[a]) for a in axes)
    ordered = sorted(cells, key=functools.partial(cell_order, matrix))
    return "; ".join(cell_label(matrix, c) for c in ordered)


def cell_date(results: Results, record: CellRecord) -> str:
    """The day the cell ran: its own end (schema 3), else its run's."""
    match = re.match(r"\d{4}-\d{2}-\d{2}", record.finished)
    return match.group(0) if match else run_date(results)


def applies(scenario: Scenario, part: str | None, record: CellRecord) -> bool:
    """Does ``part`` (None: the whole scenario) have steps in this cell as the scenario now reads?"""
    if part is None:
        return True
    return any(step.part == part for step in scenario.steps_for(record.cell))


def outdated(scenario: Scenario, part: str | None, record: CellRecord) -> bool:
    """Has what the cell runs for ``part`` (None: all of it) changed since the record was made?

    A record without digests (results schema 1 and 2) cannot tell, and is taken as it is, as before; a skipped
    cell ran nothing, so its reason (an unmet requirement) stands whatever its steps now say.
    """
    if not record.steps_sha256 or record.outcome is Outcome.SKIPPED:
        return False
    steps, parts = cell_digests(scenario, record.cell)
    if part is None:
        return record.steps_sha256 != steps
    return record.parts_sha256.get(part) != parts.get(part)


@dataclass(frozen=True)
class Verification:
    """What the results say about one rendered scenario (or one part of it), as the scenario now reads."""

    text: str
    verified: bool  # some cell passed on the steps as they read now
    outdated: tuple[CellRecord, ...] = ()  # cells that ran an earlier version of these steps


def verify(
    matrix: Matrix,
    results: Results | None,
    scenario: Scenario | None,
    name: str,
    part: str | None = None,
    today: dt.date | None = None,
    only: str | None = None,
) -> Verification:
    """The verification line of scenario ``name`` (``part`` of it): only the cells where the part has steps
    count, and a cell whose steps changed since its run is outdated, never verified. Without ``scenario`` (or
    without digests in the results) the cells are taken as recorded. With ``today``: each of its platforms past
    the end of its security support on that day is said to be so. ``only``: why the part has no step on the
    other cells, said instead of that bare fact."""
    cells = cells_of(results, name)
    if not cells or results is None:
        return Verification("Not yet verified: no recorded run of this scenario.", False)
    elsewhere: list[CellRecord] = []
    if scenario is not None:
        elsewhere = [c for c in cells if not applies(scenario, part, c)]
        cells = [c for c in cells if applies(scenario, part, c)]
    stale = [c for c in cells if scenario is not None and outdated(scenario, part, c)]
    cells = [c for c in cells if c not in stale]
    text = _counted(matrix, results, cells) if cells else ""
    if stale:
        dates = sorted({cell_date(results, c) for c in stale})
        what = "This part" if part is not None else "This scenario"
        where = "" if not cells else f" on {describe_cells(matrix, [c.cell for c in stale])}"
        text += (
            f" Outdated{where}: changed since the run of {', '.join(dates)}. {what} is not verified as it now"
            " reads until the scenario runs again."
        )
    if elsewhere:
        ran = describe_cells(matrix, [c.cell for c in cells + stale]) or "no cell"
        other = "the other cell has" if len(elsewhere) == 1 else f"the other {len(elsewhere)} cells have"
        text += f" {ran} only: {only.rstrip('.')}." if only else f" {ran} only: {other} no step in this part."
    if today is not None:  # a platform past its support: the guide never calls it patched
        note = support_note(matrix, (c.cell.get(PLATFORM, "") for c in cells + stale), today)
        text += f" {note}" if note else ""
    return Verification(text.strip(), any(c.outcome.verified for c in cells), tuple(stale))


def _counted(matrix: Matrix, results: Results, cells: list[CellRecord]) -> str:
    passed = [c.cell for c in cells if c.outcome.verified]
    dates = sorted({cell_date(results, c) for c in cells})
    date = dates[-1] if len(dates) == 1 else f"{dates[0]} to {dates[-1]}"
    if not results.run.complete:
        date += f", in an incomplete run ({results.run.incomplete_because})"
    if passed:
        text = f"Verified on {len(passed)} of {len(cells)} cells, {date}: {describe_cells(matrix, passed)}."
    else:
        text = f"Not verified: 0 of {len(cells)} cells passed, {date}."
    grouped: dict[tuple[Outcome, str], list[dict[str, str]]] = defaultdict(list)
    for cell in cells:
        if not cell.outcome.verified:
            grouped[(cell.outcome, cell.reason or "no reason recorded")].append(cell.cell)
    for outcome in NOT_PASSED:
        for (kind, reason), group in grouped.items():
            if kind is outcome:
                text += f" {outcome.intro} on {describe_cells(matrix, group)}: {reason}."
    return text


def summary_text(
    matrix: Matrix,
    results: Results | None,
    name: str,
    scenario: Scenario | None = None,
    today: dt.date | None = None,
) -> str:
    """The verification sentence for scenario ``name`` (without the link to the results page)."""
    return verify(matrix, results, scenario, name, today=today).text


def verification_node(verification: Verification, name: str) -> nodes.paragraph:
    state = (
        "outdated"
        if verification.outdated and not verification.verified
        else ("verified" if verification.verified else "unverified")
    )
    para = nodes.paragraph(classes=["scenario-verification", state])
    para += nodes.Text(verification.text + " ")
    para += results_link("", "Details on the results page.", anchor=anchor(name))
    return para
