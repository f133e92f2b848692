"""Locate TOML keys and errors by line, so messages can say ``file:line``."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from guideproof.errors import ScenarioError


def key_line(lines: list[str], key: str, offset: int = 0) -> int | None:
    """The first line (1-based, plus ``offset``) that defines ``key`` as a key or table name."""
    pattern = re.compile(rf"^\s*(\[+[^\]]*\b{re.escape(key)}\b[^\]]*\]+|\"?{re.escape(key)}\"?\s*=)")
    for number, line in enumerate(lines, start=1):
        if pattern.match(line):
            return number + offset
    return None


def toml_error(path: Path, offset: int, exc: tomllib.TOMLDecodeError, last_line: int | None = None) -> ScenarioError:
    """``offset``: lines before the TOML text; ``last_line``: where "end of document" errors point."""
    message = str(exc)
    match = re.search(r"\(at line (\d+), column \d+\)", message)
    line = int(match.group(1)) + offset if match else last_line
    message = re.sub(r"\s*\((at line \d+, column \d+|at end of document)\)", "", message)
    return ScenarioError(path, line, f"invalid TOML: {message}")
