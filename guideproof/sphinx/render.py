"""Turn a parsed scenario into docutils nodes: console blocks, and tabs for ``#if`` switches."""

from __future__ import annotations

from docutils import nodes
from sphinx_inline_tabs._impl import TabContainer  # type: ignore[import-untyped]

from guideproof.matrix.model import Matrix
from guideproof.matrix.where import Where
from guideproof.scenario.escapes import NO_OUTPUT
from guideproof.scenario.model import Item, Prose, Scenario, Step, Switch
from guideproof.sphinx.labels import condition_label
from guideproof.sphinx.nodes import SCENARIO_ATTR, expected_details
from guideproof.sphinx.outputs import VARIES, Outputs, Recorded, output_lines


def console_text(steps: list[Step], recorded: Recorded | None = None) -> str:
    """Commands as ``$ cmd`` / ``> continuation``, then under each the output a reader sees: the recorded
    cell's (``recorded``), else the expected output with pattern lines as placeholders."""
    return _console(steps, recorded)[0]


def _console(steps: list[Step], recorded: Recorded | None) -> tuple[str, bool, bool]:
    """The block's text; did it show a recorded output; did it show a placeholder for output."""
    lines: list[str] = []
    shown_recorded = placeholders = False
    for step in steps:
        first, *rest = step.command_lines
        lines.append(f"$ {first}")
        lines.extend(f"> {line}" for line in rest)
        output, real = output_lines(step, recorded)
        lines.extend(output)
        shown_recorded |= real and bool(output)
        placeholders |= not real and any(e.kind in ("re", "glob") for e in step.output)
    return "\n".join(lines), shown_recorded, placeholders


def expected_text(steps: list[Step]) -> str:
    """The commands and the expectation exactly as the scenario checks them (for maintainers)."""
    lines: list[str] = []
    for step in steps:
        first, *rest = step.command_lines
        lines.append(f"$ {first}")
        lines.extend(f"> {line}" for line in rest)
        lines.extend(e.source for e in step.output)
        if step.no_output:
            lines.append(NO_OUTPUT)
        if step.status:
            lines.append(f"[{step.status}]")
    return "\n".join(lines)


def console_block(
    scenario: Scenario, steps: list[Step], outputs: Outputs | None = None, condition: Where | None = None
) -> list[nodes.Node]:
    """The console block a reader sees, a caption naming the recorded cell and its date (or saying that the
    output shown is the expectation), and the expectation itself, folded, for maintainers."""
    recorded = outputs.pick(steps, condition) if outputs is not None else None
    text, shown_recorded, placeholders = _console(steps, recorded)
    block = nodes.literal_block(text, text, language="console")
    block[SCENARIO_ATTR] = scenario.name
    out: list[nodes.Node] = [block]
    notes: list[str] = []
    if shown_recorded and recorded is not None and outputs is not None:
        notes.append(recorded.caption(outputs.matrix))
    if placeholders:
        notes.append(f"No recorded output to show here: {VARIES} and … stand for output that varies.")
    if notes:
        out.append(nodes.paragraph("", " ".join(notes), classes=["scenario-output-caption"], support_smartquotes=False))
    checked = [s for s in steps if s.output_checked or s.status]
    if checked:
        expected = expected_text(steps)
        details = expected_details(classes=["scenario-expected"])
        details["summary"] = "What the scenario checks (for maintainers)"
        details += nodes.literal_block(expected, expected, language="text")
        out.append(details)
    return out


def _visible(items: tuple[Step | Prose, ...] | tuple[Item, ...], part: str | None) -> list[Step]:
    return [i for i in items if isinstance(i, Step) and not i.hidden and (part is None or i.part == part)]


def _switch_part(switch: Switch) -> str | None:
    for branch in switch.branches:
        for item in branch.items:
            return item.part
    return None


def render_switch(
    scenario: Scenario, matrix: Matrix, switch: Switch, part: str | None, outputs: Outputs | None = None
) -> list[nodes.Node]:
    if part is not None and _switch_part(switch) != part:
        return []
    branches = [(b, _visible(b.items, None)) for b in switch.branches]
    if not any(steps for _, steps in branches):
        return []
    tabs: list[nodes.Node] = []
    for index, (branch, steps) in enumerate(branches):
        tab = TabContainer("", type="tab", new_set=index == 0)
        content = nodes.container("", is_div=True, classes=["tab-content"])
        if steps:
            content += console_block(scenario, steps, outputs, branch.condition)
        else:
            content += nodes.paragraph("", "No commands to run in this case.")
        tab += nodes.label("", condition_label(matrix, branch.condition))
        tab += content
        tabs.append(tab)
    return tabs


def shown_steps(scenario: Scenario, part: str | None = None) -> list[Step]:
    """Every step the docs show for ``part`` (``None``: all of them), in file order, every branch of a switch."""
    shown: list[Step] = []
    for item in scenario.items:
        if isinstance(item, Step):
            shown.extend(_visible((item,), part))
        elif isinstance(item, Switch) and (part is None or _switch_part(item) == part):
            for branch in item.branches:
                shown.extend(_visible(branch.items, None))
    return shown


def render_scenario(
    scenario: Scenario, matrix: Matrix, part: str | None = None, outputs: Outputs | None = None
) -> list[nodes.Node]:
    """Visible steps in file order; prose lines are maintainers' notes and are not rendered. With ``outputs``,
    each block shows a recorded cell's output (see :mod:`guideproof.sphinx.outputs`)."""
    out: list[nodes.Node] = []
    pending: list[Step] = []
    for item in scenario.items:
        if isinstance(item, Step):
            pending.extend(_visible((item,), part))
        elif isinstance(item, Switch):
            tabs = render_switch(scenario, matrix, item, part, outputs)
            if tabs and pending:
                out.extend(console_block(scenario, pending, outputs))
                pending = []
            out.extend(tabs)
    if pending:
        out.extend(console_block(scenario, pending, outputs))
    return out
