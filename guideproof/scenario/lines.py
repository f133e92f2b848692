"""Split a scenario body into classified lines. Knows the grammar of one line, nothing more."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from guideproof.errors import FileError

Kind = Literal["command", "continuation", "output", "ellipsis", "status", "directive", "prose", "blank"]

DIRECTIVES = ("if", "elif", "else", "endif", "hidden", "endhidden", "part")
_STATUS = re.compile(r"\[(\d+)\]")
_DIRECTIVE = re.compile(r"#([a-z]+)\b\s*(.*)$")


@dataclass(frozen=True)
class Token:
    kind: Kind
    text: str  # payload: the command, the output line, the directive's argument, ...
    line: int
    name: str = ""  # directive name


def tokenize(lines: list[str], first_line: int, path: str) -> Iterator[Token]:
    for offset, raw in enumerate(lines):
        number = first_line + offset
        line = raw.rstrip("\n").rstrip("\r")
        if line.startswith("  "):  # "  " alone is an expected empty output line
            body = line[2:]
            if body.startswith("$ ") or body == "$":
                yield Token("command", body[2:], number)
            elif body.startswith("> ") or body == ">":
                yield Token("continuation", body[2:], number)
            elif body == "...":
                yield Token("ellipsis", "", number)
            elif m := _STATUS.fullmatch(body):
                yield Token("status", m.group(1), number)
            else:
                yield Token("output", body, number)
        elif not line.strip():
            yield Token("blank", "", number)
        elif line[0] in " \t":
            raise FileError(path, number, "indent commands and output with exactly two spaces")
        elif m := _DIRECTIVE.match(line):
            if m.group(1) not in DIRECTIVES:
                known = ", ".join("#" + d for d in DIRECTIVES)
                raise FileError(path, number, f"unknown directive #{m.group(1)} (known: {known})")
            yield Token("directive", m.group(2).strip(), number, name=m.group(1))
        else:
            yield Token("prose", line, number)
