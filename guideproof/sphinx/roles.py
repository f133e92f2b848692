"""``:scenario-result:`tier1/pep668``: a scenario's title and verification sentence, linked to its results.

For pages that cite a scenario without showing it (the landing page, the history page): the reader
sees what was proven and where, and follows the link to the cells of the last run.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.util.docutils import SphinxRole

from guideproof.errors import UserError
from guideproof.sphinx import envdata, sources
from guideproof.sphinx.nodes import results_link
from guideproof.sphinx.verification import anchor, summary_text


class ScenarioResultRole(SphinxRole):
    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        name = self.text.strip().removesuffix(".scenario")
        try:
            matrix = sources.get_matrix(self.config)
            scenario = sources.get_scenario(self.config, name)
            results = sources.get_results(self.config)
            today = sources.today(self.config)
        except (UserError, OSError, ValueError) as exc:
            message = self.inliner.reporter.error(f"scenario-result {name}: {exc}", line=self.lineno)
            return [self.inliner.problematic(self.rawtext, self.rawtext, message)], [message]
        envdata.note_dependencies(self.env, scenario.path)
        link = results_link("", scenario.title, anchor=anchor(name))
        link["support_smartquotes"] = False  # a title renders as written: "--always-copy" stays two hyphens
        note = nodes.inline(
            "", f" ({summary_text(matrix, results, name, scenario, today)})", classes=["scenario-result"]
        )
        note["support_smartquotes"] = False
        return [link, note], []
