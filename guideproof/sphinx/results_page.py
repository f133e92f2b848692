"""``.. scenario-results::``: every recorded cell, its outcome in words and symbol, reasons and versions."""

from __future__ import annotations

from collections import Counter
from typing import Any

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

from guideproof.errors import HarnessError
from guideproof.matrix.model import Matrix
from guideproof.sphinx import sources, state
from guideproof.sphinx.labels import cell_label, cell_order
from guideproof.sphinx.verification import anchor

OUTCOME_TEXT = {
    "passed": "✔ passed",
    "failed": "✘ failed",
    "skipped": "⊘ skipped",
    "xfailed": "✘ xfail (known failure)",
    "xpassed": "✔ xpass (marked as a known failure)",
    "error": "⚠ error (could not run)",
}
COLUMNS = (("Cell", 3), ("Outcome", 2), ("Reason", 4), ("Versions", 3), ("Time", 1))


def outcome_text(outcome: str) -> str:
    return OUTCOME_TEXT.get(outcome, f"? {outcome}")


def _row(cells: list[nodes.Node | str]) -> nodes.row:
    row = nodes.row()
    for content in cells:
        entry = nodes.entry()
        entry += content if isinstance(content, nodes.Node) else nodes.paragraph("", content)
        row += entry
    return row


def _reason(cell: dict[str, Any]) -> nodes.Node:
    para = nodes.paragraph()
    if cell["outcome"] == "passed":
        return para
    para += nodes.Text(cell.get("reason") or "no reason recorded")
    if cell.get("failed_line"):
        para += nodes.Text(f" ({cell.get('file') or cell['scenario']}, line {cell['failed_line']})")
    if cell.get("link"):
        para += nodes.Text(" ")
        para += nodes.reference("", "issue", refuri=cell["link"])
    return para


def _versions(versions: dict[str, str]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(versions.items())) or "not recorded"


def scenario_table(matrix: Matrix, name: str, cells: list[dict[str, Any]]) -> nodes.table:
    table = nodes.table(classes=["scenario-results"], support_smartquotes=False)
    group = nodes.tgroup(cols=len(COLUMNS))
    table += group
    group.extend(nodes.colspec(colwidth=width) for _, width in COLUMNS)
    head = nodes.thead()
    head += _row([title for title, _ in COLUMNS])
    group += head
    body = nodes.tbody()
    for cell in sorted(cells, key=lambda c: cell_order(matrix, c["cell"])):
        row = _row(
            [
                cell_label(matrix, cell["cell"]),
                outcome_text(cell["outcome"]),
                _reason(cell),
                _versions(cell.get("versions") or {}),
                f"{cell.get('duration_s') or 0:.1f} s",
            ]
        )
        row["classes"].append(f"outcome-{cell['outcome']}")
        body += row
    group += body
    return table


def run_paragraph(results: dict[str, Any]) -> nodes.paragraph:
    run = results["run"]
    counts = Counter(c["outcome"] for c in results["cells"])
    tally = ", ".join(f"{counts[o]} {outcome_text(o)}" for o in OUTCOME_TEXT if counts[o])
    text = (
        f"Engine {run.get('engine', '?')} on {run.get('host', '?')}, from {run.get('started', '?')} "
        f"to {run.get('finished', '?')} (harness {run.get('harness_version', '?')}). "
        f"{len(results['cells'])} cells: {tally}."
    )
    return nodes.paragraph("", text, classes=["scenario-run"], support_smartquotes=False)


def render_results(matrix: Matrix, results: dict[str, Any] | None) -> list[nodes.Node]:
    if not results or not results["cells"]:
        para = nodes.paragraph(classes=["scenario-no-results"])
        para += nodes.Text(
            "No results yet: no scenario run has been recorded for this build, so nothing on this site "
            "is marked as verified. Run the scenarios with "
        )
        para += nodes.literal("", "--results")
        para += nodes.Text(" to record some.")
        return [para]
    out: list[nodes.Node] = [run_paragraph(results)]
    names = sorted({c["scenario"] for c in results["cells"]})
    for name in names:
        cells = [c for c in results["cells"] if c["scenario"] == name]
        rubric = nodes.rubric("", f"{cells[0].get('title') or name} ({name})", ids=[anchor(name)])
        rubric["support_smartquotes"] = False
        out += [rubric, scenario_table(matrix, name, cells)]
    return out


class ScenarioResultsDirective(SphinxDirective):
    has_content = False

    def run(self) -> list[nodes.Node]:
        state.docs(self.env, state.RESULTS_PAGES).add(self.env.docname)
        try:
            matrix = sources.get_matrix(self.config)
            results = sources.get_results(self.config)
        except (HarnessError, OSError, ValueError) as exc:
            return [self.state.document.reporter.error(f"scenario results: {exc}", line=self.lineno)]
        sources.note_dependencies(self.env)
        return render_results(matrix, results)
