"""What a literal block is, for the strict check, the baseline and the snippet tools: its language's kind,
the tabs around it, and a key that stays the same when lines move.

The key of a block is a hash of its normalised text and the titles of its tabs: editing text above or
below it, reordering pages or moving the block keeps it; editing the block, or moving it to another tab,
makes it a new block. Two blocks with the same text in the same tab of one page are told apart by their
order (``KEY#2``).
"""

from __future__ import annotations

import hashlib
import textwrap
from collections import Counter

from docutils import nodes

# Shell languages the matrix's cells (a POSIX shell) can run.
SHELL_LANGUAGES = {"console", "shell", "bash", "sh", "shell-session", "shellsession", "zsh", "ksh"}
# Languages of Windows shells: reported as "not runnable on this matrix", never silently passed over.
NOT_RUNNABLE_LANGUAGES = {
    "bat",
    "batch",
    "dosbatch",
    "winbatch",
    "cmd",
    "doscon",
    "powershell",
    "pwsh",
    "posh",
    "ps1",
    "psm1",
    "ps1con",
    "pwsh-session",
    "powershell-session",
}
PAGE_OPT_OUT_FIELD = "guideproof-untested"  # file-wide metadata: every untested shell snippet of the page, why


def normalise(text: str) -> str:
    """The block's text without what a reformat changes: trailing spaces, blank lines around it, common indent."""
    lines = [line.rstrip() for line in text.splitlines()]
    return textwrap.dedent("\n".join(lines)).strip("\n")


def block_key(text: str, tab: str) -> str:
    """A stable key of a block's text in its tab (12 hex digits of a SHA-256)."""
    return hashlib.sha256(f"{tab}\n{normalise(text)}".encode()).hexdigest()[:12]


class KeyCounter:
    """Keys of the blocks of one page, in page order: a repeated key gets ``#2``, ``#3``, ..."""

    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()

    def key(self, text: str, tab: str) -> str:
        key = block_key(text, tab)
        self.seen[key] += 1
        return key if self.seen[key] == 1 else f"{key}#{self.seen[key]}"


def tab_title(node: nodes.Element) -> str | None:
    """The title when ``node`` is one tab of a tab set (sphinx-inline-tabs, sphinx-design, sphinx-tabs)."""
    kind = type(node).__name__
    if kind == "TabContainer":  # sphinx-inline-tabs (also what guideproof.sphinx renders switches as)
        label = next(iter(node.findall(nodes.label)), None)
        return label.astext() if label is not None else ""
    if node.get("design_component") == "tab-item":  # sphinx-design
        return node[0].astext() if node.children else ""
    if kind == "SphinxTabsPanel" and node.parent is not None:  # sphinx-tabs
        wanted = node.get("aria-labelledby")
        for tab in node.parent.findall(nodes.Element):
            if type(tab).__name__ == "SphinxTabsTab" and wanted in tab["ids"]:
                return tab.astext()
        return ""
    return None


TABS_ATTR = "guideproof_tabs"  # set on doctree-read: the HTML builder's post-transforms flatten inline tabs


def tab_titles(block: nodes.Element) -> tuple[str, ...]:
    """The titles of the tabs around ``block``, outermost first (as noted by :func:`note_tabs` when it ran)."""
    if TABS_ATTR in block:
        return tuple(block[TABS_ATTR])
    found: list[str] = []
    node = block.parent
    while node is not None:
        if isinstance(node, nodes.Element) and (title := tab_title(node)) is not None:
            found.append(title)
        node = node.parent
    return tuple(reversed(found))


def tab_text(titles: tuple[str, ...]) -> str:
    return " > ".join(titles)


def note_tabs(app: object, doctree: nodes.document) -> None:
    """``doctree-read``: note on each literal block the tabs around it, before the builder's post-transforms
    turn sphinx-inline-tabs' tabs into plain containers (the keys of the strict check need the titles)."""
    for block in doctree.findall(nodes.literal_block):
        block[TABS_ATTR] = list(tab_titles(block))
