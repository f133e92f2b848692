"""Placeholder nodes, replaced on ``doctree-resolved`` once every document has been read."""

from __future__ import annotations

from docutils import nodes


class results_link(nodes.General, nodes.Inline, nodes.TextElement):  # noqa: N801 (docutils naming)
    """A link to one scenario's section of the results page; ``anchor`` names it."""


class untested_list(nodes.General, nodes.Element):  # noqa: N801
    """Where ``.. untested-snippets::`` lists every opted-out shell snippet of the project."""


SCENARIO_ATTR = "harness_scenario"  # on literal blocks rendered from a scenario: its name
UNTESTED_ATTR = "harness_untested"  # on literal blocks of ``.. untested-snippet::``: the reason
