"""How many of a guide's shell snippets are tested: per snippet, per page and overall, as text, Markdown or JSON.

A snippet is *covered* when it is rendered from a scenario (tested), or marked ``untested-snippet``
with a reason (an opt-out: accounted for, not tested; counted separately). Anything else is untested;
an untested snippet listed in the baseline is *known*, one that is not is *new*. Blocks in Windows shell
languages (``bat``, PowerShell, ...) are listed as "not runnable on this matrix", per page, and not counted.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from guideproof.paths import display_path
from guideproof.snippets.find import DocTree, Snippet
from guideproof.sphinx.baseline import load_baseline


@dataclass(frozen=True)
class Counts:
    scenario: int = 0
    opt_out: int = 0
    untested: int = 0
    known: int = 0  # of the untested, how many the baseline lists
    not_runnable: int = 0  # Windows shell blocks: not in the total

    @classmethod
    def of(cls, snippets: Iterable[Snippet], baseline: Mapping[str, set[str]] | None = None) -> Counts:
        snippets = list(snippets)
        statuses = [s.status for s in snippets]
        known = sum(1 for s in snippets if in_baseline(s, baseline or {}))
        return cls(
            statuses.count("scenario"),
            statuses.count("opt-out"),
            statuses.count("untested"),
            known,
            statuses.count("not runnable"),
        )

    @property
    def total(self) -> int:
        return self.scenario + self.opt_out + self.untested

    @property
    def percent(self) -> float | None:
        """Covered (scenario or reasoned opt-out) in percent; None when there is nothing to cover."""
        return 100 * (self.scenario + self.opt_out) / self.total if self.total else None

    def to_json(self) -> dict[str, object]:
        percent = self.percent
        return {
            "snippets": self.total,
            "scenario": self.scenario,
            "opt_out": self.opt_out,
            "untested": self.untested,
            "untested_in_baseline": self.known,
            "not_runnable": self.not_runnable,
            "coverage_percent": None if percent is None else round(percent, 1),
        }


def in_baseline(snippet: Snippet, baseline: Mapping[str, set[str]]) -> bool:
    return snippet.status == "untested" and snippet.key in baseline.get(snippet.docname, set())


@dataclass(frozen=True)
class Coverage:
    tree: DocTree
    pages: dict[str, Counts]  # docname -> counts, pages with snippets only, in docname order
    total: Counts
    baseline: dict[str, set[str]] = field(default_factory=dict)  # docname -> keys of known-untested snippets
    baseline_path: Path | None = None

    @classmethod
    def of(cls, tree: DocTree, baseline: Path | None = None) -> Coverage:
        path = baseline or tree.baseline
        known = load_baseline(path) if path is not None else {}
        by_page: dict[str, list[Snippet]] = {}
        for snippet in tree.snippets:
            by_page.setdefault(snippet.docname, []).append(snippet)
        pages = {name: Counts.of(by_page[name], known) for name in sorted(by_page)}
        return cls(tree, pages, Counts.of(tree.snippets, known), known, path)

    def new_untested(self) -> list[Snippet]:
        """Untested snippets the baseline does not list (all of them without a baseline)."""
        return [s for s in self.tree.snippets if s.status == "untested" and not in_baseline(s, self.baseline)]

    def failures(self, fail_under: float | None) -> list[str]:
        """What fails ``--fail-under``, each said in a line: coverage below it, blocks that could not be parsed."""
        if fail_under is None:
            return []
        out: list[str] = []
        percent = self.total.percent
        if percent is not None and percent < fail_under:
            out.append(
                f"coverage {percent_text(percent)} is below --fail-under {fail_under:g} % "
                f"({self.total.untested} untested of {self.total.total} shell snippets)"
            )
        if self.tree.problems:
            count = len(self.tree.problems)
            out.append(f"{count} {'block' if count == 1 else 'blocks'} could not be parsed (listed in the report)")
        return out

    def failed(self, fail_under: float | None) -> bool:
        """Below ``fail_under`` percent, or something could not be parsed (its snippets are unknown)."""
        return bool(self.failures(fail_under))


def percent_text(percent: float | None) -> str:
    return "n/a" if percent is None else f"{percent:.1f} %"


def _detail(snippet: Snippet, baseline: Mapping[str, set[str]]) -> str:
    if not snippet.runnable:
        return "not runnable on this matrix"
    if in_baseline(snippet, baseline):
        return "untested (in the baseline)"
    if snippet.scenario:
        return f"scenario {snippet.scenario}"
    if snippet.untested:
        return f"opt-out: {snippet.untested}"
    return "untested"


def _page_path(coverage: Coverage, docname: str) -> str:
    page = coverage.tree.pages.get(docname)
    return page.path if page else docname


def _pages_with(coverage: Coverage, runnable: bool) -> int:
    return sum(1 for c in coverage.pages.values() if (c.total if runnable else c.not_runnable))


def summary(coverage: Coverage) -> str:
    total, problems = coverage.total, len(coverage.tree.problems)
    text = (
        f"Coverage: {percent_text(total.percent)} of {total.total} shell snippets are a scenario or a reasoned "
        f"opt-out ({total.scenario} scenario, {total.opt_out} opt-out, {total.untested} untested"
    )
    if coverage.baseline_path is not None:
        text += f", of which {total.known} in the baseline and {total.untested - total.known} new"
    text += f"); {problems} {'block' if problems == 1 else 'blocks'} could not be parsed."
    if total.not_runnable:
        text += (
            f" {total.not_runnable} Windows shell blocks on {_pages_with(coverage, False)} pages are not runnable "
            "on this matrix (not counted)."
        )
    return text


def headline(coverage: Coverage) -> str:
    tree = coverage.tree
    text = (
        f"Read {len(tree.pages)} pages of {display_path(tree.srcdir)}: {len(tree.shell)} shell snippets on "
        f"{_pages_with(coverage, True)} pages"
    )
    if tree.not_runnable:
        text += f", {len(tree.not_runnable)} blocks not runnable on this matrix on {_pages_with(coverage, False)} pages"
    return text + ":"


def render_text(coverage: Coverage) -> str:
    tree = coverage.tree
    lines = [headline(coverage)]
    width = max((len(s.where) for s in tree.snippets), default=0)
    for snippet in sorted(tree.shell, key=_order):
        tab = f"  [{snippet.tab}]" if snippet.tabs else ""
        lines.append(f"  {snippet.where:<{width}}  {snippet.language:<8}{tab}  {_detail(snippet, coverage.baseline)}")
    if not tree.shell:
        lines.append("  (none)")
    if tree.not_runnable:
        lines += ["", "Not runnable on this matrix (Windows shells; reported, not counted):"]
        for snippet in sorted(tree.not_runnable, key=_order):
            tab = f"  [{snippet.tab}]" if snippet.tabs else ""
            lines.append(f"  {snippet.where:<{width}}  {snippet.language:<8}{tab}")
    if tree.problems:
        lines += ["", "Could not be parsed (a snippet may hide in them; fix these first):"]
        lines += [f"  {p.where}: {p.message}" for p in tree.problems]
    lines += ["", "Per page (covered = scenario + opt-out):"]
    name_width = max((len(_page_path(coverage, d)) for d in coverage.pages), default=4)
    header = f"  {'page':<{name_width}}  snippets  scenario  opt-out  untested  coverage  not runnable"
    lines.append(header)
    rows = [(_page_path(coverage, d), c) for d, c in coverage.pages.items()] + [("overall", coverage.total)]
    for name, counts in rows:
        lines.append(
            f"  {name:<{name_width}}  {counts.total:>8}  {counts.scenario:>8}  {counts.opt_out:>7}  "
            f"{counts.untested:>8}  {percent_text(counts.percent):>8}  {counts.not_runnable:>12}"
        )
    lines += ["", summary(coverage)]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(coverage: Coverage) -> str:
    tree = coverage.tree
    lines = [
        "## Shell snippet coverage",
        "",
        summary(coverage),
        "",
        "| page | snippets | scenario | opt-out | untested | coverage | not runnable |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    rows = [(f"`{_page_path(coverage, d)}`", c) for d, c in coverage.pages.items()] + [("**overall**", coverage.total)]
    for name, c in rows:
        lines.append(
            f"| {name} | {c.total} | {c.scenario} | {c.opt_out} | {c.untested} | {percent_text(c.percent)} "
            f"| {c.not_runnable} |"
        )
    if tree.problems:
        lines += ["", "### Could not be parsed", "", "| where | message |", "| --- | --- |"]
        lines += [f"| `{p.where}` | {_cell(p.message)} |" for p in tree.problems]
    lines += ["", "### Snippets", "", "| where | language | tab | status |", "| --- | --- | --- | --- |"]
    for s in sorted(tree.snippets, key=_order):
        lines.append(f"| `{s.where}` | {s.language} | {_cell(s.tab)} | {_cell(_detail(s, coverage.baseline))} |")
    return "\n".join(lines) + "\n"


def render_json(coverage: Coverage) -> str:
    tree = coverage.tree
    doc = {
        "docs": display_path(tree.srcdir),
        "total": coverage.total.to_json(),
        "pages": [
            {"page": d, "path": _page_path(coverage, d), "title": tree.pages[d].title if d in tree.pages else d}
            | c.to_json()
            for d, c in coverage.pages.items()
        ],
        "snippets": [
            {
                "path": s.path,
                "line": s.line,
                "page": s.docname,
                "language": s.language,
                "tabs": [t.title for t in s.tabs],
                "prompted": s.prompted,
                "status": s.status,
                "key": s.key,
                "in_baseline": in_baseline(s, coverage.baseline),
                "scenario": s.scenario,
                "reason": s.untested,
                "first_line": next((line for line in s.text.splitlines() if line.strip()), ""),
            }
            for s in sorted(tree.snippets, key=_order)
        ],
        "problems": [{"path": p.path, "line": p.line, "message": p.message} for p in tree.problems],
    }
    return json.dumps(doc, indent=2) + "\n"


def _order(snippet: Snippet) -> tuple[str, int]:
    return (snippet.path, snippet.line or 0)


def render(coverage: Coverage, fmt: str) -> str:
    return {"text": render_text, "markdown": render_markdown, "json": render_json}[fmt](coverage)
