"""Compare two results files: which cells newly fail, newly pass, appeared or disappeared.

A new cell is matched with the old cell of the same scenario and axis values. Tool versions pinned by
``--tool`` are part of a cell, but a regression run (``virtualenv==21.15.11``) is compared with a
baseline that pinned nothing, or pinned another version: the old cell with the same pins is preferred,
else the old cell with the same axes when there is exactly one.

An incomplete new run (interrupted, killed, or with scenario files it could not collect) cannot show that
nothing newly fails: the comparison says so first and fails. An incomplete old run is named, not judged.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from guideproof.results.record import CellRecord, Outcome, cell_id, did_not_finish, pins
from guideproof.results.store import Results


@dataclass(frozen=True)
class Change:
    scenario: str
    cell: str  # platform and axis values, e.g. "debian-bookworm-virtualenv"
    tools: str  # "virtualenv==21.15.11", or "" when nothing was pinned
    old: Outcome | None  # old outcome; None when the cell appeared
    new: Outcome | None  # new outcome; None when it disappeared
    reason: str = ""  # the new (or, for a disappeared cell, the old) reason


@dataclass
class Comparison:
    newly_failing: list[Change] = field(default_factory=list)
    newly_passing: list[Change] = field(default_factory=list)
    newly_skipped: list[Change] = field(default_factory=list)
    appeared: list[Change] = field(default_factory=list)
    disappeared: list[Change] = field(default_factory=list)
    unchanged: int = 0
    not_run: int = 0  # old cells a partial new run did not include (instead of "disappeared")
    new_incomplete: list[str] = field(default_factory=list)  # why the new run proves less than it selected
    old_incomplete: list[str] = field(default_factory=list)

    @property
    def newly_fails(self) -> bool:
        """Something newly fails (a cell that appeared failing counts: it is a failure nobody has seen)."""
        return bool(self.newly_failing) or any(c.new is not None and c.new.bad for c in self.appeared)

    @property
    def failed(self) -> bool:
        """Something newly fails, or the new run is incomplete (it cannot show that nothing does)."""
        return self.newly_fails or bool(self.new_incomplete)

    @property
    def verdict(self) -> str:
        if self.newly_fails:
            return "something newly fails"
        if self.new_incomplete:
            return "the new run is incomplete: it cannot show that nothing newly fails"
        return "nothing newly fails"

    def sections(self) -> list[tuple[str, list[Change]]]:
        return [
            ("newly failing", self.newly_failing),
            ("newly passing", self.newly_passing),
            ("newly skipped", self.newly_skipped),
            ("appeared", self.appeared),
            ("disappeared", self.disappeared),
        ]


def _change(cell: CellRecord, old: Outcome | None, new: Outcome | None) -> Change:
    return Change(
        scenario=cell.scenario,
        cell=cell_id(cell.cell),
        tools=" ".join(pins(dict(cell.pins_key))),
        old=old,
        new=new,
        reason=cell.reason,
    )


def compare(old: Results, new: Results, partial: bool = False) -> Comparison:
    """``partial``: the new run covered part of the matrix on purpose (``--tool``, ``--platform``), so the old
    cells it lacks are counted as not run rather than listed as disappeared."""
    by_axes: dict[tuple[str, tuple[tuple[str, str], ...]], list[CellRecord]] = defaultdict(list)
    for cell in old.cells:
        by_axes[cell.axes_key].append(cell)
    used: set[int] = set()
    result = Comparison(new_incomplete=incomplete(new), old_incomplete=incomplete(old))
    for cell in new.cells:
        candidates = by_axes.get(cell.axes_key, [])
        exact = [c for c in candidates if c.pins_key == cell.pins_key]
        match = exact[0] if exact else candidates[0] if len(candidates) == 1 else None
        if match is None:
            result.appeared.append(_change(cell, None, cell.outcome))
            continue
        used.add(id(match))
        before, after = match.outcome, cell.outcome
        change = _change(cell, before, after)
        if after.bad and not before.bad:
            result.newly_failing.append(change)
        elif after.good and before.bad:
            result.newly_passing.append(change)
        elif after is Outcome.SKIPPED and before is not Outcome.SKIPPED:
            result.newly_skipped.append(change)
        else:
            result.unchanged += 1
    for cell in old.cells:
        if id(cell) in used:
            continue
        if partial:
            result.not_run += 1
        else:
            result.disappeared.append(_change(cell, cell.outcome, None))
    return result


def incomplete(results: Results) -> list[str]:
    """Why a results file proves less than its run selected: one line each ([] for a complete run)."""
    notes = [results.run.incomplete_because] if results.run.incomplete_because else []
    not_run = sum(1 for c in results.cells if did_not_finish(c))
    if not_run:
        notes.append(f"{not_run} cells did not run to their end")
    notes += [f"could not collect {e.file}: {e.message}" for e in results.run.errors]
    return notes


def _grouped(changes: Iterable[Change]) -> dict[tuple[str, str], list[Change]]:
    groups: dict[tuple[str, str], list[Change]] = defaultdict(list)
    for change in changes:
        groups[(change.scenario, change.tools)].append(change)
    return dict(sorted(groups.items()))


def _disappeared(changes: Iterable[Change]) -> dict[str, str]:
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for change in changes:
        counts[change.scenario][change.old.value if change.old else "?"] += 1
    return {
        scenario: f"{sum(c.values())} cells (were " + ", ".join(f"{n} {o}" for o, n in sorted(c.items())) + ")"
        for scenario, c in sorted(counts.items())
    }


def _not_run(comparison: Comparison) -> str:
    return f", {comparison.not_run} old cells not in this partial run" if comparison.not_run else ""


def _transition(change: Change) -> str:
    if change.old is None:
        return f"{change.new} (new cell)"
    if change.new is None:
        return f"was {change.old}"
    return f"{change.new} (was {change.old})"


def render_text(comparison: Comparison, old_name: str, new_name: str) -> str:
    lines = [f"comparing {old_name} → {new_name}"]
    for name, notes in ((new_name, comparison.new_incomplete), (old_name, comparison.old_incomplete)):
        lines += [f"INCOMPLETE {name}: {note}" for note in notes]
    for title, changes in comparison.sections():
        if not changes:
            continue
        lines.append(f"\n{title} ({len(changes)}):")
        if changes is comparison.disappeared:  # counts only: a whole scenario gone is what matters
            lines += [f"  {scenario}: {summary}" for scenario, summary in _disappeared(changes).items()]
            continue
        for (scenario, tools), group in _grouped(changes).items():
            lines.append(f"  {scenario}" + (f"  [{tools}]" if tools else ""))
            for change in group:
                reason = f": {change.reason}" if change.reason and change.new is not Outcome.PASSED else ""
                lines.append(f"    {change.cell}: {_transition(change)}{reason}")
    counts = ", ".join(f"{len(c)} {t}" for t, c in comparison.sections())
    lines.append(f"\n{counts}, {comparison.unchanged} unchanged" + _not_run(comparison))
    lines.append(f"RESULT: {comparison.verdict}")
    return "\n".join(lines) + "\n"


def render_markdown(comparison: Comparison, old_name: str, new_name: str) -> str:
    verdict = comparison.verdict.capitalize() + "."
    verdict = f"**{verdict}**" if comparison.failed else verdict
    lines = [f"Comparing `{old_name}` → `{new_name}`: {verdict}", ""]
    for name, notes in ((new_name, comparison.new_incomplete), (old_name, comparison.old_incomplete)):
        lines += [f"- Incomplete `{name}`: {note}" for note in notes]
    if comparison.new_incomplete or comparison.old_incomplete:
        lines.append("")
    for title, changes in comparison.sections():
        if not changes:
            continue
        lines += [f"### {title.capitalize()} ({len(changes)})", ""]
        if changes is comparison.disappeared:
            lines += [f"- `{scenario}`: {summary}" for scenario, summary in _disappeared(changes).items()] + [""]
            continue
        lines.append("| scenario | tools | cell | outcome | reason |")
        lines.append("|---|---|---|---|---|")
        for (scenario, tools), group in _grouped(changes).items():
            for change in group:
                reason = change.reason.replace("|", "\\|").replace("\n", " ")
                lines.append(f"| `{scenario}` | {tools or '–'} | `{change.cell}` | {_transition(change)} | {reason} |")
        lines.append("")
    lines.append(f"{comparison.unchanged} cells unchanged{_not_run(comparison)}.")
    return "\n".join(lines) + "\n"
