"""``--update-expected``: write actual output back into scenario files, like ``cram -i`` without the prompt."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from guideproof.run.runner import Update


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
