"""The line under each rendered scenario: what the recorded results say, never more."""

from __future__ import annotations

import functools
import itertools
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence

from docutils import nodes

from guideproof.matrix.model import Matrix
from guideproof.results.record import NOT_PASSED, CellRecord, Outcome
from guideproof.results.store import Results
from guideproof.sphinx.labels import cell_label, cell_order, position, short_label
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


def summary_text(matrix: Matrix, results: Results | None, name: str) -> str:
    """The verification sentence for scenario ``name`` (without the link to the results page)."""
    cells = cells_of(results, name)
    if not cells or results is None:
        return "Not yet verified: no recorded run of this scenario."
    passed = [c.cell for c in cells if c.outcome.verified]
    date = run_date(results)
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


def verification_node(matrix: Matrix, results: Results | None, name: str) -> nodes.paragraph:
    verified = any(c.outcome.verified for c in cells_of(results, name))
    para = nodes.paragraph(classes=["scenario-verification", "verified" if verified else "unverified"])
    para += nodes.Text(summary_text(matrix, results, name) + " ")
    para += results_link("", "Details on the results page.", anchor=anchor(name))
    return para
