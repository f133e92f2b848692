"""The parsed form of a scenario file. Plain data: no I/O, no engine knowledge."""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Literal

ExpectedKind = Literal["literal", "re", "glob", "ellipsis"]


@dataclass(frozen=True)
class Expected:
    """One expected output line. ``text`` has the ``(re)``/``(glob)`` marker removed."""

    kind: ExpectedKind
    text: str
    line: int

    @property
    def source(self) -> str:
        """The line as written in the file (without its two-space indent)."""
        if self.kind == "ellipsis":
            return "..."
        if self.kind == "literal":
            return self.text
        return f"{self.text} ({self.kind})"

    @property
    def shown(self) -> str:
        """The line as a reader should see it in the docs."""
        return "..." if self.kind == "ellipsis" else self.text


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

    @property
    def output_checked(self) -> bool:
        return bool(self.output)

    @property
    def command_lines(self) -> list[str]:
        return self.command.split("\n")


@dataclass(frozen=True)
class Prose:
    text: str
    line: int
    part: str | None = None


Condition = tuple[tuple[str, tuple[str, ...]], ...]  # ((axis, (glob, ...)), ...); empty = #else


def condition_matches(condition: Condition, values: dict[str, str]) -> bool:
    return all(any(fnmatchcase(values[axis], g) for g in globs) for axis, globs in condition)


@dataclass(frozen=True)
class Branch:
    condition: Condition
    line: int
    items: tuple[Step | Prose, ...]

    @property
    def label_axes(self) -> tuple[str, ...]:
        return tuple(axis for axis, _ in self.condition)


@dataclass(frozen=True)
class Switch:
    """An ``#if``/``#elif``/``#else``/``#endif`` block: the first branch that matches a cell runs."""

    branches: tuple[Branch, ...]
    line: int

    def select(self, values: dict[str, str]) -> Branch | None:
        for branch in self.branches:
            if condition_matches(branch.condition, values):
                return branch
        return None


Item = Step | Prose | Switch


@dataclass(frozen=True)
class XFail:
    when: dict[str, str]
    reason: str
    link: str | None
    line: int

    def matches(self, values: dict[str, str]) -> bool:
        return all(fnmatchcase(values.get(axis, ""), glob) for axis, glob in self.when.items())


@dataclass(frozen=True)
class Scenario:
    path: Path
    name: str  # path relative to the scenarios dir, without ".scenario"
    title: str
    axes: tuple[str, ...]
    platforms: tuple[str, ...]
    requires: tuple[str, ...]
    timeout: float
    xfails: tuple[XFail, ...]
    items: tuple[Item, ...]
    header_lines: dict[str, int] = field(default_factory=dict)

    def steps_for(self, values: dict[str, str]) -> list[Step]:
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
