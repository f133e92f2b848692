"""A reStructuredText page whose own shell blocks are its scenario: snippets tested where they stand.

The page declares the header once, with a directive whose content is the scenario header's TOML::

    .. scenario-page::
       :tabs: Unix/macOS

       platforms = ["host"]
       requires = ["pypi"]

(``title`` defaults to the page's title.) Then every ``console``/``bash``/... block of the page is a step, in
page order: a prompted block's commands with the output shown after them (checked literally; a line of
``...`` leaves output out), a block without prompts one command per complete line, checked for its exit
status. Of a set of tabs only the blocks in a tab named by ``:tabs:`` run (without it, every tab that is not
about Windows); Windows shell blocks (``bat``, PowerShell) are not runnable and are left out.

What readers must not see lives in reStructuredText comments, which render as nothing::

    .. scenario: hidden

       $ python3 -m pip --version
       pip * (glob)

    .. scenario: output

    .. scenario: skip: needs a PyPI account

``hidden`` holds steps in the scenario format (commands, output with ``(glob)``/``(re)``, ``[N]``, ``#if``);
``output`` with lines under it is hidden expected output of the command before it (replacing the output the
page shows for it: readers keep the illustration, the run checks the patterns), without lines it makes
the next literal block (``text``, ``::``, ...) that command's expected output; ``skip: REASON`` leaves the
next shell block out, with the reason the coverage report shows.

This module turns the page into scenario text, with each line's page line kept, and parses that with the
scenario parser, so a page runs through the same engine, matcher and results as a scenario file.
"""

from __future__ import annotations

import re
import textwrap
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from guideproof.errors import FileError
from guideproof.matrix.model import Matrix
from guideproof.scenario.model import Branch, Item, Prose, Scenario, Step, Switch
from guideproof.scenario.parser import parse
from guideproof.scenario.transcript import is_prompted, parse_script, parse_session, prompt
from guideproof.scenario.write import escape_literal

MARKER = ".. scenario-page::"
PAGE_SUFFIXES = (".rst",)
SHELL_LANGUAGES = {"console", "shell", "bash", "sh", "shell-session", "shellsession", "zsh", "ksh"}
WINDOWS_LANGUAGES = {"bat", "batch", "dosbatch", "winbatch", "cmd", "doscon", "powershell", "pwsh", "posh", "ps1"}
_WINDOWS_TAB = re.compile(r"windows|powershell|cmd\.exe", re.IGNORECASE)
_TAB = re.compile(r"^(?P<indent>\s*)\.\. (?:tab|tab-item|group-tab)::\s*(?P<title>.*?)\s*$")
_CODE = re.compile(r"^(?P<indent>\s*)\.\. (?:code-block|code|sourcecode)::\s*(?P<lang>\S*)\s*$")
_HIGHLIGHT = re.compile(r"^\s*\.\. highlight::\s*(?P<lang>\S+)")
_COMMENT = re.compile(r"^(?P<indent>\s*)\.\. scenario:\s*(?P<word>[a-z-]+)\s*(?::\s*(?P<arg>.*?))?\s*$")
_HEADER = re.compile(r"^(?P<indent>)\.\. scenario-page::\s*$")  # at the page's top level only
_MARKED = re.compile(r"^\.\. scenario-page::", re.MULTILINE)  # (an example in a code block is no header)
_OPTION = re.compile(r"^\s*:(?P<name>[\w-]+):\s*(?P<value>.*?)\s*$")
_UNDERLINE = re.compile(r"^([=\-~^\"'`#*+<>:.])\1{2,}\s*$")
WORDS = ("hidden", "output", "skip")

Role = Literal["step", "output", "skipped"]


@dataclass(frozen=True)
class PageBlock:
    """A literal block of the page the scenario uses: run (``step``), used as expected output, or left out."""

    line: int  # the page line of its first content line
    text: str
    language: str
    role: Role
    reason: str = ""


@dataclass(frozen=True)
class PageScenario:
    scenario: Scenario
    blocks: tuple[PageBlock, ...]
    tabs: tuple[str, ...]


@dataclass
class _Step:
    lines: list[tuple[str, int]]  # scenario lines with their page lines
    hidden: bool = False
    output_from: str = ""  # "" none yet, "page" after the prompt, "block" an output block, "hidden" a comment
    commands: int = 1  # how many of ``lines`` are the command (the rest is expected output)


@dataclass
class _Block:
    line: int  # first content line
    end: int  # index after the block
    text_lines: list[tuple[str, int]]  # dedented content lines with page line numbers
    language: str
    tabs: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(text for text, _ in self.text_lines)


@dataclass
class _Comment:
    word: str
    arg: str
    body: list[tuple[str, int]]
    line: int


@dataclass
class _Reader:
    path: Path
    lines: list[str]
    header: list[tuple[str, int]] = field(default_factory=list)
    header_line: int = 0
    options: dict[str, str] = field(default_factory=dict)


def is_scenario_page(path: Path) -> bool:
    """An ``.rst`` page with a ``.. scenario-page::`` directive at its top level (read cheaply: a text search)."""
    if path.suffix not in PAGE_SUFFIXES or not path.is_file():
        return False
    try:
        return _MARKED.search(path.read_text(encoding="utf-8", errors="replace")) is not None
    except OSError:
        return False


def page_files(paths: Iterable[Path]) -> list[Path]:
    """The pages tested in place among ``paths`` and below the directories among them, each once, in order."""
    found: dict[Path, None] = {}
    for path in paths:
        if path.is_dir():
            for suffix in PAGE_SUFFIXES:
                found.update(dict.fromkeys(p for p in sorted(path.rglob(f"*{suffix}")) if is_scenario_page(p)))
        elif is_scenario_page(path):
            found[path] = None
    return list(found)


def sphinx_root(path: Path) -> Path:
    """The Sphinx source directory of a page: the nearest directory above it with a ``conf.py``."""
    for parent in path.resolve().parents:
        if (parent / "conf.py").is_file():
            return parent
    return path.resolve().parent


def page_name(path: Path, root: Path | None = None) -> str:
    """The scenario name of a page: its path below the Sphinx source directory, suffix kept (``install.rst``),
    so it can never be the name of a scenario file (``install`` is ``install.scenario``)."""
    root = root or sphinx_root(path)
    return path.resolve().relative_to(root.resolve()).as_posix()


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _body(lines: list[str], start: int, indent: int) -> tuple[list[tuple[str, int]], int]:
    """The indented body after line index ``start`` (more indented than ``indent``), dedented, with 1-based page
    lines; and the index after it. Leading and trailing blank lines are dropped."""
    index = start + 1
    taken: list[tuple[str, int]] = []
    while index < len(lines):
        line = lines[index]
        if line.strip() and _indent(line) <= indent:
            break
        taken.append((line, index + 1))
        index += 1
    while taken and not taken[-1][0].strip():
        taken.pop()
    while taken and not taken[0][0].strip():
        taken.pop(0)
    text = textwrap.dedent("\n".join(t for t, _ in taken)).split("\n") if taken else []
    return [(t.rstrip(), n) for t, (_, n) in zip(text, taken, strict=True)], index


def _options(body: list[tuple[str, int]]) -> tuple[dict[str, str], list[tuple[str, int]]]:
    """A directive's leading ``:name: value`` options, and the rest of its body."""
    options: dict[str, str] = {}
    index = 0
    while index < len(body) and (m := _OPTION.match(body[index][0])):
        options[m.group("name")] = m.group("value")
        index += 1
    rest = body[index:]
    while rest and not rest[0][0].strip():
        rest = rest[1:]
    return options, rest


def _title(lines: list[str]) -> str | None:
    for index in range(1, len(lines)):
        above = lines[index - 1]
        underlined = _UNDERLINE.match(lines[index]) and above.strip() and not _UNDERLINE.match(above)
        if underlined and len(lines[index].rstrip()) >= len(above.rstrip()):
            return above.strip()
    return None


class _Builder:
    """Page elements in order -> scenario lines, each with its page line."""

    def __init__(self, path: Path, tabs: tuple[str, ...]) -> None:
        self.path = path
        self.tabs = tabs
        self.steps: list[_Step] = []
        self.blocks: list[PageBlock] = []
        self.skip: str | None = None
        self.output_next: int | None = None  # line of an ``.. scenario: output`` awaiting its block

    def error(self, line: int, message: str) -> FileError:
        return FileError(self.path, line, message)

    def excluded_by_tab(self, tabs: tuple[str, ...]) -> str | None:
        for title in tabs:
            if self.tabs and title.casefold() not in {t.casefold() for t in self.tabs}:
                return f'tab "{title}" is not tested in place (:tabs: {", ".join(self.tabs)})'
            if not self.tabs and _WINDOWS_TAB.search(title):
                return f'tab "{title}" is about Windows'
        return None

    def last_step(self, line: int, what: str, replaces: tuple[str, ...] = ("",)) -> _Step:
        if not self.steps or self.steps[-1].hidden:
            raise self.error(line, f"{what}: there is no command before it on the page")
        step = self.steps[-1]
        if step.output_from not in replaces:
            raise self.error(line, f"{what}: the command before it already has its expected output")
        return step

    def literal(self, block: _Block) -> None:
        """Any literal block: expected output (after ``.. scenario: output``), a step, or nothing."""
        if self.output_next is not None:
            step = self.last_step(self.output_next, "scenario: output")
            step.lines += [(_expected(text), line) for text, line in block.text_lines]
            step.output_from = "block"
            self.output_next = None
            self.blocks.append(PageBlock(block.line, block.text, block.language, "output"))
            return
        if block.language not in SHELL_LANGUAGES:
            return
        reason = self.skip or self.excluded_by_tab(block.tabs)
        if reason is not None:
            self.skip = None
            self.blocks.append(PageBlock(block.line, block.text, block.language, "skipped", reason))
            return
        self.blocks.append(PageBlock(block.line, block.text, block.language, "step"))
        if is_prompted(block.text, block.language):
            self._session(block)
        else:
            self._script(block)

    def _session(self, block: _Block) -> None:
        before, commands = parse_session(block.text, block.language)
        numbered = [(t, n) for t, n in block.text_lines]
        cursor = 0
        for command in commands:
            while cursor < len(numbered) and prompt(numbered[cursor][0], block.language) is None:
                cursor += 1
            line = numbered[cursor][1] if cursor < len(numbered) else block.line
            cursor += 1
            first, *rest = command.lines
            if not first.strip() and not rest:
                continue  # a prompt shown alone ("(venv) $"): nothing to run
            lines = [(f"  $ {first}", line)] + [(f"  > {c}", line + i) for i, c in enumerate(rest, 1)]
            out_line = line + len(rest) + 1
            lines += [(_expected(o), out_line + i) for i, o in enumerate(command.output)]
            self.steps.append(_Step(lines, output_from="page" if command.output else "", commands=1 + len(rest)))

    def _script(self, block: _Block) -> None:
        numbered = block.text_lines
        cursor = 0
        for item in parse_script(block.text):
            if isinstance(item, str):
                continue
            first, *rest = item.lines
            while cursor < len(numbered) and numbered[cursor][0].strip() != first.strip():
                cursor += 1
            line = numbered[cursor][1] if cursor < len(numbered) else block.line
            lines = [(f"  $ {first}", line)] + [(f"  > {c}", line + i) for i, c in enumerate(rest, 1)]
            self.steps.append(_Step(lines, commands=1 + len(rest)))
            cursor += 1 + len(rest)

    def comment(self, word: str, arg: str, body: list[tuple[str, int]], line: int) -> None:
        if word == "skip":
            if not arg:
                raise self.error(line, "'.. scenario: skip: REASON' needs a reason (the coverage report shows it)")
            self.skip = arg
        elif word == "output" and body:
            # Hidden expected output; it replaces the output the page shows (an illustration: /home/user, a
            # version of the day) with what a run must print (patterns allowed), so readers keep the example.
            step = self.last_step(line, "scenario: output", replaces=("", "page", "block"))
            step.lines = step.lines[: step.commands] + [(f"  {text}" if text else "  ", n) for text, n in body]
            step.output_from = "hidden"
        elif word == "output":
            self.output_next = line
        elif word == "hidden":
            if not body:
                raise self.error(line, "'.. scenario: hidden' needs indented steps under it ($ command, output)")
            lines = [("#hidden", line)]
            for text, n in body:
                if text.startswith("#"):
                    lines.append((text, n))
                elif text.startswith(("$ ", "> ")) or text:
                    lines.append((f"  {text}", n))
                else:
                    lines.append(("", n))
            lines.append(("#endhidden", body[-1][1]))
            self.steps.append(_Step(lines, hidden=True))


def _expected(text: str) -> str:
    return "  ..." if text.strip() in ("...", "…") else f"  {escape_literal(text)}"


def _read(path: Path, text: str) -> tuple[_Reader, _Builder]:
    lines = text.split("\n")
    reader = _Reader(path, lines)
    elements: list[_Block | _Comment] = []
    tab_stack: list[tuple[int, str]] = []
    highlight = "default"
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.strip():
            while tab_stack and tab_stack[-1][0] >= _indent(line):
                tab_stack.pop()
        if m := _TAB.match(line):
            tab_stack.append((len(m.group("indent")), m.group("title")))
        elif m := _HEADER.match(line):
            if reader.header_line:
                raise FileError(path, index + 1, f"a second scenario-page directive (line {reader.header_line})")
            body, after = _body(lines, index, len(m.group("indent")))
            reader.options, reader.header = _options(body)
            reader.header_line = index + 1
            index = after
            continue
        elif m := _HIGHLIGHT.match(line):
            highlight = m.group("lang")
        elif m := _CODE.match(line):
            body, after = _body(lines, index, len(m.group("indent")))
            _, content = _options(body)
            tabs = tuple(t for _, t in tab_stack)
            if content:
                language = (m.group("lang") or highlight).lower()
                elements.append(_Block(content[0][1], after, content, language, tabs))
            index = after
            continue
        elif m := _COMMENT.match(line):
            if m.group("word") not in WORDS:
                known = ", ".join(WORDS)
                raise FileError(path, index + 1, f"unknown '.. scenario: {m.group('word')}' (known: {known})")
            body, after = _body(lines, index, len(m.group("indent")))
            elements.append(_Comment(m.group("word"), m.group("arg") or "", body, index + 1))
            index = after
            continue
        elif line.rstrip().endswith("::") and not line.lstrip().startswith(".."):
            body, after = _body(lines, index, _indent(line))
            if body:
                tabs = tuple(t for _, t in tab_stack)
                elements.append(_Block(body[0][1], after, body, highlight.lower(), tabs))
            index = after
            continue
        index += 1
    if not reader.header_line:
        raise FileError(path, None, f"no '{MARKER}' directive: this page is not tested in place")
    tabs = tuple(t.strip() for t in reader.options.get("tabs", "").split(",") if t.strip())
    unknown = set(reader.options) - {"tabs"}
    if unknown:
        raise FileError(
            path, reader.header_line, f"unknown option :{sorted(unknown)[0]}: of scenario-page (known: tabs)"
        )
    builder = _Builder(path, tabs)
    for element in elements:
        if isinstance(element, _Block):
            builder.literal(element)
        else:
            builder.comment(element.word, element.arg, element.body, element.line)
    if builder.output_next is not None:
        raise FileError(path, builder.output_next, "'.. scenario: output' with no literal block after it")
    if builder.skip is not None:
        raise FileError(path, None, f"'.. scenario: skip: {builder.skip}' with no shell block after it")
    return reader, builder


def translate(path: Path, text: str) -> tuple[str, list[int], tuple[PageBlock, ...], tuple[str, ...]]:
    """The page as scenario text, the page line of each of its lines, the blocks used, and the tabs run."""
    reader, builder = _read(path, text)
    out: list[tuple[str, int]] = [("+++", reader.header_line)]
    header_text = "\n".join(t for t, _ in reader.header)
    try:
        data = tomllib.loads(header_text)
    except tomllib.TOMLDecodeError:
        data = {}  # the scenario parser says where
    if "title" not in data:
        title = _title(reader.lines) or path.stem
        out.append((f"title = {_toml_string(title)}", reader.header_line))
    out += reader.header
    out.append(("+++", reader.header_line))
    for step in builder.steps:
        out += step.lines
        out.append(("", step.lines[-1][1]))
    if not builder.steps:
        raise FileError(path, reader.header_line, "the page has no shell block to test in place")
    return "\n".join(t for t, _ in out) + "\n", [n for _, n in out], tuple(builder.blocks), builder.tabs


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def load_page(path: Path, matrix: Matrix, name: str | None = None) -> PageScenario:
    """Read the page at ``path`` as a scenario named ``name`` (default :func:`page_name`); lines are the page's."""
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FileError(path, None, f"not UTF-8 text: {exc}") from None
    except OSError as exc:
        raise FileError(path, None, f"cannot be read ({exc.strerror or exc})") from None
    scenario_text, origin, blocks, tabs = translate(path, text)

    def line(n: int) -> int:
        return origin[n - 1] if 0 < n <= len(origin) else n

    try:
        scenario = parse(scenario_text, path, name or page_name(path), matrix)
    except FileError as exc:
        raise FileError(path, line(exc.line) if exc.line else None, exc.message) from None
    return PageScenario(_renumber(scenario, line), blocks, tabs)


def _renumber(scenario: Scenario, to: Callable[[int], int]) -> Scenario:
    """Every line number of ``scenario`` mapped by ``to`` (scenario-text line -> page line)."""

    def step(s: Step) -> Step:
        return replace(
            s,
            line=to(s.line),
            end_line=to(s.end_line),
            status_line=to(s.status_line) if s.status_line else None,
            output=tuple(replace(e, line=to(e.line)) for e in s.output),
        )

    def inner(i: Step | Prose) -> Step | Prose:
        return step(i) if isinstance(i, Step) else replace(i, line=to(i.line))

    def item(i: Item) -> Item:
        if isinstance(i, Switch):
            branches = tuple(Branch(b.condition, to(b.line), tuple(inner(x) for x in b.items)) for b in i.branches)
            return Switch(branches, to(i.line))
        return inner(i)

    xfails = tuple(replace(x, line=to(x.line)) for x in scenario.xfails)
    return replace(scenario, items=tuple(item(i) for i in scenario.items), xfails=xfails)


__all__ = ["page_files", "PageBlock", "PageScenario", "is_scenario_page", "load_page", "page_name", "translate"]
