"""``doctree-resolved``: replace placeholders with links, now that every document is known."""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.errors import NoUri

from guideproof.sphinx import envdata
from guideproof.sphinx.nodes import results_link, untested_list


def _uri(app: Sphinx, fromdoc: str, todoc: str, anchor: str) -> str | None:
    try:
        base = app.builder.get_relative_uri(fromdoc, todoc)
    except NoUri:
        return None
    return f"{base}#{anchor}" if anchor else base


def _results_links(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    pages = sorted(envdata.docs(app.env, envdata.RESULTS_PAGES))
    for node in list(doctree.findall(results_link)):
        uri = _uri(app, docname, pages[0], node["anchor"]) if pages else None
        if uri is None:  # no results page (no ``.. scenario-results::``): no sentence pointing at one
            _drop_link(node)
            continue
        node.replace_self(nodes.reference("", node.astext(), refuri=uri, internal=True))


def _drop_link(node: results_link) -> None:
    """Remove the link, and the space before it."""
    parent = node.parent
    index = parent.index(node)
    before = parent[index - 1] if index > 0 else None
    if isinstance(before, nodes.Text) and before.endswith(" "):
        parent.replace(before, nodes.Text(before.rstrip(" ")))
    parent.remove(node)


def _untested_lists(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    snippets = sorted(envdata.untested(app.env), key=lambda u: (u.docname, u.lineno))
    for node in list(doctree.findall(untested_list)):
        if not snippets:
            node.replace_self(nodes.paragraph("", "No untested snippets: every shell snippet is a scenario."))
            continue
        items = nodes.bullet_list(classes=["untested-snippets"], support_smartquotes=False)
        for snippet in snippets:
            para = nodes.paragraph()
            uri = _uri(app, docname, snippet.docname, snippet.target)
            title = f"{snippet.docname}, line {snippet.lineno}"
            para += nodes.reference("", title, refuri=uri, internal=True) if uri else nodes.Text(title)
            para += nodes.Text(" — ")
            para += nodes.literal("", snippet.first_line)
            para += nodes.Text(f": {snippet.reason}")
            items += nodes.list_item("", para)
        node.replace_self(items)


def resolve(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    _results_links(app, doctree, docname)
    _untested_lists(app, doctree, docname)
