"""Writing text back into scenario files (``--update-expected``), like ``cram -i`` without the prompt.

The runner proposes an :class:`Update` for a failing command: its actual output in the file's own
syntax (:func:`escape_literal`). :func:`apply_updates` writes the proposals of every cell at the end of a run.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from guideproof.scenario.escapes import expected_text


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
    """Write an actual output line (text) so that it reads back as an expectation that matches exactly it.

    Lines that would read as scenario syntax (a prompt, an ellipsis, an exit status, a marker at the end) or
    that hold control or invisible characters are written in the ``(esc)`` form: see
    :func:`guideproof.scenario.escapes.expected_text`, which does this for output bytes.
    """
    return expected_text(actual.encode("utf-8", "surrogateescape"))


def apply_updates(updates: Iterable[Update], show: Callable[[str], str] = str) -> tuple[list[str], list[str]]:
    """Apply updates file by file, bottom-up. Returns (what changed, each as a small diff; conflicts left alone).

    Two cells proposing different text for the same lines (a per-platform difference) are a conflict:
    neither is applied, and the scenario needs an ``#if`` there instead. Files are read and written as bytes
    split at ``\\n``, so no other character is taken for a line end. ``show`` turns a path into how messages
    name it.
    """
    by_file: dict[str, dict[tuple[int, int], set[tuple[str, ...]]]] = defaultdict(lambda: defaultdict(set))
    for update in updates:
        by_file[update.path][(update.start, update.end)].add(update.lines)
    changed: list[str] = []
    conflicts: list[str] = []
    for path, ranges in sorted(by_file.items()):
        lines = Path(path).read_bytes().decode("utf-8").split("\n")
        done: list[str] = []
        for (start, end), proposals in sorted(ranges.items(), reverse=True):
            if len(proposals) > 1:
                conflicts.append(f"{show(path)}:{start}: cells disagree on the output; use #if to write it per cell")
                continue
            (new,) = proposals
            written = [f"  {line}" for line in new]
            old = lines[start - 1 : end]
            if old == written:
                continue
            lines[start - 1 : end] = written
            diff = [f"  -{line}" for line in old] + [f"  +{line}" for line in written]
            done.append("\n".join([f"{show(path)}:{start}: expected output updated", *diff]))
        Path(path).write_bytes("\n".join(lines).encode("utf-8"))
        changed.extend(reversed(done))
    return changed, conflicts
