"""The parsed form of a scenario file. Plain data: no I/O, no engine knowledge."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Literal

from guideproof.matrix.where import Where
from guideproof.scenario import escapes

ExpectedKind = Literal["literal", "esc", "re", "glob", "ellipsis"]


@dataclass(frozen=True)
class Expected:
    """One expected output line. ``text`` is the line without its markers: the literal text, the escaped text
    of an ``(esc)`` line, the pattern of a ``(re)``/``(glob)`` line. ``no_eol``: marked ``(no-eol)``, the line
    ends the output without a newline."""

    kind: ExpectedKind
    text: str
    line: int
    no_eol: bool = False

    @property
    def source(self) -> str:
        """The line as written in the file (without its two-space indent)."""
        if self.kind == "ellipsis":
            written = "..."
        elif self.kind == "literal":
            written = self.text
        else:
            written = f"{self.text} ({self.kind})"
        return written + escapes.NO_EOL if self.no_eol else written

    @cached_property
    def data(self) -> bytes:
        """The bytes a literal or ``(esc)`` line stands for."""
        if self.kind == "esc":
            return escapes.decode(self.text)
        return self.text.encode("utf-8", "surrogateescape")

    @property
    def shown(self) -> str:
        """The line as a reader sees it in a terminal (the docs show this)."""
        if self.kind == "ellipsis":
            return "..."
        if self.kind == "esc":
            return escapes.terminal_view(self.data)
        return self.text


@dataclass(frozen=True)
class Step:
    """A command with its expected output and exit status."""

    command: str  # continuation lines joined with "\n"
    line: int  # line of the ``$`` prompt
    end_line: int  # last line belonging to this step (command or expected output)
    output: tuple[Expected, ...] = ()
    status: int = 0
    status_line: int | None = None
    hidden: bool = False
    part: str | None = None
    no_output: bool = False  # ``(no output)``: the command must print nothing
    setup: str | None = None  # ``#setup REASON`` before it: only prepares later steps (mutation runs leave it alone)

    @property
    def output_checked(self) -> bool:
        """Is the output compared? A step without expected lines is checked for its exit status only."""
        return bool(self.output) or self.no_output

    @property
    def command_lines(self) -> list[str]:
        return self.command.split("\n")


@dataclass(frozen=True)
class Prose:
    text: str
    line: int
    part: str | None = None


@dataclass(frozen=True)
class Branch:
    """One ``#if``/``#elif``/``#else`` branch; the ``#else`` branch's condition is empty (matches every cell)."""

    condition: Where
    line: int
    items: tuple[Step | Prose, ...]


@dataclass(frozen=True)
class Switch:
    """An ``#if``/``#elif``/``#else``/``#endif`` block: the first branch that matches a cell runs."""

    branches: tuple[Branch, ...]
    line: int

    def select(self, values: Mapping[str, str]) -> Branch | None:
        for branch in self.branches:
            if branch.condition.matches(values):
                return branch
        return None


Item = Step | Prose | Switch


@dataclass(frozen=True)
class XFail:
    """A known failure declared in the header: the cells matching ``when`` are expected to fail."""

    when: Where
    reason: str
    link: str | None
    line: int


@dataclass(frozen=True)
class Scenario:
    """A parsed scenario file: its header and its body's items (steps, prose, switches) in file order."""

    path: Path
    name: str  # "tier1/venv-basics": see guideproof.scenario.names
    title: str
    axes: tuple[str, ...]
    platforms: tuple[str, ...]
    requires: tuple[str, ...]
    timeout: float
    xfails: tuple[XFail, ...]
    items: tuple[Item, ...]
    files: Path | None = None  # NAME.files/ beside NAME.scenario: copied into the cell's work directory

    def steps_for(self, values: Mapping[str, str]) -> list[Step]:
        """The steps a cell with these axis values runs, in file order."""
        steps: list[Step] = []
        for item in self.items:
            if isinstance(item, Step):
                steps.append(item)
            elif isinstance(item, Switch):
                branch = item.select(values)
                if branch is not None:
                    steps.extend(i for i in branch.items if isinstance(i, Step))
        return steps

    def xfail_for(self, values: Mapping[str, str]) -> XFail | None:
        """The first ``[[xfail]]`` whose ``when`` the cell with these values matches."""
        return next((x for x in self.xfails if x.when.matches(values)), None)

    def all_steps(self) -> list[Step]:
        steps: list[Step] = []
        for item in self.items:
            if isinstance(item, Step):
                steps.append(item)
            elif isinstance(item, Switch):
                for branch in item.branches:
                    steps.extend(i for i in branch.items if isinstance(i, Step))
        return steps

    @property
    def parts(self) -> list[str]:
        seen: list[str] = []
        for step in self.all_steps():
            if step.part and step.part not in seen:
                seen.append(step.part)
        return seen
