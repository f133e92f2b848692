"""Split a scenario body into classified lines. Knows the grammar of one line, nothing more."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from guideproof.errors import FileError
from guideproof.scenario.escapes import NO_OUTPUT

Kind = Literal["command", "continuation", "output", "ellipsis", "no_output", "status", "directive", "prose", "blank"]

DIRECTIVES = ("if", "elif", "else", "endif", "hidden", "endhidden", "part", "setup")
RESOLVE = "#resolve "  # written by extract at a placeholder: stops collection at its line until a person resolves it
BARE = ("else", "endif", "hidden", "endhidden")  # directives that take nothing after them
_STATUS = re.compile(r"\[(\d+)\]")
_DIRECTIVE = re.compile(r"#([a-z]+)\b\s*(.*)$")
# A note that reads like a directive (#IF, # if, #Endif) would silently run in every cell: an error instead.
_LOOKALIKE = re.compile(r"#\s*(" + "|".join(DIRECTIVES) + r")\b", re.IGNORECASE)


@dataclass(frozen=True)
class Token:
    kind: Kind
    text: str  # payload: the command, the output line, the directive's argument, ...
    line: int
    name: str = ""  # directive name


def tokenize(lines: list[str], first_line: int, path: str) -> Iterator[Token]:
    """Classify ``lines`` (split at ``\\n`` only: any other character, a carriage return too, is part of its line).

    A command is ``  $ `` and a continuation ``  > `` *with* their space: ``  $`` or ``  >`` alone is an
    expected output line (a command printing a bare ``$`` or ``>``), never an empty command or continuation.
    """
    for offset, line in enumerate(lines):
        number = first_line + offset
        if line.startswith("  "):  # "  " alone is an expected empty output line
            body = line[2:]
            if body.startswith("$ "):
                yield Token("command", body[2:], number)
            elif body.startswith("> "):
                yield Token("continuation", body[2:], number)
            elif body == "...":
                yield Token("ellipsis", "", number)
            elif body == NO_OUTPUT:
                yield Token("no_output", "", number)
            elif m := _STATUS.fullmatch(body):
                yield Token("status", m.group(1), number)
            else:
                yield Token("output", body, number)
        elif not line.strip(" \t"):
            yield Token("blank", "", number)
        elif line[0] in " \t":
            raise FileError(path, number, "indent commands and output with exactly two spaces")
        elif line.startswith(RESOLVE):
            raise FileError(path, number, f"to resolve before this scenario runs: {line[len(RESOLVE) :].strip()}")
        elif (m := _DIRECTIVE.match(line)) and m.group(1) in DIRECTIVES:
            name, text = m.group(1), m.group(2).strip()
            if name in BARE and text:
                raise FileError(path, number, f"#{name} takes nothing after it (found {text!r})")
            yield Token("directive", text, number, name=name)
        elif m := _LOOKALIKE.match(line):
            wanted = m.group(1).lower()
            raise FileError(
                path,
                number,
                f"{line.split()[0] if line.split()[0] != '#' else '# ' + m.group(1)!s} looks like the directive "
                f"#{wanted}: directives are lowercase with no space after '#' (a note must not start like one)",
            )
        elif m := _DIRECTIVE.match(line):
            known = ", ".join("#" + d for d in DIRECTIVES)
            raise FileError(path, number, f"unknown directive #{m.group(1)} (known: {known})")
        else:
            yield Token("prose", line, number)
