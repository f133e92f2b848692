"""Turn a scenario file's classified lines into a :class:`Scenario`. Every error names ``file:line``.

The body is read as a stream of tokens (:mod:`guideproof.scenario.lines`) by a small state machine cut in
two: :class:`_Steps` assembles one command at a time (``$``, ``>``, expected output, ``[N]``), and
:class:`_Blocks` tracks the directives around it (``#if``/``#elif``/``#else``/``#endif``, ``#hidden``,
``#part``) and where each finished step or prose line goes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from guideproof.errors import FileError
from guideproof.matrix.model import PLATFORM, Matrix
from guideproof.matrix.where import Where
from guideproof.scenario.escapes import NO_EOL, EscapeError, decode
from guideproof.scenario.header import read_header
from guideproof.scenario.lines import Token, tokenize
from guideproof.scenario.model import Branch, Expected, ExpectedKind, Item, Prose, Scenario, Step, Switch
from guideproof.scenario.names import scenario_name

_PART = re.compile(r"[A-Za-z0-9_.-]+")
FILES_SUFFIX = ".files"  # NAME.files/ beside NAME.scenario holds files copied into the cell
_MARKED: tuple[ExpectedKind, ...] = ("esc", "re", "glob")  # output lines ending in " (esc)", " (re)", " (glob)"


def expected_line(path: Path, tok: Token) -> Expected:
    """An expected output line: a literal, an ``(esc)`` line, or a pattern marked ``(re)``/``(glob)``; any of
    them may end in ``(no-eol)``. A ``(re)`` that does not compile is no error: the line then matches only
    itself, literally (as every marked line does first)."""
    text, no_eol = tok.text, tok.text.endswith(NO_EOL)
    if no_eol:
        text = text[: -len(NO_EOL)]
        if text == "...":
            raise FileError(path, tok.line, "'...' takes no (no-eol): mark the line that ends the output")
    for kind in _MARKED:
        suffix = f" ({kind})"
        if text.endswith(suffix):
            body = text[: -len(suffix)]
            if kind == "esc":
                try:
                    decode(body)
                except EscapeError as exc:
                    raise FileError(path, tok.line, f"in an (esc) line: {exc}") from None
            return Expected(kind, body, tok.line, no_eol)
    return Expected("literal", text, tok.line, no_eol)


def condition(path: Path, tok: Token, matrix: Matrix, axes: tuple[str, ...]) -> Where:
    """``#if env=venv,venv-copies platform=debian-*``: each axis must be the scenario's, each glob match a value."""
    if not tok.text:
        raise FileError(path, tok.line, f"#{tok.name} needs a condition such as 'env=venv,venv-copies'")
    terms = []
    for term in tok.text.split():
        axis, eq, globs = term.partition("=")
        if not eq or not globs:
            raise FileError(path, tok.line, f"condition {term!r} is not of the form AXIS=VALUE[,VALUE...]")
        if axis != PLATFORM and axis not in axes:
            allowed = ", ".join([PLATFORM, *axes])
            raise FileError(
                path, tok.line, f"#{tok.name} on axis {axis!r}, which this scenario does not use ({allowed})"
            )
        glob = matrix.unmatched(axis, globs.split(","))
        if glob is not None:
            values = ", ".join(matrix.axis(axis).names)
            raise FileError(path, tok.line, f"{glob!r} matches no value of axis {axis!r} (values: {values})")
        terms.append((axis, tuple(globs.split(","))))
    return Where(tuple(terms))


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
    no_output: bool = False
    setup: str | None = None

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
            no_output=self.no_output,
            setup=self.setup,
        )


@dataclass
class _OpenSwitch:
    line: int
    hidden_at_open: bool
    condition: Where
    branch_line: int
    branches: list[Branch] = field(default_factory=list)
    items: list[Step | Prose] = field(default_factory=list)
    saw_else: bool = False


class _Blocks:
    """The directives: which switch, ``#hidden`` block and part the next item belongs to."""

    def __init__(self, path: Path, matrix: Matrix, axes: tuple[str, ...]) -> None:
        self.path = path
        self.matrix = matrix
        self.axes = axes
        self.items: list[Item] = []
        self.switch: _OpenSwitch | None = None
        self.hidden_line: int | None = None  # where the open #hidden block started
        self.part: str | None = None
        self.parts_seen: set[str] = set()

    def error(self, line: int, message: str) -> FileError:
        return FileError(self.path, line, message)

    @property
    def hidden(self) -> bool:
        return self.hidden_line is not None

    def add(self, item: Step | Prose) -> None:
        if self.switch is not None:
            self.switch.items.append(item)
        else:
            self.items.append(item)

    def directive(self, tok: Token) -> None:
        getattr(self, f"on_{tok.name}")(tok)

    def _close_branch(self, tok: Token) -> _OpenSwitch:
        switch = self.switch
        if switch is None:
            raise self.error(tok.line, f"#{tok.name} without #if")
        if self.hidden != switch.hidden_at_open:
            if self.hidden_line is None:  # closed inside the #if, opened before it
                raise self.error(
                    tok.line,
                    f"a #hidden block opened before the #if at line {switch.line} was closed inside it:"
                    f" put #endhidden after #endif, or open #hidden inside the branch",
                )
            raise self.error(tok.line, f"close the #hidden block (line {self.hidden_line}) before #{tok.name}")
        switch.branches.append(Branch(switch.condition, switch.branch_line, tuple(switch.items)))
        switch.items = []
        return switch

    def on_if(self, tok: Token) -> None:
        if self.switch is not None:
            raise self.error(tok.line, f"nested #if (the #if at line {self.switch.line} is still open)")
        where = condition(self.path, tok, self.matrix, self.axes)
        self.switch = _OpenSwitch(tok.line, self.hidden, where, tok.line)

    def on_elif(self, tok: Token) -> None:
        switch = self._close_branch(tok)
        if switch.saw_else:
            raise self.error(tok.line, "#elif after #else")
        switch.condition, switch.branch_line = condition(self.path, tok, self.matrix, self.axes), tok.line

    def on_else(self, tok: Token) -> None:
        if tok.text:
            raise self.error(tok.line, "#else takes no condition (use #elif)")
        switch = self._close_branch(tok)
        if switch.saw_else:
            raise self.error(tok.line, "a second #else")
        switch.condition, switch.branch_line, switch.saw_else = Where(), tok.line, True

    def on_endif(self, tok: Token) -> None:
        switch = self._close_branch(tok)
        self.switch = None
        self.items.append(Switch(tuple(switch.branches), switch.line))

    def on_hidden(self, tok: Token) -> None:
        if self.hidden_line is not None:
            raise self.error(tok.line, f"#hidden inside #hidden (opened at line {self.hidden_line})")
        self.hidden_line = tok.line

    def on_endhidden(self, tok: Token) -> None:
        if self.hidden_line is None:
            raise self.error(tok.line, "#endhidden without #hidden")
        self.hidden_line = None

    def on_part(self, tok: Token) -> None:
        if self.switch is not None:
            raise self.error(tok.line, "#part cannot stand inside #if; start the part before the #if")
        if not _PART.fullmatch(tok.text):
            raise self.error(tok.line, "#part needs a name of letters, digits, '-', '_' or '.'")
        if tok.text in self.parts_seen:
            raise self.error(tok.line, f"part {tok.text!r} is defined twice")
        self.parts_seen.add(tok.text)
        self.part = tok.text

    def finish(self) -> list[Item]:
        if self.switch is not None:
            raise self.error(self.switch.line, "#if is never closed with #endif")
        if self.hidden_line is not None:
            raise self.error(self.hidden_line, "#hidden is never closed with #endhidden")
        return self.items


class _Steps:
    """The command being assembled, and the token handlers that feed it; finished steps go to the blocks."""

    def __init__(self, path: Path, blocks: _Blocks) -> None:
        self.path = path
        self.blocks = blocks
        self.step: _StepBuilder | None = None
        self.ended_at: int | None = None  # line of the blank/prose that closed the last step
        self.setup: Token | None = None  # a #setup waiting for the command it marks

    def _no_setup_pending(self, tok: Token) -> None:
        if self.setup is not None:
            raise self.error(
                self.setup.line, f"#setup marks the command on the next line, but line {tok.line} is not a command"
            )

    def error(self, line: int, message: str) -> FileError:
        return FileError(self.path, line, message)

    def feed(self, tok: Token) -> None:
        if tok.kind != "command":
            self._no_setup_pending(tok)
        getattr(self, f"on_{tok.kind}")(tok)

    def close(self) -> None:
        if self.step is not None:
            self.blocks.add(self.step.build())
            self.step = None

    def on_command(self, tok: Token) -> None:
        self.close()
        if not tok.text.strip():
            raise self.error(tok.line, "empty command after '$ '")
        self.step = _StepBuilder([tok.text], tok.line, tok.line, self.blocks.hidden, self.blocks.part)
        if self.setup is not None:
            self.step.setup, self.setup = self.setup.text, None

    def on_continuation(self, tok: Token) -> None:
        if self.step is None or self.step.output or self.step.status_line or self.step.no_output:
            hint = ""
            if self.step is not None and self.step.output and self.step.output[-1].source == ">":
                bare = self.step.output[-1].line
                hint = (
                    f"; line {bare} is '  >' alone, an output line: an empty continuation line is '  > ' with a space"
                    " (an editor may have stripped it)"
                )
            raise self.error(tok.line, f"a '>' continuation line must directly follow a '$' command line{hint}")
        self.step.lines.append(tok.text)
        self.step.end_line = tok.line

    def _open_step(self, tok: Token, status: bool = False) -> _StepBuilder:
        """The step an output (or, ``status``, an exit status) line belongs to."""
        if self.step is None:
            where = f" (a blank or prose line at line {self.ended_at} ended the last command)" if self.ended_at else ""
            if tok.text[:1] in ("$", ">") and tok.text[1:2] in ("\t", "\u00a0"):
                what = "a tab" if tok.text[1] == "\t" else "a no-break space"
                raise self.error(
                    tok.line, f"{what} after '{tok.text[0]}': a command line is '  {tok.text[0]} ' with a space"
                )
            raise self.error(tok.line, f"expected output before any command{where}")
        if self.step.status_line is not None:
            raise self.error(tok.line, f"output after the exit status line [{self.step.status}]; put [N] last")
        if self.step.no_output and not status:
            raise self.error(tok.line, "(no output) says the command prints nothing: it is the only expected line")
        if self.step.output and self.step.output[-1].no_eol and not status:
            last = self.step.output[-1].line
            raise self.error(tok.line, f"output after line {last}, which ends the output (no-eol)")
        self.step.end_line = tok.line
        return self.step

    def on_output(self, tok: Token) -> None:
        self._open_step(tok).output.append(expected_line(self.path, tok))

    def on_no_output(self, tok: Token) -> None:
        step = self._open_step(tok)
        if step.output:
            raise self.error(tok.line, "(no output) says the command prints nothing: it is the only expected line")
        step.no_output = True

    def on_ellipsis(self, tok: Token) -> None:
        self._open_step(tok).output.append(Expected("ellipsis", "", tok.line))

    def on_status(self, tok: Token) -> None:
        step = self._open_step(tok, status=True)
        step.status = int(tok.text)
        step.status_line = tok.line
        if step.status > 255:
            raise self.error(tok.line, "an exit status is between 0 and 255")

    def on_blank(self, tok: Token) -> None:
        if self.step is not None:
            self.ended_at = tok.line
        self.close()

    def on_prose(self, tok: Token) -> None:
        if self.step is not None:
            self.ended_at = tok.line
        self.close()
        self.blocks.add(Prose(tok.text, tok.line, self.blocks.part))

    def on_directive(self, tok: Token) -> None:
        self.close()
        if tok.name == "setup":
            if not tok.text:
                raise self.error(tok.line, "#setup needs its reason: '#setup REASON' (why the step checks nothing)")
            self.setup = tok
            return
        self.blocks.directive(tok)


def parse(text: str, path: Path, name: str, matrix: Matrix) -> Scenario:
    """Parse a scenario file's ``text``: the header is checked against ``matrix``, the body tokenised and built."""
    lines = split_lines(text, path)
    header, body_start = read_header(path, lines, matrix)
    blocks = _Blocks(path, matrix, header.axes)
    steps = _Steps(path, blocks)
    for token in tokenize(lines[body_start - 1 :], body_start, str(path)):
        steps.feed(token)
    steps.close()
    if steps.setup is not None:
        raise FileError(path, steps.setup.line, "#setup marks the command on the next line, but none follows")
    scenario = Scenario(
        path=path,
        name=name,
        title=header.title,
        axes=header.axes,
        platforms=header.platforms,
        requires=header.requires,
        timeout=header.timeout,
        xfails=header.xfails,
        items=tuple(blocks.finish()),
    )
    if not scenario.all_steps():
        raise FileError(path, body_start, "the scenario has no commands (lines starting with '  $ ')")
    return scenario


def split_lines(text: str, path: Path) -> list[str]:
    """The file's lines: split at ``\\n`` and nothing else. A Windows line end is refused with the fix."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the newline that ends the last line
    for number, line in enumerate(lines, 1):
        if line.endswith("\r"):
            raise FileError(
                path,
                number,
                "the line ends in \\r\\n (a Windows line end): save the file with \\n line ends; a carriage"
                " return in the output is written \\r in an (esc) line",
            )
    return lines


def load(path: Path, root: Path, matrix: Matrix) -> Scenario:
    """Read and parse ``path``; its name is :func:`scenario_name` below ``root``."""
    try:
        text = path.read_bytes().decode("utf-8")  # bytes: text mode would turn a lone \r into a line end
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        column = exc.start - (exc.object.rfind(b"\n", 0, exc.start) + 1) + 1
        byte = exc.object[exc.start]
        raise FileError(
            path, line, f"not UTF-8 text: byte 0x{byte:02x} at column {column} (save the file as UTF-8)"
        ) from None
    except IsADirectoryError:
        raise FileError(path, None, "a directory named like a scenario file") from None
    except OSError as exc:  # a dangling symlink, no permission
        raise FileError(path, None, f"cannot be read ({exc.strerror or exc})") from None
    scenario = parse(text, path, scenario_name(path, root), matrix)
    files = path.with_suffix(FILES_SUFFIX)
    return replace(scenario, files=files) if files.is_dir() else scenario
