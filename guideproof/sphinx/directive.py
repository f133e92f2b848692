"""``.. scenario:: tier1/venv-basics`` with an optional ``:part: NAME``."""

from __future__ import annotations

from typing import ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.config import Config
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from guideproof import cellvars
from guideproof.errors import UserError
from guideproof.scenario.model import Scenario
from guideproof.sphinx import envdata, sources
from guideproof.sphinx.outputs import Outputs
from guideproof.sphinx.render import render_scenario, shown_steps
from guideproof.sphinx.verification import Verification, run_date, verification_node, verify

logger = logging.getLogger(__name__)

OUTDATED = (
    "{what} changed since the run of {dates} on {cells}: the page shows it as outdated, not verified. Run the "
    'scenario again (or set scenario_outdated = "warn" in conf.py where the docs are built without a fresh run)'
)
OUTDATED_CHOICES = ("error", "warn")


def report_outdated(
    config: Config, verification: Verification, scenario: Scenario, part: str | None, location: tuple[str, int]
) -> None:
    """An outdated snippet is a warning (an error under ``-W``), or with ``scenario_outdated = "warn"`` a line
    in the build's output that does not fail it."""
    if not verification.outdated:
        return
    dates = ", ".join(sorted({c.finished[:10] or "an earlier run" for c in verification.outdated}))
    what = f"{scenario.name}, part {part!r}," if part is not None else scenario.name
    cells = ", ".join(c.id for c in verification.outdated)
    message = OUTDATED.format(what=what, dates=dates, cells=cells)
    if config.scenario_outdated == "warn":
        logger.info(f"outdated snippet: {message}", location=location)
    else:
        logger.warning(message, location=location, type="scenario", subtype="outdated")


GUIDEPROOF_VARIABLE = (
    "visible command names {names}, which only guideproof sets in its cells: a reader who copies it has no "
    "such variable. Show the reader's form (e.g. '-c conda-forge') and do guideproof's part in a #hidden step "
    "(shown on {docname})"
)


def check_guideproof_variables(scenario: Scenario, part: str | None, docname: str) -> None:
    """Warn (an error under ``-W``) at the scenario's line for each shown command naming a guideproof-set variable."""
    for step in shown_steps(scenario, part):
        names = cellvars.named_in(step.command)
        if names:
            message = GUIDEPROOF_VARIABLE.format(names=", ".join(names), docname=docname)
            location = f"{scenario.path}:{step.line}"
            logger.warning(message, location=location, type="scenario", subtype="guideproof-variable")


class ScenarioDirective(SphinxDirective):
    """A scenario's visible steps as console blocks (tabs for ``#if``), and its verification line."""

    required_arguments = 1
    has_content = False
    # only: why the part runs on fewer cells than the scenario ("pip lock needs pip 25.1 or later")
    option_spec: ClassVar[dict] = {"part": directives.unchanged_required, "only": directives.unchanged_required}

    def run(self) -> list[nodes.Node]:
        name = self.arguments[0].strip().removesuffix(".scenario")
        part = self.options.get("part")
        try:
            matrix = sources.get_matrix(self.config)
            scenario = sources.get_scenario(self.config, name)
            results = sources.get_results(self.config)
            today = sources.today(self.config)
        except (UserError, OSError, ValueError) as exc:
            return [self.state.document.reporter.error(f"scenario {name}: {exc}", line=self.lineno)]
        envdata.note_dependencies(self.env, scenario.path)
        if part is not None and part not in scenario.parts:
            known = ", ".join(scenario.parts) or "none"
            return [
                self.state.document.reporter.error(
                    f"scenario {name} has no part {part!r} (parts: {known})", line=self.lineno
                )
            ]
        check_guideproof_variables(scenario, part, self.env.docname)
        container = nodes.container(classes=["scenario"], support_smartquotes=False)
        self.set_source_info(container)
        outputs = Outputs(matrix, results, scenario, run_date(results)) if results is not None else None
        body = render_scenario(scenario, matrix, part, outputs)
        for node in body:
            for block in node.findall(nodes.literal_block):
                self.set_source_info(block)
        container.extend(body)
        verification = verify(matrix, results, scenario, name, part, today, only=self.options.get("only"))
        report_outdated(self.config, verification, scenario, part, (self.env.docname, self.lineno))
        container += verification_node(verification, name)
        return [container]
