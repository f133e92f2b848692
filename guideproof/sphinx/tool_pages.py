"""Pages about tool releases: ``.. compat-map:: FILE`` and ``.. tool-history:: NAME``.

``compat-map`` shows a results file of a ``--tool NAME=FIRST..LAST`` run (``nox -s compat``) as releases x cells
with a symbol per square, then each cell's story along the releases. ``tool-history`` draws the tool's
pass/fail by release from the history file (conf.py's ``scenario_history``, e.g. ``../results/history.jsonl``) as an
inline SVG chart (:mod:`guideproof.sphinx.charts`), with its numbers in words below for readers without it.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util.docutils import SphinxDirective

from guideproof.errors import UserError
from guideproof.matrix.model import Matrix
from guideproof.results import history
from guideproof.results.grid import Grid, grid_from_results, tools_of
from guideproof.results.record import Outcome
from guideproof.results.store import load_results
from guideproof.sphinx import sources
from guideproof.sphinx.charts import bars, failing_spans, render_svg
from guideproof.sphinx.labels import short_label


def _cell_label(matrix: Matrix, column: str) -> tuple[str, str]:
    """``tier1/venv-basics[debian-trixie-virtualenv]`` → (scenario, "Debian 13 × virtualenv")."""
    scenario, _, cell = column.partition("[")
    cell = cell.rstrip("]")
    labels = []
    for platform in matrix.platforms:
        if cell == platform.name or cell.startswith(platform.name + "-"):
            labels.append(short_label(matrix, "platform", platform.name))
            rest = cell[len(platform.name) + 1 :]
            if rest:
                labels.append(rest)
            break
    return scenario, " × ".join(labels) or cell


def compat_html(matrix: Matrix, grid: Grid) -> str:
    labels = [_cell_label(matrix, c) for c in grid.columns]
    head = "".join(
        f'<th class="map-value" scope="col" title="{escape(column)}">'
        f"<span>{escape(name)}<br>{escape(label)}</span></th>"
        for column, (name, label) in zip(grid.columns, labels, strict=True)
    )
    rows = []
    for release in grid.releases:
        squares = []
        for column in grid.columns:
            square = grid.square(release, column)
            if square is None:
                squares.append('<td class="map-empty"></td>')
                continue
            outcome = square.outcome
            tip = f"{grid.tool} {release}, {column}: {outcome.word}" + (f": {square.reason}" if square.reason else "")
            squares.append(
                f'<td class="map-square outcome-{outcome}" title="{escape(tip, quote=True)}">'
                f'<span aria-label="{escape(outcome.word, quote=True)}">{outcome.symbol}</span></td>'
            )
        date = grid.released.get(release, "")
        rows.append(f'<tr><th scope="row">{escape(release)}</th><td>{escape(date)}</td>{"".join(squares)}</tr>')
    key = " · ".join(f"{o.symbol} {escape(o.word)}" for o in Outcome)
    return (
        f'<div class="results-map-wrap"><p class="results-map-legend">{key}</p>'
        f'<table class="compat-map"><thead><tr><th scope="col">{escape(grid.tool)}</th><th scope="col">released</th>'
        f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


class CompatMapDirective(SphinxDirective):
    """``.. compat-map:: ../results/compat/virtualenv.json`` (relative to the page, or to the source root with
    a leading ``/``); ``:tool:`` when the file pinned several tools."""

    required_arguments = 1
    option_spec = {"tool": directives.unchanged}  # noqa: RUF012 - docutils' API

    def run(self) -> list[nodes.Node]:
        _, path = self.env.relfn2path(self.arguments[0], self.env.docname)
        self.env.note_dependency(path)
        try:
            matrix = sources.get_matrix(self.config)
            results = load_results(Path(path))
        except (UserError, OSError, ValueError) as exc:
            return [self.state.document.reporter.error(f"compat-map: {exc}", line=self.lineno)]
        tools = [self.options["tool"]] if "tool" in self.options else tools_of(results)
        if len(tools) != 1:
            found = ", ".join(tools) or "none"
            message = f"compat-map: {path} pins {found}; name one with :tool:"
            return [self.state.document.reporter.error(message, line=self.lineno)]
        grid = grid_from_results(results, tools[0])
        run = results.run
        intro = nodes.paragraph(
            "",
            f"{len(grid.releases)} releases of {grid.tool} × {len(grid.columns)} cells, run with engine {run.engine}"
            f" from {run.started or '?'} to {run.finished or '?'} (guideproof {run.guideproof_version}).",
            support_smartquotes=False,
        )
        stories = nodes.bullet_list()
        for column, parts in grid.changes().items():
            scenario, label = _cell_label(matrix, column)
            item = nodes.list_item()
            para = nodes.paragraph("", "", support_smartquotes=False)
            para += nodes.literal("", scenario)
            para += nodes.Text(f", {label}: " + "; ".join(parts) + ".")
            item += para
            stories += item
        return [intro, nodes.raw("", compat_html(matrix, grid), format="html"), stories]


class ToolHistoryDirective(SphinxDirective):
    """``.. tool-history:: virtualenv``: the chart of pass/fail by release from the history file."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        tool = self.arguments[0]
        if not self.config.scenario_history:
            message = (
                "tool-history: conf.py does not set scenario_history (the history file, e.g. results/history.jsonl)"
            )
            return [self.state.document.reporter.error(message, line=self.lineno)]
        path = Path(self.config.scenario_history)
        self.env.note_dependency(str(path))
        try:
            recorded = history.load(path)
        except UserError as exc:
            return [self.state.document.reporter.error(f"tool-history: {exc}", line=self.lineno)]
        chart_bars = bars(recorded, tool)
        if not chart_bars:
            return [nodes.paragraph("", f"No run of {tool} releases is recorded in {path.name} yet.")]
        svg = render_svg(tool, chart_bars, nodes.make_id(f"chart-{tool}"))
        figure = nodes.raw("", f'<div class="tool-chart-wrap">{svg}</div>', format="html")
        failing = failing_spans(chart_bars)
        summary = nodes.paragraph(
            "",
            f"{len(chart_bars)} releases of {tool}, from {chart_bars[0].version} to {chart_bars[-1].version}, "
            f"the latest run of each cell at each release. "
            + (f"A cell fails at {', '.join(failing)}." if failing else "No cell failed at any of them."),
            support_smartquotes=False,
        )
        return [figure, summary]
