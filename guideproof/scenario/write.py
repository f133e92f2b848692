"""Writing text back into scenario files (``--update-expected``), like ``cram -i`` without the prompt.

The runner proposes an :class:`Update` for a failing command: its actual output in the file's own
syntax (:func:`escape_literal`). :func:`apply_updates` writes the proposals of every cell at the end of a run.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from guideproof.scenario.escapes import expected_text


@dataclass(frozen=True)
class Update:
    """Replace lines ``start``..``end`` of ``path`` (1-based, inclusive; ``end < start`` inserts) with ``lines``.

    ``step`` is the line of the command's ``$``, ``old_status`` the exit status the scenario expects and
    ``new_status`` the one the command had (what the lines end with when it is not 0).
    """

    path: str
    start: int
    end: int
    lines: tuple[str, ...]
    step: int = 0
    old_status: int = 0
    new_status: int = 0
    note: str = ""  # what the summary must say about this update (the output's middle was left out, ...)

    @property
    def new_failure(self) -> bool:
        """Would it write a non-zero exit status the scenario does not expect (``[N]`` where it had none, or
        another one)? That turns a failing command into an expectation: refused unless accepted."""
        return self.new_status != 0 and self.new_status != self.old_status

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Update:
        return cls(
            str(data["path"]),
            int(data["start"]),
            int(data["end"]),
            tuple(data["lines"]),
            int(data.get("step") or 0),
            int(data.get("old_status") or 0),
            int(data.get("new_status") or 0),
            str(data.get("note", "")),
        )


@dataclass
class Applied:
    """What :func:`apply_updates` did: the changes (small diffs), a summary line per changed step, the
    conflicts and refusals (each naming file and line), all in file order."""

    changed: list[str] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def escape_literal(actual: str) -> str:
    """Write an actual output line (text) so that it reads back as an expectation that matches exactly it.

    Lines that would read as scenario syntax (a prompt, an ellipsis, an exit status, a marker at the end) or
    that hold control or invisible characters are written in the ``(esc)`` form: see
    :func:`guideproof.scenario.escapes.expected_text`, which does this for output bytes.
    """
    return expected_text(actual.encode("utf-8", "surrogateescape"))


def apply_updates(
    updates: Iterable[Update], show: Callable[[str], str] = str, accept_failures: bool = False
) -> Applied:
    """Apply updates file by file, bottom-up, and say what changed.

    Two cells proposing different text for the same lines (a per-platform difference) are a conflict:
    neither is applied, and the scenario needs an ``#if`` there instead. An update that would write a new
    non-zero exit status (:attr:`Update.new_failure`) is refused unless ``accept_failures``: the refusal names
    the file, the line and the status, and that file is left as it was (none of its updates is written).
    Files are read and written as bytes split at ``\\n``, so no other character is taken for a line end.
    ``show`` turns a path into how messages name it.
    """
    by_file: dict[str, dict[tuple[int, int], set[Update]]] = defaultdict(lambda: defaultdict(set))
    for update in updates:
        by_file[update.path][(update.start, update.end)].add(update)
    applied = Applied()
    for path, ranges in sorted(by_file.items()):
        lines = Path(path).read_bytes().decode("utf-8").split("\n")
        done: list[tuple[str, str]] = []
        refused: list[str] = []
        for (start, end), proposals in sorted(ranges.items(), reverse=True):
            texts = {p.lines for p in proposals}
            if len(texts) > 1:
                applied.conflicts.append(
                    f"{show(path)}:{start}: cells disagree on the output; use #if to write it per cell"
                )
                continue
            update = next(iter(proposals))
            written = [f"  {line}" for line in update.lines]
            old = lines[start - 1 : end]
            if old == written:
                continue
            where = f"{show(path)}:{update.step or start}"
            if update.new_failure and not accept_failures:
                refused.append(
                    f"{where}: refused to write [{update.new_status}]: the command exits {update.new_status} where"
                    f" the scenario expects {update.old_status}. A failing command is not an expectation: fix the"
                    " command or the scenario, or pass --accept-failures to record the failure"
                )
                continue
            lines[start - 1 : end] = written
            diff = [f"  -{line}" for line in old] + [f"  +{line}" for line in written]
            accepted = " (a failure, accepted with --accept-failures)" if update.new_failure else ""
            done.append(
                (
                    "\n".join([f"{where}: expected output updated", *diff]),
                    f"{where}: status {update.old_status} -> {update.new_status}{accepted}"
                    + (f"; {update.note}" if update.note else ""),
                )
            )
        if refused:
            applied.refused.extend(reversed(refused))
            applied.refused.append(f"{show(path)}: left unchanged ({len(refused)} refused)")
            continue
        Path(path).write_bytes("\n".join(lines).encode("utf-8"))
        applied.changed.extend(change for change, _ in reversed(done))
        applied.summary.extend(line for _, line in reversed(done))
    return applied
