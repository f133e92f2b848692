"""How many of a guide's shell snippets are tested: per snippet, per page and overall, as text, Markdown or JSON.

A snippet is *covered* when it is rendered from a scenario (tested), or marked ``untested-snippet``
with a reason (an opt-out: accounted for, not tested; counted separately). Anything else is untested.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from guideproof.snippets import REPORT_FORMATS
from guideproof.snippets.find import DocTree, Snippet, display_path

FORMATS = REPORT_FORMATS


@dataclass(frozen=True)
class Counts:
    scenario: int = 0
    opt_out: int = 0
    untested: int = 0

    @classmethod
    def of(cls, snippets: Iterable[Snippet]) -> Counts:
        statuses = [s.status for s in snippets]
        return cls(statuses.count("scenario"), statuses.count("opt-out"), statuses.count("untested"))

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
            "coverage_percent": None if percent is None else round(percent, 1),
        }


@dataclass(frozen=True)
class Coverage:
    tree: DocTree
    pages: dict[str, Counts]  # docname -> counts, pages with snippets only, in docname order
    total: Counts

    @classmethod
    def of(cls, tree: DocTree) -> Coverage:
        by_page: dict[str, list[Snippet]] = {}
        for snippet in tree.snippets:
            by_page.setdefault(snippet.docname, []).append(snippet)
        pages = {name: Counts.of(by_page[name]) for name in sorted(by_page)}
        return cls(tree, pages, Counts.of(tree.snippets))

    def failed(self, fail_under: float | None) -> bool:
        """Below ``fail_under`` percent, or something could not be parsed (its snippets are unknown)."""
        if fail_under is None:
            return False
        percent = self.total.percent
        return bool(self.tree.problems) or (percent is not None and percent < fail_under)


def percent_text(percent: float | None) -> str:
    return "n/a" if percent is None else f"{percent:.1f} %"


def _detail(snippet: Snippet) -> str:
    if snippet.scenario:
        return f"scenario {snippet.scenario}"
    if snippet.untested:
        return f"opt-out: {snippet.untested}"
    return "untested"


def _page_path(coverage: Coverage, docname: str) -> str:
    page = coverage.tree.pages.get(docname)
    return page.path if page else docname


def summary(coverage: Coverage) -> str:
    total, problems = coverage.total, len(coverage.tree.problems)
    return (
        f"Coverage: {percent_text(total.percent)} of {total.total} shell snippets are a scenario or a reasoned "
        f"opt-out ({total.scenario} scenario, {total.opt_out} opt-out, {total.untested} untested); "
        f"{problems} {'block' if problems == 1 else 'blocks'} could not be parsed."
    )


def render_text(coverage: Coverage) -> str:
    tree = coverage.tree
    lines = [f"Shell snippets in {len(tree.pages)} pages of {display_path(tree.srcdir)}:"]
    width = max((len(s.where) for s in tree.snippets), default=0)
    for snippet in sorted(tree.snippets, key=_order):
        tab = f"  [{snippet.tab}]" if snippet.tabs else ""
        lines.append(f"  {snippet.where:<{width}}  {snippet.language:<8}{tab}  {_detail(snippet)}")
    if not tree.snippets:
        lines.append("  (none)")
    if tree.problems:
        lines += ["", "Could not be parsed (a snippet may hide in them; fix these first):"]
        lines += [f"  {p.where}: {p.message}" for p in tree.problems]
    lines += ["", "Per page (covered = scenario + opt-out):"]
    name_width = max((len(_page_path(coverage, d)) for d in coverage.pages), default=4)
    header = f"  {'page':<{name_width}}  snippets  scenario  opt-out  untested  coverage"
    lines.append(header)
    rows = [(_page_path(coverage, d), c) for d, c in coverage.pages.items()] + [("overall", coverage.total)]
    for name, counts in rows:
        lines.append(
            f"  {name:<{name_width}}  {counts.total:>8}  {counts.scenario:>8}  {counts.opt_out:>7}  "
            f"{counts.untested:>8}  {percent_text(counts.percent):>8}"
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
        "| page | snippets | scenario | opt-out | untested | coverage |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    rows = [(f"`{_page_path(coverage, d)}`", c) for d, c in coverage.pages.items()] + [("**overall**", coverage.total)]
    for name, c in rows:
        lines.append(f"| {name} | {c.total} | {c.scenario} | {c.opt_out} | {c.untested} | {percent_text(c.percent)} |")
    if tree.problems:
        lines += ["", "### Could not be parsed", "", "| where | message |", "| --- | --- |"]
        lines += [f"| `{p.where}` | {_cell(p.message)} |" for p in tree.problems]
    lines += ["", "### Snippets", "", "| where | language | tab | status |", "| --- | --- | --- | --- |"]
    for s in sorted(tree.snippets, key=_order):
        lines.append(f"| `{s.where}` | {s.language} | {_cell(s.tab)} | {_cell(_detail(s))} |")
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
