"""``.. scenario-results::``: the run, a compact map of every cell, then per scenario a table of its cells with
the outcome in words and symbol, reasons and versions."""

from __future__ import annotations

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

from guideproof.errors import UserError
from guideproof.matrix.model import Matrix
from guideproof.results.record import CellRecord, tally
from guideproof.results.store import Results
from guideproof.sphinx import envdata, sources
from guideproof.sphinx.labels import cell_label, cell_order
from guideproof.sphinx.results_map import results_map, row_id
from guideproof.sphinx.verification import anchor

COLUMNS = (("Cell", 3), ("Outcome", 2), ("Reason", 4), ("Versions", 3), ("Time", 1))


def _row(cells: list[nodes.Node | str]) -> nodes.row:
    row = nodes.row()
    for content in cells:
        entry = nodes.entry()
        entry += content if isinstance(content, nodes.Node) else nodes.paragraph("", content)
        row += entry
    return row


def _reason(cell: CellRecord) -> nodes.Node:
    para = nodes.paragraph()
    if cell.outcome.verified:
        return para
    para += nodes.Text(cell.reason or "no reason recorded")
    if cell.failed_line:
        para += nodes.Text(f" ({cell.file or cell.scenario}, line {cell.failed_line})")
    if cell.link:
        para += nodes.Text(" ")
        para += nodes.reference("", "issue", refuri=cell.link)
    return para


def _versions(versions: dict[str, str]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(versions.items())) or "not recorded"


def scenario_table(matrix: Matrix, cells: list[CellRecord]) -> nodes.table:
    table = nodes.table(classes=["scenario-results"], support_smartquotes=False)
    group = nodes.tgroup(cols=len(COLUMNS))
    table += group
    group.extend(nodes.colspec(colwidth=width) for _, width in COLUMNS)
    head = nodes.thead()
    head += _row([title for title, _ in COLUMNS])
    group += head
    body = nodes.tbody()
    for cell in sorted(cells, key=lambda c: cell_order(matrix, c.cell)):
        row = _row(
            [
                cell_label(matrix, cell.cell),
                cell.outcome.shown,
                _reason(cell),
                _versions(cell.versions),
                f"{cell.duration_s:.1f} s",
            ]
        )
        row["classes"].append(f"outcome-{cell.outcome}")
        row["ids"].append(row_id(cell))  # the map's squares link here
        body += row
    group += body
    return table


def not_run_here(matrix: Matrix, results: Results) -> list[str]:
    """The matrix's container platforms of which the results hold no cell (Fedora and Alpine on this project's
    machine, Debian testing unless asked for): named, so that no reader takes them for verified."""
    ran = {cell.cell.get("platform") for cell in results.cells}
    return [p.short for p in matrix.platforms if p.kind == "container" and p.name not in ran]


def not_run_paragraph(matrix: Matrix, results: Results) -> list[nodes.paragraph]:
    """After the map (which must stay on the first screen): the platforms of which the run has no cell."""
    missing = not_run_here(matrix, results)
    if not missing:
        return []
    text = f"Not run here: {', '.join(missing)} (no cell of theirs in this run; nothing of theirs is verified)."
    return [nodes.paragraph("", text, classes=["scenario-not-run"], support_smartquotes=False)]


def run_paragraph(results: Results) -> nodes.paragraph:
    run = results.run
    counts = ", ".join(f"{n} {outcome.shown}" for outcome, n in tally(results.cells).items())
    text = (
        f"Engine {run.engine} on {run.host}, from {run.started or '?'} "
        f"to {run.finished or '?'} (guideproof {run.guideproof_version}). "
        f"{len(results.cells)} cells: {counts}."
    )
    if not run.complete:
        text += f" Incomplete: {run.incomplete_because}; the cells it did not run are listed as errors."
    if run.exit_status is not None:
        text += f" Exit status {run.exit_status}."
    text += "".join(f" Could not collect {e.file}: {e.message}." for e in run.errors)
    return nodes.paragraph("", text, classes=["scenario-run"], support_smartquotes=False)


def render_results(matrix: Matrix, results: Results | None) -> list[nodes.Node]:
    if not results or not results.cells:
        para = nodes.paragraph(classes=["scenario-no-results"])
        para += nodes.Text(
            "No results yet: no scenario run has been recorded for this build, so nothing on this site "
            "is marked as verified. Run the scenarios with "
        )
        para += nodes.literal("", "--results")
        para += nodes.Text(" to record some.")
        return [para]
    out: list[nodes.Node] = [run_paragraph(results), results_map(matrix, results)]
    out += not_run_paragraph(matrix, results)
    for name in results.scenarios:
        cells = results.of_scenario(name)
        rubric = nodes.rubric("", f"{cells[0].title or name} ({name})", ids=[anchor(name)])
        rubric["support_smartquotes"] = False
        out += [rubric, scenario_table(matrix, cells)]
    return out


class ScenarioResultsDirective(SphinxDirective):
    """Every recorded cell of every scenario, grouped by scenario; the target of the verification links."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        envdata.docs(self.env, envdata.RESULTS_PAGES).add(self.env.docname)
        try:
            matrix = sources.get_matrix(self.config)
            results = sources.get_results(self.config)
        except (UserError, OSError, ValueError) as exc:
            return [self.state.document.reporter.error(f"scenario results: {exc}", line=self.lineno)]
        envdata.note_dependencies(self.env)
        return render_results(matrix, results)
