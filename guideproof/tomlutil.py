"""Locate TOML keys and errors by line, so messages can say ``file:line``."""

from __future__ import annotations

import re
import tomllib


def key_line(lines: list[str], key: str, offset: int = 0) -> int | None:
    """The first line (1-based, plus ``offset``) that defines ``key`` as a key or table name."""
    pattern = re.compile(rf"^\s*(\[+[^\]]*\b{re.escape(key)}\b[^\]]*\]+|\"?{re.escape(key)}\"?\s*=)")
    for number, line in enumerate(lines, start=1):
        if pattern.match(line):
            return number + offset
    return None


def toml_problem(exc: tomllib.TOMLDecodeError, offset: int = 0, last_line: int | None = None) -> tuple[int | None, str]:
    """The line (plus ``offset``, the lines before the TOML text) and message of a TOML error, for a
    :class:`~guideproof.errors.FileError`. ``last_line``: where "end of document" errors point."""
    message = str(exc)
    match = re.search(r"\(at line (\d+), column \d+\)", message)
    line = int(match.group(1)) + offset if match else last_line
    message = re.sub(r"\s*\((at line \d+, column \d+|at end of document)\)", "", message)
    return line, f"invalid TOML: {message}"
