"""Placeholder nodes, replaced on ``doctree-resolved`` once every document has been read."""

from __future__ import annotations

from docutils import nodes


class results_link(nodes.General, nodes.Inline, nodes.TextElement):  # noqa: N801 (docutils naming)
    """A link to one scenario's section of the results page; ``anchor`` names it."""


class untested_list(nodes.General, nodes.Element):  # noqa: N801
    """Where ``.. untested-snippets::`` lists every opted-out shell snippet of the project."""


class expected_details(nodes.General, nodes.Element):  # noqa: N801
    """A folded section for maintainers (HTML ``<details>``; ``summary`` is its title); other builders drop it."""


def visit_expected_details(translator: nodes.NodeVisitor, node: expected_details) -> None:
    summary = translator.encode(node.get("summary", ""))  # type: ignore[attr-defined]
    classes = " ".join(node.get("classes", []))
    translator.body.append(f'<details class="{classes}"><summary>{summary}</summary>')  # type: ignore[attr-defined]


def depart_expected_details(translator: nodes.NodeVisitor, node: expected_details) -> None:
    translator.body.append("</details>")  # type: ignore[attr-defined]


def skip_node(translator: nodes.NodeVisitor, node: nodes.Node) -> None:
    raise nodes.SkipNode


SCENARIO_ATTR = "guideproof_scenario"  # on literal blocks rendered from a scenario: its name
UNTESTED_ATTR = "guideproof_untested"  # on literal blocks of ``.. untested-snippet::``: the reason
BASELINE_ATTR = "guideproof_baseline"  # on untested shell blocks listed in the baseline: their key
