"""``.. scenario-page::``: the page's own shell blocks are its scenario (see :mod:`guideproof.scenario.page`).

The directive reads the page's source with the same reader the pytest plugin uses, so the blocks the build
marks as tested are exactly the steps a run executes. It renders the page's verification line where it
stands and nothing else: the blocks keep their lexer, their prompts (or lack of them) and their copy button.
On ``doctree-read`` the blocks that are steps are marked as rendered from the scenario, and the blocks left
out with ``.. scenario: skip: REASON`` (or in a tab not tested in place) as opted out with that reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from guideproof.errors import UserError
from guideproof.scenario.page import load_page, page_name
from guideproof.sphinx import envdata, sources
from guideproof.sphinx.blocks import normalise
from guideproof.sphinx.directive import report_outdated
from guideproof.sphinx.nodes import SCENARIO_ATTR, UNTESTED_ATTR
from guideproof.sphinx.verification import verification_node, verify


class inplace_blocks(nodes.General, nodes.Element):  # noqa: N801 (docutils naming)
    """Which blocks of this page are steps (``steps``: normalised texts) or left out (``left_out``: text -> why)."""


class ScenarioPageDirective(SphinxDirective):
    has_content = True
    option_spec: ClassVar[dict] = {"tabs": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        path = Path(self.env.doc2path(self.env.docname))
        try:
            matrix = sources.get_matrix(self.config)
            page = load_page(path, matrix, name=page_name(path, Path(self.env.srcdir)))
            results = sources.get_results(self.config)
        except (UserError, OSError, ValueError) as exc:
            return [self.state.document.reporter.error(f"scenario-page: {exc}", line=self.lineno)]
        envdata.note_dependencies(self.env)
        marker = inplace_blocks(scenario=page.scenario.name)
        marker["steps"] = [normalise(b.text) for b in page.blocks if b.role == "step"]
        marker["left_out"] = {normalise(b.text): b.reason for b in page.blocks if b.role == "skipped"}
        container = nodes.container(classes=["scenario", "scenario-page"], support_smartquotes=False)
        self.set_source_info(container)
        name = page.scenario.name
        today = sources.today(self.config)
        verification = verify(matrix, results, page.scenario, name, today=today)  # outdated when its steps changed
        report_outdated(self.config, verification, page.scenario, None, (self.env.docname, self.lineno))
        container += verification_node(verification, name)
        return [marker, container]


def mark_blocks(app: Sphinx, doctree: nodes.document) -> None:
    """``doctree-read``: the page's step blocks are tested by its scenario, its skipped ones opted out."""
    for marker in list(doctree.findall(inplace_blocks)):
        steps, left_out = set(marker["steps"]), marker["left_out"]
        for block in doctree.findall(nodes.literal_block):
            text = normalise(block.astext())
            if text in steps:
                block[SCENARIO_ATTR] = marker["scenario"]
            elif text in left_out:
                block[UNTESTED_ATTR] = left_out[text]
        marker.parent.remove(marker)
