"""Turn a parsed scenario into docutils nodes: console blocks, and tabs for ``#if`` switches."""

from __future__ import annotations

from docutils import nodes
from sphinx_inline_tabs._impl import TabContainer  # type: ignore[import-untyped]

from guideproof.matrix.model import Matrix
from guideproof.scenario.model import Item, Prose, Scenario, Step, Switch
from guideproof.sphinx.labels import condition_label
from guideproof.sphinx.nodes import SCENARIO_ATTR


def console_text(steps: list[Step]) -> str:
    """Commands as ``$ cmd`` / ``> continuation``, then the expected output as a reader sees it."""
    lines: list[str] = []
    for step in steps:
        first, *rest = step.command_lines
        lines.append(f"$ {first}")
        lines.extend(f"> {line}" for line in rest)
        lines.extend(expected.shown for expected in step.output)
    return "\n".join(lines)


def console_block(scenario: Scenario, steps: list[Step]) -> nodes.literal_block:
    text = console_text(steps)
    block = nodes.literal_block(text, text, language="console")
    block[SCENARIO_ATTR] = scenario.name
    return block


def _visible(items: tuple[Step | Prose, ...] | tuple[Item, ...], part: str | None) -> list[Step]:
    return [i for i in items if isinstance(i, Step) and not i.hidden and (part is None or i.part == part)]


def _switch_part(switch: Switch) -> str | None:
    for branch in switch.branches:
        for item in branch.items:
            return item.part
    return None


def render_switch(scenario: Scenario, matrix: Matrix, switch: Switch, part: str | None) -> list[nodes.Node]:
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
            content += console_block(scenario, steps)
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


def render_scenario(scenario: Scenario, matrix: Matrix, part: str | None = None) -> list[nodes.Node]:
    """Visible steps in file order; prose lines are maintainers' notes and are not rendered."""
    out: list[nodes.Node] = []
    pending: list[Step] = []
    for item in scenario.items:
        if isinstance(item, Step):
            pending.extend(_visible((item,), part))
        elif isinstance(item, Switch):
            tabs = render_switch(scenario, matrix, item, part)
            if tabs and pending:
                out.append(console_block(scenario, pending))
                pending = []
            out.extend(tabs)
    if pending:
        out.append(console_block(scenario, pending))
    return out
