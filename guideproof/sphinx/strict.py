"""Every shell snippet is a scenario or an explicit, listed, reasoned exception."""

from __future__ import annotations

import re
from pathlib import Path
from typing import ClassVar

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from guideproof.errors import UserError
from guideproof.sphinx import envdata
from guideproof.sphinx.baseline import load_baseline
from guideproof.sphinx.blocks import PAGE_OPT_OUT_FIELD, SHELL_LANGUAGES, KeyCounter, tab_text, tab_titles
from guideproof.sphinx.nodes import BASELINE_ATTR, SCENARIO_ATTR, UNTESTED_ATTR, untested_list

__all__ = ["SHELL_LANGUAGES", "check_doctree"]

logger = logging.getLogger(__name__)

_PROMPT = re.compile(r"^(?:\([^()\s]+\) ?)?(?:[\w.-]+@[\w.-]+(?::\S*)? ?)?[$%#](?: |$)")
MODES = ("error", "warn")  # conf.py's scenario_untested
MESSAGE = (
    "shell snippet ({language}) is not backed by a scenario: test it in place (.. scenario-page::), render it "
    "with '.. scenario::', mark it '.. untested-snippet::' with a ':reason:', or list it in the baseline "
    "(guideproof baseline DOCS_DIR --update)"
)


def baseline_path(app: Sphinx) -> Path | None:
    configured = app.config.scenario_untested_baseline
    return (Path(app.confdir) / configured).resolve() if configured else None


def _baseline(app: Sphinx) -> dict[str, set[str]]:
    path = baseline_path(app)
    if path is None:
        return {}
    try:
        return load_baseline(path)
    except UserError as exc:
        logger.warning(str(exc), type="scenario", subtype="baseline", once=True)
        return {}


def page_opt_out(app: Sphinx, docname: str) -> str | None:
    """The reason of a page's ``:guideproof-untested:`` field (file-wide metadata), if it has one."""
    reason = app.env.metadata.get(docname, {}).get(PAGE_OPT_OUT_FIELD)
    return str(reason).strip() or None if reason is not None else None


def check_doctree(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """``doctree-resolved``: warn (an error under ``-W``) for every unbacked shell literal block.

    It runs after the post-transforms, so blocks whose language comes from ``.. highlight::`` or
    ``highlight_language`` are caught too. A page with a ``:guideproof-untested: REASON`` field opts its
    untested blocks out; a block listed in the baseline is known and passes; ``scenario_untested = "warn"``
    logs the others without failing the build.
    """
    mode = app.config.scenario_untested
    if mode not in MODES:
        logger.warning(
            f"scenario_untested = {mode!r}: use one of {', '.join(map(repr, MODES))}",
            type="scenario",
            subtype="config",
            once=True,
        )
    page_reason = page_opt_out(app, docname)
    known = _baseline(app).get(docname, set())
    keys = KeyCounter()
    for block in doctree.findall(nodes.literal_block):
        language = str(block.get("language", "")).lower()
        if language not in SHELL_LANGUAGES:
            continue
        key = keys.key(block.astext(), tab_text(tab_titles(block)))  # every shell block counts, as in coverage
        if block.get(SCENARIO_ATTR) or block.get(UNTESTED_ATTR):
            continue
        if page_reason:
            block[UNTESTED_ATTR] = page_reason
        elif key in known:
            block[BASELINE_ATTR] = key
        elif mode == "warn":
            logger.info(f"{MESSAGE.format(language=language)} [scenario.untested, warn mode]", location=block)
        else:
            logger.warning(MESSAGE.format(language=language), location=block, type="scenario", subtype="untested")


class UntestedSnippet(SphinxDirective):
    """A console block that no scenario checks; the reason is shown and the snippet is listed."""

    has_content = True
    option_spec: ClassVar[dict] = {
        "reason": lambda text: (text or "").strip(),
        "language": lambda text: (text or "").strip(),  # default: console with prompts, else bash (the lexer kept)
    }

    def run(self) -> list[nodes.Node]:
        reason = self.options.get("reason", "")
        if not reason:
            return [self.state.document.reporter.error("untested-snippet needs a :reason:", line=self.lineno)]
        if not self.content:
            return [self.state.document.reporter.error("untested-snippet needs content", line=self.lineno)]
        text = "\n".join(self.content)
        target = f"untested-snippet-{self.env.new_serialno('untested-snippet')}"
        prompted = any(_PROMPT.match(line) for line in self.content)
        language = self.options.get("language") or ("console" if prompted else "bash")
        block = nodes.literal_block(text, text, language=language)
        block[UNTESTED_ATTR] = reason
        self.set_source_info(block)
        note = nodes.paragraph("", f"Not checked by any scenario: {reason}", classes=["untested-reason"])
        note["support_smartquotes"] = False
        container = nodes.container(classes=["untested-snippet"], ids=[target])
        container += [block, note]
        first = next((line for line in self.content if line.strip()), "")
        envdata.untested(self.env).append(envdata.Untested(self.env.docname, self.lineno, target, reason, first))
        return [container]


class UntestedSnippets(SphinxDirective):
    """Lists every ``untested-snippet`` of the project (filled in once all documents are read)."""

    def run(self) -> list[nodes.Node]:
        envdata.docs(self.env, envdata.SNIPPET_LISTS).add(self.env.docname)
        return [untested_list()]
