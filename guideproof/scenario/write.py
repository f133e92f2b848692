"""Writing text back into scenario files (``--update-expected``), like ``cram -i`` without the prompt.

The runner proposes an :class:`Update` for a failing command: its actual output in the file's own
syntax (:func:`escape_literal`). :func:`apply_updates` writes the proposals of every cell at the end of a run.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

_MARKERS = (" (re)", " (glob)")


@dataclass(frozen=True)
class Update:
    """Replace lines ``start``..``end`` of ``path`` (1-based, inclusive; ``end < start`` inserts) with ``lines``."""

    path: str
    start: int
    end: int
    lines: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Update:
        return cls(str(data["path"]), int(data["start"]), int(data["end"]), tuple(data["lines"]))


def escape_literal(actual: str) -> str:
    """Write an actual output line so that it reads back as an expectation that matches it.

    Lines that would read as scenario syntax (an ellipsis, a pattern marker, an exit status, or a
    command or continuation prompt) become a regular expression matching exactly that line.
    """
    if (
        actual in ("...", "$", ">")
        or actual.startswith(("$ ", "> "))
        or actual.endswith(_MARKERS)
        or re.fullmatch(r"\[\d+\]", actual)
    ):
        escaped = re.escape(actual)
        if escaped.startswith(">"):  # re.escape leaves ">" alone; "\\>" keeps the line from reading as "> "
            escaped = "\\" + escaped
        return f"{escaped} (re)"
    return actual


def apply_updates(updates: Iterable[Update]) -> tuple[list[str], list[str]]:
    """Apply updates file by file, bottom-up. Returns (lines saying what changed, conflicts left alone).

    Two cells proposing different text for the same lines (a per-platform difference) are a conflict:
    neither is applied, and the scenario needs an ``#if`` there instead.
    """
    by_file: dict[str, dict[tuple[int, int], set[tuple[str, ...]]]] = defaultdict(lambda: defaultdict(set))
    for update in updates:
        by_file[update.path][(update.start, update.end)].add(update.lines)
    changed, conflicts = [], []
    for path, ranges in sorted(by_file.items()):
        lines = Path(path).read_text(encoding="utf-8").split("\n")
        for (start, end), proposals in sorted(ranges.items(), reverse=True):
            if len(proposals) > 1:
                conflicts.append(f"{path}:{start}: cells disagree on the output; use #if to write it per cell")
                continue
            (new,) = proposals
            lines[start - 1 : end] = [f"  {line}" if line else "  " for line in new]
            changed.append(f"{path}:{start}: expected output updated")
        Path(path).write_text("\n".join(lines), encoding="utf-8")
    return changed, conflicts
