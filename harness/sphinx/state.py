"""What the extension remembers across documents, kept on the build environment (parallel-safe)."""

from __future__ import annotations

from dataclasses import dataclass

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment


@dataclass(frozen=True)
class Untested:
    docname: str
    lineno: int
    target: str  # the id next to the snippet
    reason: str
    first_line: str


def results_docs(env: BuildEnvironment) -> set[str]:
    if not hasattr(env, "harness_results_docs"):
        env.harness_results_docs = set()  # type: ignore[attr-defined]
    return env.harness_results_docs  # type: ignore[attr-defined]


def list_docs(env: BuildEnvironment) -> set[str]:
    """Documents with an ``untested-snippets`` list: rewritten whenever any document changes."""
    if not hasattr(env, "harness_list_docs"):
        env.harness_list_docs = set()  # type: ignore[attr-defined]
    return env.harness_list_docs  # type: ignore[attr-defined]


def untested(env: BuildEnvironment) -> list[Untested]:
    if not hasattr(env, "harness_untested"):
        env.harness_untested = []  # type: ignore[attr-defined]
    return env.harness_untested  # type: ignore[attr-defined]


def purge_doc(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    results_docs(env).discard(docname)
    list_docs(env).discard(docname)
    env.harness_untested = [u for u in untested(env) if u.docname != docname]  # type: ignore[attr-defined]


def merge_info(app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment) -> None:
    results_docs(env).update(results_docs(other) & docnames)
    list_docs(env).update(list_docs(other) & docnames)
    untested(env).extend(u for u in untested(other) if u.docname in docnames)


def outdated(app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]) -> list[str]:
    """``env-get-outdated``: a snippet list must be rebuilt when any other document changes."""
    return sorted(list_docs(env) - added - changed) if added | changed | removed else []
