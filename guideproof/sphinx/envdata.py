"""What the extension remembers across documents, kept on the build environment (parallel-safe)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

from guideproof.sphinx.sources import matrix_path, results_key

RESULTS_PAGES = "results_pages"  # documents with ``scenario-results``
SNIPPET_LISTS = "snippet_lists"  # documents with ``untested-snippets``
USES_RESULTS = "uses_results"  # documents with ``scenario`` or ``scenario-results``
DOC_SETS = (RESULTS_PAGES, SNIPPET_LISTS, USES_RESULTS)


@dataclass(frozen=True)
class Untested:
    docname: str
    lineno: int
    target: str  # the id next to the snippet
    reason: str
    first_line: str


def docs(env: BuildEnvironment, name: str) -> set[str]:
    """The documents in the set called ``name`` (one of :data:`DOC_SETS`)."""
    attr = f"guideproof_{name}"
    if not hasattr(env, attr):
        setattr(env, attr, set())
    found: set[str] = getattr(env, attr)
    return found


def untested(env: BuildEnvironment) -> list[Untested]:
    if not hasattr(env, "guideproof_untested"):
        env.guideproof_untested = []  # type: ignore[attr-defined]
    return env.guideproof_untested  # type: ignore[attr-defined]


def purge_doc(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    for name in DOC_SETS:
        docs(env, name).discard(docname)
    env.guideproof_untested = [u for u in untested(env) if u.docname != docname]  # type: ignore[attr-defined]


def merge_info(app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment) -> None:
    for name in DOC_SETS:
        docs(env, name).update(docs(other, name) & docnames)
    untested(env).extend(u for u in untested(other) if u.docname in docnames)


def outdated(app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]) -> list[str]:
    """``env-get-outdated``: snippet lists follow every document; scenario pages follow the results files."""
    extra = set(docs(env, SNIPPET_LISTS)) if added | changed | removed else set()
    key = results_key(env.config)
    if getattr(env, "guideproof_results_key", None) != key:
        env.guideproof_results_key = key  # type: ignore[attr-defined]
        extra |= docs(env, USES_RESULTS)
    return sorted(extra - added - changed)


def note_dependencies(env: BuildEnvironment, *extra: Path) -> None:
    """Re-read the current document when the matrix or ``extra`` changes, or results files come and go."""
    for path in (matrix_path(env.config), *extra):
        env.note_dependency(str(path))
    docs(env, USES_RESULTS).add(env.docname)
