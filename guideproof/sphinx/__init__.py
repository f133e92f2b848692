"""Sphinx extension: render scenario files as tested console snippets, with their verification status.

Directives: ``scenario``, ``scenario-page`` (a page tested in place), ``scenario-results``, ``platform-support``,
``mutation-results``, ``scenario-tally``, ``untested-snippet``, ``untested-snippets``, ``compat-map``,
``tool-history``; role: ``scenario-result``.
Config (paths relative to the conf dir; nothing is assumed about the project's layout): ``scenario_dir`` (the
``.scenario`` files), ``scenario_matrix`` (default ``matrix.toml`` in ``scenario_dir``), ``scenario_results`` (paths
or globs of results files; default none, so nothing reads as verified until a run's results are configured),
``scenario_history`` (the history of tool runs, JSON lines, for ``tool-history``; default none), ``scenario_today``
(the ISO date support windows are judged on; default the build's date), ``scenario_mutants`` (a mutation run's
results, for ``mutation-results``; default none),
``scenario_outdated`` (``"error"``, the default: a snippet changed since its recorded run is a warning, so a
strict build fails; ``"warn"``: the build's output says so and the build goes on, for a docs host that builds
without a fresh run; either way the page shows it as outdated, never as verified).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError

from guideproof.sphinx import blocks, envdata, inplace, nodes, resolve, sources, strict
from guideproof.sphinx.directive import OUTDATED_CHOICES, ScenarioDirective
from guideproof.sphinx.pygments_lexer import ScenarioConsoleLexer
from guideproof.sphinx.results_page import (
    MutationResultsDirective,
    PlatformSupportDirective,
    ScenarioResultsDirective,
    ScenarioTallyDirective,
)
from guideproof.sphinx.roles import ScenarioResultRole
from guideproof.sphinx.tool_pages import CompatMapDirective, ToolHistoryDirective

STATIC = Path(__file__).parent / "static"


def _add_static(app: Sphinx) -> None:
    app.config.html_static_path.append(str(STATIC))


def _check_config(app: Sphinx, config: Config) -> None:
    if config.scenario_outdated not in OUTDATED_CHOICES:
        choices = " or ".join(repr(c) for c in OUTDATED_CHOICES)
        raise ConfigError(f"scenario_outdated = {config.scenario_outdated!r} in conf.py: use {choices}")


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the directives, the role, the console lexer, the config values and the event handlers."""
    app.setup_extension("sphinx_inline_tabs")
    app.add_config_value("scenario_dir", None, "env", types=[str, type(None)])
    app.add_config_value("scenario_matrix", None, "env", types=[str, type(None)])
    app.add_config_value("scenario_results", [], "env", types=[list, str])
    app.add_config_value("scenario_history", None, "env", types=[str, type(None)])
    app.add_config_value("scenario_outdated", "error", "env", types=[str])
    # Gradual adoption: "warn" logs untested snippets without failing -W; the baseline lists known ones.
    app.add_config_value("scenario_untested", "error", "env", types=[str])
    app.add_config_value("scenario_untested_baseline", None, "env", types=[str, type(None)])
    app.add_config_value("scenario_today", None, "env", types=[str, type(None)])
    app.add_config_value("scenario_mutants", None, "env", types=[str, type(None)])
    app.add_lexer("console", ScenarioConsoleLexer)
    html = (nodes.visit_expected_details, nodes.depart_expected_details)
    skip = (nodes.skip_node, None)
    app.add_node(nodes.expected_details, html=html, latex=skip, text=skip, man=skip, texinfo=skip)
    app.add_directive("scenario", ScenarioDirective)
    app.add_directive("scenario-results", ScenarioResultsDirective)
    app.add_directive("scenario-page", inplace.ScenarioPageDirective)  # the page's own blocks are its scenario
    app.add_directive("platform-support", PlatformSupportDirective)
    app.add_directive("mutation-results", MutationResultsDirective)
    app.add_directive("scenario-tally", ScenarioTallyDirective)
    app.add_directive("compat-map", CompatMapDirective)
    app.add_directive("tool-history", ToolHistoryDirective)
    app.add_directive("untested-snippet", strict.UntestedSnippet)
    app.add_directive("untested-snippets", strict.UntestedSnippets)
    app.add_role("scenario-result", ScenarioResultRole())
    app.connect("config-inited", sources.resolve_paths)
    app.connect("config-inited", _check_config)
    app.connect("doctree-read", blocks.note_tabs)
    app.connect("doctree-read", inplace.mark_blocks)
    app.connect("doctree-resolved", strict.check_doctree)
    app.connect("doctree-resolved", resolve.resolve)
    app.connect("env-purge-doc", envdata.purge_doc)
    app.connect("env-merge-info", envdata.merge_info)
    app.connect("env-get-outdated", envdata.outdated)
    app.connect("env-check-consistency", sources.check_results)
    app.connect("builder-inited", _add_static)
    app.add_css_file("guideproof-scenarios.css")
    return {"version": "1", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
