"""Find every shell snippet of a Sphinx source tree by letting Sphinx read it with the project's own conf.py.

Parsing the sources by hand would have to re-implement reStructuredText, MyST, every extension's
directives (tabs of three kinds, ``only``, includes, the project's own) and the ``highlight`` rules
that give a plain ``::`` block its language. Sphinx already does all of that with the adopter's
configuration, so the finder runs a ``dummy`` build (it reads and resolves every document and writes
nothing) and collects ``literal_block`` nodes on ``doctree-resolved``, after the post-transforms
have set each block's final language. What Sphinx could not parse is logged as a warning while the
documents are read; those warnings are kept, with their file and line, as :class:`Problem`\\ s.
"""

from __future__ import annotations

import io
import logging
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.utils import get_source_line

from guideproof.errors import UserError
from guideproof.paths import display_path
from guideproof.scenario.transcript import SESSION_LANGUAGES, is_prompted
from guideproof.sphinx.blocks import (
    NOT_RUNNABLE_LANGUAGES,
    PAGE_OPT_OUT_FIELD,
    SHELL_LANGUAGES,
    KeyCounter,
    tab_text,
    tab_title,
)
from guideproof.sphinx.nodes import SCENARIO_ATTR, UNTESTED_ATTR

# ``.. only:: html`` content is what readers of the site see: keep it (the dummy builder has no format).
TAGS = ("html", "format_html")


@dataclass(frozen=True)
class Tab:
    title: str
    group: str  # which set of tabs it belongs to (tabs of one set are alternatives)


@dataclass(frozen=True)
class Snippet:
    path: str  # the source file, relative to the working directory when below it
    line: int | None
    docname: str
    language: str
    text: str
    tabs: tuple[Tab, ...]  # enclosing tabs, outermost first
    scenario: str | None  # the scenario it is rendered from
    untested: str | None  # the reason of an ``untested-snippet`` (or of the page's ``:guideproof-untested:``)
    key: str = ""  # page-wide stable key (guideproof.sphinx.blocks.block_key), what the baseline lists
    output: str | None = None  # the output block right after it on the page (text, unprompted console, ::)
    output_line: int | None = None

    @property
    def prompted(self) -> bool:
        return is_prompted(self.text, self.language)

    @property
    def runnable(self) -> bool:
        """A POSIX shell snippet; a Windows shell one (bat, PowerShell, ...) cannot run on the matrix's cells."""
        return self.language not in NOT_RUNNABLE_LANGUAGES

    @property
    def status(self) -> str:
        if not self.runnable:
            return "not runnable"
        if self.scenario:
            return "scenario"
        if self.untested:
            return "opt-out"
        return "untested"

    @property
    def tab(self) -> str:
        """The enclosing tab titles, outermost first, joined with " > " ("" outside tabs)."""
        return " > ".join(t.title for t in self.tabs)

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass(frozen=True)
class Problem:
    """Something Sphinx could not read: a snippet may hide in it, so it is reported, never skipped."""

    path: str | None
    line: int | None
    message: str

    @property
    def where(self) -> str:
        if self.path is None:
            return "(no location)"
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass(frozen=True)
class Page:
    docname: str
    path: str
    title: str


@dataclass(frozen=True)
class DocTree:
    srcdir: Path
    pages: dict[str, Page]
    snippets: list[Snippet]
    problems: list[Problem]
    matrix: Path | None  # the extension's ``scenario_matrix`` when the project configures guideproof.sphinx
    baseline: Path | None = None  # the extension's ``scenario_untested_baseline`` (absolute), when configured

    @property
    def shell(self) -> list[Snippet]:
        """The snippets a POSIX shell can run (what coverage counts)."""
        return [s for s in self.snippets if s.runnable]

    @property
    def not_runnable(self) -> list[Snippet]:
        """Blocks in Windows shell languages: listed, not counted."""
        return [s for s in self.snippets if not s.runnable]


def _tab_group(node: nodes.Element, serial: dict[int, int]) -> str:
    """A key shared by the tabs of one set: its first tab (inline tabs) or its container."""
    first: nodes.Node = node
    if type(node).__name__ == "TabContainer" and node.parent is not None:
        siblings = node.parent.children
        index = siblings.index(node)
        while index > 0 and _continues_set(siblings[index], siblings[index - 1]):
            index -= 1
        first = siblings[index]
    elif node.parent is not None:
        first = node.parent
    return f"tabs-{serial.setdefault(id(first), len(serial) + 1)}"


def _continues_set(tab: nodes.Node, before: nodes.Node) -> bool:
    """Whether an inline tab belongs to the set of the tab just before it (``:new-set:`` starts another)."""
    new_set = isinstance(tab, nodes.Element) and tab.get("new_set")
    return not new_set and type(before).__name__ == "TabContainer"


def _tabs(block: nodes.Element, serial: dict[int, int]) -> tuple[Tab, ...] | None:
    """The tabs around ``block``, outermost first; None when it sits in a system message (not content)."""
    found: list[Tab] = []
    node = block.parent
    while node is not None:
        if isinstance(node, nodes.system_message):
            return None
        if isinstance(node, nodes.Element) and (title := tab_title(node)) is not None:
            found.append(Tab(title, _tab_group(node, serial)))
        node = node.parent
    return tuple(reversed(found))


OUTPUT_LANGUAGES = {"text", "none", "output", "default", "txt", "plain", "plaintext"}


def _output_after(block: nodes.literal_block) -> nodes.literal_block | None:
    """The block that shows what ``block``'s commands print: the next literal block of the same parent, in an
    output language (``text``, a plain ``::``, a ``console`` block without prompts), with at most one paragraph
    ("This prints:") between them."""
    parent = block.parent
    if parent is None:
        return None
    index = parent.index(block)
    for between, node in enumerate(parent.children[index + 1 : index + 3]):
        if isinstance(node, nodes.literal_block):
            language = str(node.get("language", "")).lower()
            text = node.astext()
            if language in OUTPUT_LANGUAGES or (language in SESSION_LANGUAGES and not is_prompted(text, language)):
                return node
            return None
        if not isinstance(node, nodes.paragraph) or between:
            return None
    return None


class _Collector:
    """Connected to the build: reads snippets on ``doctree-resolved``, warnings while documents are read."""

    def __init__(self) -> None:
        self.snippets: list[Snippet] = []
        self.records: dict[int, tuple[logging.LogRecord, str]] = {}
        self.reading: tuple[float, float] = (0.0, 0.0)  # when the read phase began and ended
        self.current: str | None = None  # the document being read (for a crash's message)

    def resolved(self, app: Any, doctree: nodes.document, docname: str) -> None:
        serial: dict[int, int] = {}
        default_path = str(app.env.doc2path(docname))
        keys = {True: KeyCounter(), False: KeyCounter()}  # shell blocks counted as the strict check counts them
        page_reason = str(app.env.metadata.get(docname, {}).get(PAGE_OPT_OUT_FIELD, "")).strip() or None
        for block in doctree.findall(nodes.literal_block):
            language = str(block.get("language", "")).lower()
            if language not in SHELL_LANGUAGES and language not in NOT_RUNNABLE_LANGUAGES:
                continue
            output = _output_after(block)
            tabs = _tabs(block, serial)
            if tabs is None:
                continue
            key = keys[language in SHELL_LANGUAGES].key(block.astext(), tab_text(tuple(t.title for t in tabs)))
            source, line = get_source_line(block)
            self.snippets.append(
                Snippet(
                    path=display_path(source or default_path),
                    line=line,
                    docname=docname,
                    language=language,
                    text=block.astext(),
                    tabs=tabs,
                    scenario=block.get(SCENARIO_ATTR) or None,
                    untested=block.get(UNTESTED_ATTR) or page_reason,
                    key=key,
                    output=output.astext() if output is not None else None,
                    output_line=get_source_line(output)[1] if output is not None else None,
                )
            )

    def reading_started(self, *args: Any) -> None:
        self.reading = (time.time(), float("inf"))

    def reading_done(self, *args: Any) -> None:
        self.reading = (self.reading[0], time.time())
        self.current = None

    def source_read(self, app: Any, docname: str, source: list[str]) -> None:
        self.current = docname


class _Handler(logging.Handler):
    """Keeps each warning record once (Sphinx may hand a held-back warning over again)."""

    def __init__(self, collector: _Collector) -> None:
        super().__init__(logging.WARNING)
        self.collector = collector

    def emit(self, record: logging.LogRecord) -> None:
        if id(record) not in self.collector.records:
            self.collector.records[id(record)] = (record, record.getMessage())


def _location(location: object, env: Any) -> tuple[str | None, int | None]:
    """A Sphinx log record's location (a node, ``(docname, line)``, ``"path:line"`` or a docname)."""
    if isinstance(location, nodes.Node):
        source, line = get_source_line(location)
        return (display_path(source) if source else None), line
    if isinstance(location, tuple) and len(location) == 2:
        docname, line = location
        return (display_path(env.doc2path(docname)) if docname else None), line
    if isinstance(location, str) and location:
        path, sep, number = location.rpartition(":")
        if sep and (number.isdigit() or not number):
            return display_path(path), int(number) if number else None
        if sep:  # "file.rst:<include>" and the like
            return location, None
        return display_path(env.doc2path(location)), None
    return None, None


def _message(record: logging.LogRecord, text: str) -> str:
    first = text.strip().split("\n\n")[0]  # docutils appends the offending source after a blank line
    kind = getattr(record, "type", "") or ""
    subtype = getattr(record, "subtype", "") or ""
    suffix = f" [{kind}.{subtype}]" if subtype else f" [{kind}]" if kind else ""
    if suffix and not first.endswith(suffix):
        first += suffix
    return " ".join(first.split())


def _problems(collector: _Collector, env: Any) -> list[Problem]:
    start, end = collector.reading
    out: list[Problem] = []
    for record, text in collector.records.values():
        if not start <= record.created < end:
            continue  # not about reading a document: configuration, cross-references, ...
        path, line = _location(getattr(record, "location", None), env)
        problem = Problem(path, line, _message(record, text))
        if problem not in out:
            out.append(problem)
    return out


def find_snippets(
    srcdir: Path, *, only: Sequence[Path] = (), overrides: dict[str, Any] | None = None, confdir: Path | None = None
) -> DocTree:
    """Read the Sphinx project in ``srcdir`` (``conf.py`` in ``confdir``, default ``srcdir``).

    ``only`` restricts reading to these source files (and the root document, which Sphinx needs);
    ``overrides`` replace values of conf.py (as ``sphinx-build -D`` does).
    """
    from sphinx.application import Sphinx
    from sphinx.util.docutils import docutils_namespace, patch_docutils

    srcdir = srcdir.resolve()
    confdir = (confdir or srcdir).resolve()
    if not (confdir / "conf.py").is_file():
        raise UserError(f"{confdir}: no conf.py here (give the Sphinx source directory)")
    collector = _Collector()
    handler = _Handler(collector)
    sphinx_logger = logging.getLogger("sphinx")
    with (
        tempfile.TemporaryDirectory(prefix="guideproof-snippets-") as tmp,
        patch_docutils(confdir),
        docutils_namespace(),
    ):
        outdir = Path(tmp)
        try:
            app = Sphinx(
                str(srcdir),
                str(confdir),
                str(outdir),
                str(outdir / ".doctrees"),
                "dummy",
                confoverrides=dict(overrides or {}),
                status=None,
                warning=io.StringIO(),
                freshenv=True,
                tags=TAGS,
            )
        except Exception as exc:  # the project's conf.py or one of its extensions
            raise UserError(f"{confdir / 'conf.py'}: Sphinx could not start: {exc}") from None
        if only:
            app.config.include_patterns = _patterns(srcdir, only, app.config)
        if "sphinx_tabs_valid_builders" in app.config:  # sphinx-tabs renders real tabs only for listed builders
            app.config.sphinx_tabs_valid_builders = [*app.config.sphinx_tabs_valid_builders, "dummy"]
        app.connect("env-before-read-docs", collector.reading_started)
        app.connect("source-read", collector.source_read)
        app.connect("env-updated", collector.reading_done)
        app.connect("doctree-resolved", collector.resolved)
        sphinx_logger.addHandler(handler)
        try:
            app.build(force_all=True)
        except Exception as exc:
            where = f"{display_path(app.env.doc2path(collector.current))}: " if collector.current else ""
            raise UserError(f"{where}Sphinx stopped reading the docs: {type(exc).__name__}: {exc}") from None
        finally:
            sphinx_logger.removeHandler(handler)
        pages = {
            name: Page(name, display_path(app.env.doc2path(name)), _title(app.env, name))
            for name in sorted(app.env.found_docs)
        }
        matrix = getattr(app.config, "scenario_matrix", None)
        baseline = getattr(app.config, "scenario_untested_baseline", None)
        return DocTree(
            srcdir=srcdir,
            pages=pages,
            snippets=collector.snippets,
            problems=_problems(collector, app.env),
            matrix=Path(matrix) if matrix else None,
            baseline=(confdir / baseline).resolve() if baseline else None,
        )


def _title(env: Any, docname: str) -> str:
    title = env.titles.get(docname)
    return title.astext() if title is not None else docname


def _patterns(srcdir: Path, files: Iterable[Path], config: Any) -> list[str]:
    """Read only ``files``, and the root document, without which Sphinx does not build."""
    patterns = [f"{config.root_doc}{suffix}" for suffix in config.source_suffix]
    for file in files:
        try:
            patterns.append(file.resolve().relative_to(srcdir).as_posix())
        except ValueError:
            raise UserError(f"{file}: not below the Sphinx source directory {srcdir}") from None
    return patterns
