"""A scenario skeleton from a page: its shell snippets in page order, one cell, a header to complete.

Prompted lines become commands and the lines after them expected output (a line of just ``...``, the
usual "output left out", becomes the scenario's ellipsis; any other line that would read as scenario
syntax is escaped into a literal). Unprompted ``bash``/``sh`` blocks become commands whose output is
not checked. Each snippet is preceded by a prose note naming its source line. Of each set of tabs one
tab is kept: the one named by ``--tab``, else the first that is not about Windows; Windows-only tabs
are left out, and every snippet left out gets a note saying why.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from guideproof.errors import UserError
from guideproof.matrix.model import load_matrix
from guideproof.paths import display_path
from guideproof.scenario.transcript import Command, parse_script, parse_session
from guideproof.scenario.write import escape_literal
from guideproof.snippets.find import DocTree, Problem, Snippet, find_snippets

_WINDOWS = re.compile(r"windows|powershell|cmd\.exe", re.IGNORECASE)
ELLIPSES = ("...", "…")
# Words a guide writes where the reader puts their own: <DIR>, SomeProject, example.com, YOUR_TOKEN, ...
PLACEHOLDERS = re.compile(
    r"(?<![<\w])<[A-Za-z][\w .:/-]*>(?!>)"  # <DIR>, <path to file>; not << or a redirection
    r"|\bSome[A-Z]\w*"  # SomeProject, SomePackage
    r"|\b(?:[\w-]+\.)*example\.(?:com|org|net)\b"
    r"|\b(?:YOUR|your)[_-][\w-]+"
    r"|\bmy\.package\.repo\b"
)
NOT_RECORDED = "<output not recorded yet: run once with --update-expected>"


@dataclass
class Skeleton:
    page: str
    text: str
    kept: list[Snippet] = field(default_factory=list)
    left_out: list[tuple[Snippet, str]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    commands: int = 0


def is_windows(title: str) -> bool:
    return bool(_WINDOWS.search(title))


def choose_tabs(snippets: Sequence[Snippet], wanted: Sequence[str] = ()) -> dict[str, str | None]:
    """For each tab set of the page, the title of the tab to keep (None: keep none of them)."""
    folded = [w.casefold() for w in wanted]
    titles: dict[str, list[str]] = {}
    for snippet in snippets:
        for tab in snippet.tabs:
            if tab.title not in titles.setdefault(tab.group, []):
                titles[tab.group].append(tab.title)
    chosen: dict[str, str | None] = {}
    for group, names in titles.items():
        match = [n for n in names if n.casefold() in folded]
        others = [n for n in names if not is_windows(n)]
        chosen[group] = match[0] if match else others[0] if others else None
    return chosen


def _why_left_out(snippet: Snippet, chosen: dict[str, str | None], wanted: Sequence[str]) -> str | None:
    if not snippet.runnable:
        where = f' in tab "{snippet.tab}"' if snippet.tabs else ""
        return f"a {snippet.language} block{where}: not runnable on this matrix (its cells run a POSIX shell)"
    for tab in snippet.tabs:
        keep = chosen.get(tab.group)
        if keep == tab.title:
            continue
        if keep is None or is_windows(tab.title):
            return f'tab "{tab.title}" is Windows-only'
        how = "" if wanted else "; choose another with --tab"
        return f'tab "{tab.title}": the tab "{keep}" of the same set is used{how}'
    return None


def _note(snippet: Snippet) -> str:
    where = f"From {snippet.where}"
    if snippet.tabs:
        where += f', tab "{snippet.tab}"'
    if snippet.scenario:
        where += f" (the page renders it from scenario {snippet.scenario})"
    elif snippet.untested:
        where += f" (the page marks it untested: {snippet.untested})"
    return where + ":"


def _expected(line: str) -> str:
    if line.strip() in ELLIPSES:
        return "  ..."
    return f"  {escape_literal(line)}"


def placeholders(command: Command) -> list[str]:
    found: list[str] = []
    for line in command.lines:
        found += [m.group(0) for m in PLACEHOLDERS.finditer(line) if m.group(0) not in found]
    return found


def _step(command: Command, output: list[str] | None = None, prompted: bool = True) -> list[str]:
    """A command's lines: ``#resolve`` lines for its placeholders, the command, its expected output (``output``
    when the page shows it in a block of its own; for a command of a script without any, a line that
    --update-expected replaces with what it printed)."""
    first, *rest = command.lines
    out = [
        f"#resolve {word!r} in `{first}` is a placeholder: write a value a cell has (or make one in a #hidden step), "
        "then delete this line"
        for word in placeholders(command)
    ]
    out += [f"  $ {first}"] + [f"  > {line}" for line in rest]
    shown = command.output or output
    if shown:
        return out + [_expected(line) for line in shown]
    return out + ([] if prompted else [f"  {NOT_RECORDED}"])


def snippet_lines(snippet: Snippet) -> tuple[list[str], int]:
    """The scenario lines for one snippet (after its note), and how many commands they hold."""
    lines: list[str] = []
    commands: list[Command] = []
    if snippet.prompted:
        before, parsed = parse_session(snippet.text, snippet.language)
        if before:
            lines.append(f"Left out, before the first prompt: {' / '.join(b.strip() for b in before)}")
        # A prompt shown alone ("(venv) $", the prompt after deactivate) is no command.
        items: list[Command | str] = [c for c in parsed if c.lines != [""]]
    else:
        lines.append("No prompts: every line is a command; run once with --update-expected to record what each prints.")
        items = parse_script(snippet.text)
    commands = [item for item in items if isinstance(item, Command)]
    last = commands[-1] if commands else None
    page_output = None
    if last is not None and not last.output and snippet.output is not None:
        page_output = snippet.output.splitlines()
        lines.append(
            f"Expected output of `{last.lines[0]}`: the block at {snippet.path}:{snippet.output_line} "
            "(make the parts that vary patterns: ' (glob)', ' (re)', '...')."
        )
    for item in items:
        if isinstance(item, str):
            lines.append(f"Comment: {item}")
            continue
        if item.root:
            lines.append("Shown after a root prompt (#): run it as root, or with sudo.")
        lines += _step(item, page_output if item is last else None, snippet.prompted)
    return lines, len(commands)


def _header(title: str, matrix: Path | None) -> list[str]:
    platforms, requirements = " (globs of the matrix's platform names)", ""
    if matrix is not None:
        try:
            loaded = load_matrix(matrix)
        except (UserError, OSError):
            loaded = None
        if loaded is not None:
            where = display_path(matrix)
            platforms = f" ({where}: {', '.join(p.name for p in loaded.platforms)})"
            requirements = f" ({where}: {', '.join(r.name for r in loaded.requirements) or 'none defined'})"
    return [
        "+++",
        f"title = {json.dumps(title, ensure_ascii=False)}  # TODO: the page's title; say what the scenario proves",
        f"# TODO: the platforms it must pass on{platforms}",
        'platforms = ["*"]',
        f"# TODO: what its commands need{requirements}",
        "requires = []",
        "+++",
    ]


def skeleton(tree: DocTree, page: Path, tabs: Sequence[str] = ()) -> Skeleton:
    shown = display_path(page)
    docname = next((d for d, p in tree.pages.items() if p.path == shown), None)
    if docname is None:
        raise UserError(f"{shown}: not a page of the Sphinx project in {display_path(tree.srcdir)}")
    snippets = [s for s in tree.snippets if s.docname == docname]
    if not snippets:
        raise UserError(f"{shown}: no shell snippets on this page")
    chosen = choose_tabs(snippets, tabs)
    for tab in tabs:
        if tab.casefold() not in {t.casefold() for t in chosen.values() if t}:
            titles = sorted({t.title for s in snippets for t in s.tabs})
            known = ", ".join(repr(t) for t in titles) or "none"
            raise UserError(f"{shown}: no tab titled {tab!r} around a shell snippet (tabs: {known})")
    result = Skeleton(page=shown, text="")
    result.problems = [p for p in tree.problems if p.path == shown]
    body = [
        f"Made by `guideproof extract` from {shown}: its shell snippets in page order, run as one cell.",
        "To finish: complete the header, run it once with --update-expected, read the diff, keep it.",
    ]
    for problem in result.problems:
        body.append(f"Sphinx could not read {problem.where} (a snippet may be missing here): {problem.message}")
    for snippet in snippets:
        body.append("")
        reason = _why_left_out(snippet, chosen, tabs)
        if reason is not None:
            result.left_out.append((snippet, reason))
            body.append(f"Left out: {snippet.where}, {reason}.")
            continue
        lines, commands = snippet_lines(snippet)
        result.kept.append(snippet)
        result.commands += commands
        body += [_note(snippet), *lines]
    if not result.kept:
        reasons = "; ".join(f"{s.where}: {why}" for s, why in result.left_out)
        raise UserError(f"{shown}: nothing to extract, every snippet is left out ({reasons})")
    title = tree.pages[docname].title
    result.text = "\n".join([*_header(title, tree.matrix), *body]) + "\n"
    return result


def sphinx_srcdir(page: Path) -> Path:
    """The nearest directory above ``page`` that holds a ``conf.py``."""
    for parent in page.resolve().parents:
        if (parent / "conf.py").is_file():
            return parent
    raise UserError(f"{page}: no conf.py in any directory above it (give the docs directory with --docs)")


def extract(page: Path, *, docs: Path | None = None, tabs: Sequence[str] = ()) -> Skeleton:
    if not page.is_file():
        raise UserError(f"{display_path(page)}: no such page")
    srcdir = docs or sphinx_srcdir(page)
    return skeleton(find_snippets(srcdir, only=[page]), page, tabs)
