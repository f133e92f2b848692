"""``.. scenario-results::``: the run, a compact map of every cell, then per scenario a table of its cells with
the outcome in words and symbol, reasons and versions."""

from __future__ import annotations

import datetime as dt

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

from guideproof.errors import UserError
from guideproof.matrix.model import PLATFORM, Matrix
from guideproof.results.mutants import MutationRun
from guideproof.results.record import CellRecord, tally
from guideproof.results.store import Results
from guideproof.sphinx import envdata, sources
from guideproof.sphinx.labels import cell_label, cell_order
from guideproof.sphinx.results_map import results_map, row_id
from guideproof.sphinx.verification import anchor, run_date

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


def _cell(matrix: Matrix, cell: CellRecord, today: dt.date | None) -> str:
    """The cell's label; a platform past its security support is marked so."""
    label = cell_label(matrix, cell.cell)
    try:
        platform = matrix.platform(cell.cell.get(PLATFORM, ""))
    except KeyError:
        return label
    if today is not None and platform.support is not None and platform.ended(today):
        return f"{label} (security support ended {platform.support.end.isoformat()})"
    return label


def scenario_table(matrix: Matrix, cells: list[CellRecord], today: dt.date | None = None) -> nodes.table:
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
                _cell(matrix, cell, today),
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


def support_paragraph(matrix: Matrix, results: Results, today: dt.date) -> nodes.paragraph | None:
    """Where each platform of the run stands in its security support on ``today``; a platform past its end is
    said to be so (tier 1's argument holds only while the release gets security updates)."""
    names = dict.fromkeys(c.cell.get(PLATFORM, "") for c in results.cells)
    platforms = [p for p in matrix.platforms if p.name in names and p.support is not None]
    if not platforms:
        return None
    para = nodes.paragraph(classes=["scenario-support"], support_smartquotes=False)
    para += nodes.Text(f"Security support on {today.isoformat()}: ")
    for n, platform in enumerate(platforms):
        assert platform.support is not None
        text = f"{platform.short} {platform.support.describe(today)}"
        if platform.ended(today):
            para += nodes.strong("", text, classes=["support-ended"])
        else:
            para += nodes.Text(text)
        para += nodes.Text("; " if n < len(platforms) - 1 else ".")
    return para


def render_results(matrix: Matrix, results: Results | None, today: dt.date | None = None) -> list[nodes.Node]:
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
    support = support_paragraph(matrix, results, today) if today is not None else None  # below the map: it fits
    out += [support] if support is not None else []
    for name in results.scenarios:
        cells = results.of_scenario(name)
        rubric = nodes.rubric("", f"{cells[0].title or name} ({name})", ids=[anchor(name)])
        rubric["support_smartquotes"] = False
        out += [rubric, scenario_table(matrix, cells, today)]
    return out


class ScenarioResultsDirective(SphinxDirective):
    """Every recorded cell of every scenario, grouped by scenario; the target of the verification links."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        envdata.docs(self.env, envdata.RESULTS_PAGES).add(self.env.docname)
        try:
            matrix = sources.get_matrix(self.config)
            results = sources.get_results(self.config)
            today = sources.today(self.config)
        except (UserError, OSError, ValueError) as exc:
            return [self.state.document.reporter.error(f"scenario results: {exc}", line=self.lineno)]
        envdata.note_dependencies(self.env)
        return render_results(matrix, results, today)


def support_list(matrix: Matrix, today: dt.date) -> nodes.bullet_list:
    """Every platform of the matrix that gives a support window, and where it stands on ``today``."""
    items = nodes.bullet_list(classes=["scenario-support"])
    for platform in matrix.platforms:
        if platform.support is None:
            continue
        item = nodes.list_item()
        para = nodes.paragraph(support_smartquotes=False)
        text = f"{platform.label}: {platform.support.describe(today)}."
        para += nodes.strong("", text, classes=["support-ended"]) if platform.ended(today) else nodes.Text(text)
        item += para
        items += item
    return items


class PlatformSupportDirective(SphinxDirective):
    """``.. platform-support::``: the support windows of matrix.toml, judged on the build's date."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        try:
            matrix = sources.get_matrix(self.config)
            today = sources.today(self.config)
        except (UserError, OSError, ValueError) as exc:
            return [self.state.document.reporter.error(f"platform support: {exc}", line=self.lineno)]
        envdata.note_dependencies(self.env)
        return [support_list(matrix, today)]


def render_mutants(run: MutationRun | None) -> list[nodes.Node]:
    """ "N of M steps checked, mutation run DATE", then per scenario its unchecked and setup steps."""
    if run is None:
        return [nodes.paragraph("", "No mutation run recorded (nox -s mutants; scenario_mutants in conf.py).")]
    head = nodes.paragraph(classes=["mutation-summary"], support_smartquotes=False)
    head += nodes.strong("", run.summary())
    head += nodes.Text(
        f": {run.mutants} mutants on {', '.join(run.platforms)} ({run.engine} engine), {run.ran} of them run in"
        f" containers, in {run.wall_s / 60:.0f} min."
    )
    items = nodes.bullet_list(classes=["mutation-scenarios"])
    for sc in run.scenarios:
        item = nodes.list_item()
        para = nodes.paragraph(support_smartquotes=False)
        mutated = sc.mutated
        if sc.not_run:
            para += nodes.Text(f"{sc.scenario}: not mutated: {sc.not_run}")
        else:
            para += nodes.Text(f"{sc.scenario} [{sc.cells}]: {sum(s.checked for s in mutated)} of {len(mutated)} steps")
            para += nodes.Text(" checked.")
        item += para
        notes = nodes.bullet_list()
        for st in sc.steps:
            first = st.command.split("\n")[0]
            if st.setup is not None:
                text = f"line {st.line}, setup: {st.setup} ({first})"
            elif not st.checked:
                survived = ", ".join(f"`{m.mutation}`" for m in st.survivors)
                text = f"line {st.line}, unchecked ({survived} survived): {first}"
            else:
                continue
            note = nodes.list_item()
            note += nodes.paragraph("", text, support_smartquotes=False)
            notes += note
        if len(notes):
            item += notes
        items += item
    return [head, items]


class MutationResultsDirective(SphinxDirective):
    """``.. mutation-results::``: the mutation run of ``scenario_mutants``."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        try:
            run = sources.get_mutants(self.config)
        except (UserError, OSError, ValueError) as exc:
            return [self.state.document.reporter.error(f"mutation results: {exc}", line=self.lineno)]
        if self.config.scenario_mutants:
            self.env.note_dependency(self.config.scenario_mutants)
        return render_mutants(run)


def tally_text(results: Results | None, names: list[str], what: str) -> str:
    """How many of the scenarios ``names`` the recorded results verify (a pass, or a known failure, in at least
    one cell): the first sentence of a note that must follow the results, never claim more."""
    verified = [n for n in names if results is not None and any(c.outcome.verified for c in results.of_scenario(n))]
    if results is None:
        return f"Nothing on {what} has been run: no results are recorded for this build."
    date = run_date(results)
    if not verified:
        return (
            f"Nothing on {what} has been verified: the recorded run ({date}) passed none of its {len(names)} scenarios."
        )
    return (
        f"{len(verified)} of the {len(names)} scenarios on {what} passed in the recorded run ({date}), in at least"
        " one cell; the line under each command says where."
    )


class ScenarioTallyDirective(SphinxDirective):
    """``.. scenario-tally:: NAME...``: how many of these scenarios (a name ending in ``/``: every scenario
    below it) the results verify; optional content: the words for where they are (default "these pages")."""

    required_arguments = 1
    optional_arguments = 50
    has_content = True

    def run(self) -> list[nodes.Node]:
        try:
            results = sources.get_results(self.config)
            known = sources.scenario_names(self.config)
        except (UserError, OSError, ValueError) as exc:
            return [self.state.document.reporter.error(f"scenario tally: {exc}", line=self.lineno)]
        names: list[str] = []
        for arg in self.arguments:
            found = sorted(n for n in known if n.startswith(arg)) if arg.endswith("/") else [arg] * (arg in known)
            if not found:
                return [self.state.document.reporter.error(f"scenario tally: no scenario {arg}", line=self.lineno)]
            names += [n for n in found if n not in names]
        envdata.note_dependencies(self.env)
        what = " ".join(self.content).strip() or "these pages"
        para = nodes.paragraph(classes=["scenario-tally"], support_smartquotes=False)
        para += nodes.strong("", tally_text(results, names, what))
        return [para]
