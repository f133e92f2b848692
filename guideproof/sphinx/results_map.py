"""The compact map that opens the results page: scenarios down, platform x axis value across, one symbol per cell.

Each square is a link to the cell's row in the scenario tables below (reason, versions), with the outcome and
reason as its tooltip. Every outcome has its own symbol (``Outcome.symbol``), so the map reads without colour;
colour only supports it. A scenario without axes has one cell per platform, in the platform's first column
("—"). Only columns some cell uses are shown, so today's ~60 cells fit one screen.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from docutils import nodes

from guideproof.matrix.model import PLATFORM, Matrix
from guideproof.results.record import CellRecord, Outcome
from guideproof.results.store import Results
from guideproof.sphinx.labels import position, short_label, value_label
from guideproof.sphinx.verification import anchor

NO_AXIS = ""  # the column of scenarios without axes
# Which outcome a square shows when several cells share it (the same cell with different --tool pins).
WORST_FIRST = (Outcome.ERROR, Outcome.FAILED, Outcome.XPASSED, Outcome.XFAILED, Outcome.SKIPPED, Outcome.PASSED)


def row_id(record: CellRecord) -> str:
    """The id of a cell's row in the scenario tables: what a square links to."""
    return nodes.make_id(f"cell-{record.scenario}-{record.id}")


def _column(record: CellRecord) -> tuple[str, str]:
    """(platform, the other axis values joined) — the column a cell belongs in."""
    values = [f"{axis}={value}" for axis, value in record.cell.items() if axis != PLATFORM]
    return record.cell.get(PLATFORM, "?"), " ".join(values) or NO_AXIS


def _column_order(matrix: Matrix, column: tuple[str, str]) -> tuple[int, ...]:
    platform, rest = column
    key = [position(matrix, PLATFORM, platform)]
    if rest == NO_AXIS:
        return (*key, -1)
    for term in rest.split(" "):
        axis, _, value = term.partition("=")
        key += [matrix.axis_names.index(axis) if axis in matrix.axis_names else 99, position(matrix, axis, value)]
    return tuple(key)


def _column_label(matrix: Matrix, rest: str) -> str:
    if rest == NO_AXIS:
        return "—"
    terms = [term.partition("=") for term in rest.split(" ")]
    return " · ".join(value_label(matrix, axis, value) for axis, _, value in terms)


def _where(matrix: Matrix, record: CellRecord) -> str:
    return " × ".join(short_label(matrix, axis, value) for axis, value in record.cell.items())


def _square(matrix: Matrix, records: list[CellRecord]) -> str:
    if not records:
        return '<td class="map-empty"></td>'
    records = sorted(records, key=lambda r: WORST_FIRST.index(r.outcome))
    shown = records[0]
    tips = []
    for record in records:
        pins = " ".join(f"{t} {v}" for t, v in record.tools.items())
        reason = f": {record.reason}" if record.reason and not record.outcome.verified else ""
        with_pins = f" with {pins}" if pins else ""
        tips.append(f"{record.scenario}, {_where(matrix, record)}{with_pins} — {record.outcome.word}{reason}")
    title = escape("\n".join(tips), quote=True)
    label = escape(f"{shown.scenario}, {_where(matrix, shown)}: {shown.outcome.word}", quote=True)
    return (
        f'<td class="map-square outcome-{shown.outcome}"><a href="#{row_id(shown)}" title="{title}"'
        f' aria-label="{label}">{shown.outcome.symbol}</a></td>'
    )


def legend() -> str:
    items = "".join(f'<li><span class="map-key outcome-{o}">{o.symbol}</span> {escape(o.word)}</li>' for o in Outcome)
    return f'<ul class="results-map-legend">{items}<li><span class="map-key map-empty"> </span> no such cell</li></ul>'


def map_html(matrix: Matrix, cells: Iterable[CellRecord]) -> str:
    """The map as an HTML table (a figure of the results page)."""
    by_square: dict[tuple[str, tuple[str, str]], list[CellRecord]] = {}
    for record in cells:
        by_square.setdefault((record.scenario, _column(record)), []).append(record)
    columns = sorted({column for _, column in by_square}, key=lambda c: _column_order(matrix, c))
    scenarios = sorted({scenario for scenario, _ in by_square})
    platforms: list[tuple[str, int]] = []
    for platform, _ in columns:
        if platforms and platforms[-1][0] == platform:
            platforms[-1] = (platform, platforms[-1][1] + 1)
        else:
            platforms.append((platform, 1))
    head_platforms = "".join(
        f'<th colspan="{span}" class="map-platform" scope="colgroup">{escape(short_label(matrix, PLATFORM, p))}</th>'
        for p, span in platforms
    )
    head_values = "".join(
        f'<th class="map-value" scope="col"><span>{escape(_column_label(matrix, rest))}</span></th>'
        for _, rest in columns
    )
    rows = []
    # A row is named by the scenario's file name alone where that is unique (its directory, "tier1/", is in the
    # link's tooltip): the map of five platforms must still fit the page's column.
    stems = [scenario.rpartition("/")[2] for scenario in scenarios]
    for scenario, stem in zip(scenarios, stems, strict=True):
        squares = "".join(_square(matrix, by_square.get((scenario, column), [])) for column in columns)
        shown = stem if stems.count(stem) == 1 else scenario
        link = f'<a href="#{anchor(scenario)}" title="{escape(scenario, quote=True)}">{escape(shown)}</a>'
        rows.append(f'<tr><th scope="row" class="map-scenario">{link}</th>{squares}</tr>')
    return (
        '<div class="results-map-wrap">'
        + legend()
        + '<table class="results-map"><caption>Every cell of the last run: scenarios down, platform and axis'
        " value across. Each square links to its row below.</caption>"
        + f'<thead><tr><th rowspan="2" class="map-corner">Scenario</th>{head_platforms}</tr>'
        + f"<tr>{head_values}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def results_map(matrix: Matrix, results: Results) -> nodes.raw:
    return nodes.raw("", map_html(matrix, results.cells), format="html")
