"""Turn a scenario file's tokens into a :class:`Scenario`. Every error names ``file:line``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path

from guideproof.errors import ScenarioError
from guideproof.matrix.model import Matrix
from guideproof.scenario.header import parse_header, split_header
from guideproof.scenario.lexer import Token, tokenize
from guideproof.scenario.model import Branch, Condition, Expected, Item, Prose, Scenario, Step, Switch

_PART = re.compile(r"[A-Za-z0-9_.-]+")


@dataclass
class _StepBuilder:
    lines: list[str]
    line: int
    end_line: int
    hidden: bool
    part: str | None
    output: list[Expected] = field(default_factory=list)
    status: int = 0
    status_line: int | None = None

    def build(self) -> Step:
        return Step(
            command="\n".join(self.lines),
            line=self.line,
            end_line=self.end_line,
            output=tuple(self.output),
            status=self.status,
            status_line=self.status_line,
            hidden=self.hidden,
            part=self.part,
        )


@dataclass
class _OpenSwitch:
    line: int
    branches: list[Branch] = field(default_factory=list)
    condition: Condition = ()
    branch_line: int = 0
    items: list[Step | Prose] = field(default_factory=list)
    saw_else: bool = False
    hidden_at_open: bool = False


class _Parser:
    def __init__(self, path: Path, matrix: Matrix, axes: tuple[str, ...]) -> None:
        self.path = path
        self.matrix = matrix
        self.axes = axes
        self.items: list[Item] = []
        self.step: _StepBuilder | None = None
        self.switch: _OpenSwitch | None = None
        self.hidden_line: int | None = None
        self.part: str | None = None
        self.parts_seen: set[str] = set()
        self.ended_at: int | None = None  # line of the blank/prose that closed the last step

    def error(self, line: int, message: str) -> ScenarioError:
        return ScenarioError(self.path, line, message)

    def add(self, item: Step | Prose) -> None:
        if self.switch is not None:
            self.switch.items.append(item)
        else:
            self.items.append(item)

    def close_step(self) -> None:
        if self.step is not None:
            self.add(self.step.build())
            self.step = None

    def feed(self, tok: Token) -> None:
        handler = getattr(self, f"on_{tok.kind}")
        handler(tok)

    def on_command(self, tok: Token) -> None:
        self.close_step()
        if not tok.text.strip():
            raise self.error(tok.line, "empty command after '$ '")
        self.step = _StepBuilder([tok.text], tok.line, tok.line, self.hidden_line is not None, self.part)

    def on_continuation(self, tok: Token) -> None:
        if self.step is None or self.step.output or self.step.status_line:
            raise self.error(tok.line, "a '>' continuation line must directly follow a '$' command line")
        self.step.lines.append(tok.text)
        self.step.end_line = tok.line

    def _need_step(self, tok: Token) -> _StepBuilder:
        if self.step is None:
            where = f" (a blank or prose line at line {self.ended_at} ended the last command)" if self.ended_at else ""
            raise self.error(tok.line, f"expected output before any command{where}")
        if self.step.status_line is not None:
            raise self.error(tok.line, f"output after the exit status line [{self.step.status}]; put [N] last")
        self.step.end_line = tok.line
        return self.step

    def on_output(self, tok: Token) -> None:
        step = self._need_step(tok)
        text = tok.text
        for kind in ("re", "glob"):
            suffix = f" ({kind})"
            if text.endswith(suffix):
                pattern = text[: -len(suffix)]
                if kind == "re":
                    try:
                        re.compile(pattern)
                    except re.error as exc:
                        raise self.error(tok.line, f"invalid regular expression: {exc}") from None
                step.output.append(Expected(kind, pattern, tok.line))
                return
        step.output.append(Expected("literal", text, tok.line))

    def on_ellipsis(self, tok: Token) -> None:
        self._need_step(tok).output.append(Expected("ellipsis", "", tok.line))

    def on_status(self, tok: Token) -> None:
        step = self._need_step(tok)
        step.status = int(tok.text)
        step.status_line = tok.line
        if step.status > 255:
            raise self.error(tok.line, "an exit status is between 0 and 255")

    def on_blank(self, tok: Token) -> None:
        if self.step is not None:
            self.ended_at = tok.line
        self.close_step()

    def on_prose(self, tok: Token) -> None:
        if self.step is not None:
            self.ended_at = tok.line
        self.close_step()
        self.add(Prose(tok.text, tok.line, self.part))

    def on_directive(self, tok: Token) -> None:
        self.close_step()
        getattr(self, f"directive_{tok.name}")(tok)

    def condition(self, tok: Token) -> Condition:
        if not tok.text:
            raise self.error(tok.line, f"#{tok.name} needs a condition such as 'env=venv,venv-copies'")
        terms = []
        for term in tok.text.split():
            axis, eq, globs = term.partition("=")
            if not eq or not globs:
                raise self.error(tok.line, f"condition {term!r} is not of the form AXIS=VALUE[,VALUE...]")
            if axis != "platform" and axis not in self.axes:
                allowed = ", ".join(["platform", *self.axes])
                raise self.error(
                    tok.line, f"#{tok.name} on axis {axis!r}, which this scenario does not use ({allowed})"
                )
            values = self.matrix.axis(axis).names
            for glob in globs.split(","):
                if not any(fnmatchcase(v, glob) for v in values):
                    raise self.error(
                        tok.line, f"{glob!r} matches no value of axis {axis!r} (values: {', '.join(values)})"
                    )
            terms.append((axis, tuple(globs.split(","))))
        return tuple(terms)

    def _close_branch(self, tok: Token) -> _OpenSwitch:
        switch = self.switch
        if switch is None:
            raise self.error(tok.line, f"#{tok.name} without #if")
        if (self.hidden_line is not None) != switch.hidden_at_open:
            raise self.error(tok.line, f"close the #hidden block (line {self.hidden_line}) before #{tok.name}")
        switch.branches.append(Branch(switch.condition, switch.branch_line, tuple(switch.items)))
        switch.items = []
        return switch

    def directive_if(self, tok: Token) -> None:
        if self.switch is not None:
            raise self.error(tok.line, f"nested #if (the #if at line {self.switch.line} is still open)")
        self.switch = _OpenSwitch(
            tok.line, condition=self.condition(tok), branch_line=tok.line, hidden_at_open=self.hidden_line is not None
        )

    def directive_elif(self, tok: Token) -> None:
        switch = self._close_branch(tok)
        if switch.saw_else:
            raise self.error(tok.line, "#elif after #else")
        switch.condition, switch.branch_line = self.condition(tok), tok.line

    def directive_else(self, tok: Token) -> None:
        if tok.text:
            raise self.error(tok.line, "#else takes no condition (use #elif)")
        switch = self._close_branch(tok)
        if switch.saw_else:
            raise self.error(tok.line, "a second #else")
        switch.condition, switch.branch_line, switch.saw_else = (), tok.line, True

    def directive_endif(self, tok: Token) -> None:
        switch = self._close_branch(tok)
        self.switch = None
        self.items.append(Switch(tuple(switch.branches), switch.line))

    def directive_hidden(self, tok: Token) -> None:
        if self.hidden_line is not None:
            raise self.error(tok.line, f"#hidden inside #hidden (opened at line {self.hidden_line})")
        self.hidden_line = tok.line

    def directive_endhidden(self, tok: Token) -> None:
        if self.hidden_line is None:
            raise self.error(tok.line, "#endhidden without #hidden")
        self.hidden_line = None

    def directive_part(self, tok: Token) -> None:
        if self.switch is not None:
            raise self.error(tok.line, "#part cannot stand inside #if; start the part before the #if")
        if not _PART.fullmatch(tok.text):
            raise self.error(tok.line, "#part needs a name of letters, digits, '-', '_' or '.'")
        if tok.text in self.parts_seen:
            raise self.error(tok.line, f"part {tok.text!r} is defined twice")
        self.parts_seen.add(tok.text)
        self.part = tok.text

    def finish(self, last_line: int) -> list[Item]:
        self.close_step()
        if self.switch is not None:
            raise self.error(self.switch.line, "#if is never closed with #endif")
        if self.hidden_line is not None:
            raise self.error(self.hidden_line, "#hidden is never closed with #endhidden")
        return self.items


def parse(text: str, path: Path, name: str, matrix: Matrix) -> Scenario:
    lines = text.splitlines()
    header_lines, body_start = split_header(path, lines)
    header = parse_header(path, header_lines, matrix)
    parser = _Parser(path, matrix, header.axes)
    for token in tokenize(lines[body_start - 1 :], body_start, str(path)):
        parser.feed(token)
    items = parser.finish(len(lines))
    scenario = Scenario(
        path=path,
        name=name,
        title=header.title,
        axes=header.axes,
        platforms=header.platforms,
        requires=header.requires,
        timeout=header.timeout,
        xfails=header.xfails,
        items=tuple(items),
        header_lines=header.key_lines,
    )
    if not scenario.all_steps():
        raise ScenarioError(path, body_start, "the scenario has no commands (lines starting with '  $ ')")
    return scenario


def load(path: Path, root: Path, matrix: Matrix) -> Scenario:
    """Read and parse ``path``; ``name`` is its path below ``root`` without the suffix."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(path, None, f"not UTF-8 text: {exc}") from None
    name = path.relative_to(root).with_suffix("").as_posix() if path.is_relative_to(root) else path.stem
    return parse(text, path, name, matrix)
