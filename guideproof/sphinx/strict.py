"""Every shell snippet is a scenario or an explicit, listed, reasoned exception."""

from __future__ import annotations

from typing import ClassVar

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from guideproof.sphinx import envdata
from guideproof.sphinx.nodes import SCENARIO_ATTR, UNTESTED_ATTR, untested_list

logger = logging.getLogger(__name__)

SHELL_LANGUAGES = {"console", "shell", "bash", "sh", "shell-session", "shellsession", "zsh", "ksh"}
MESSAGE = (
    "shell snippet ({language}) is not backed by a scenario: render it with '.. scenario::', "
    "or mark it '.. untested-snippet::' with a ':reason:'"
)


def check_doctree(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """``doctree-resolved``: warn (an error under ``-W``) for every unbacked shell literal block.

    It runs after the post-transforms, so blocks whose language comes from ``.. highlight::`` or
    ``highlight_language`` are caught too.
    """
    for block in doctree.findall(nodes.literal_block):
        language = str(block.get("language", "")).lower()
        if language in SHELL_LANGUAGES and not block.get(SCENARIO_ATTR) and not block.get(UNTESTED_ATTR):
            logger.warning(MESSAGE.format(language=language), location=block, type="scenario", subtype="untested")


class UntestedSnippet(SphinxDirective):
    """A console block that no scenario checks; the reason is shown and the snippet is listed."""

    has_content = True
    option_spec: ClassVar[dict] = {"reason": lambda text: (text or "").strip()}

    def run(self) -> list[nodes.Node]:
        reason = self.options.get("reason", "")
        if not reason:
            return [self.state.document.reporter.error("untested-snippet needs a :reason:", line=self.lineno)]
        if not self.content:
            return [self.state.document.reporter.error("untested-snippet needs content", line=self.lineno)]
        text = "\n".join(self.content)
        target = f"untested-snippet-{self.env.new_serialno('untested-snippet')}"
        block = nodes.literal_block(text, text, language="console")
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
