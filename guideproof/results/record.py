"""One cell's result, typed, from the runner to the results file to the docs.

The runner makes a :class:`CellRecord`, the pytest plugin writes it, ``compare``/``merge`` and the Sphinx
extension read it back: the outcome names, the cell id and what identifies a cell across files are
defined here once. The JSON form is documented in ``docs/maintainers/results.rst``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol


class Outcome(enum.StrEnum):
    """What happened to a cell. Only ``passed`` counts as verified."""

    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"
    XFAILED = "xfailed"  # failed, and the scenario's header declares that failure (a known failure)
    XPASSED = "xpassed"  # declared as a known failure, but passed: strict, so it is a failure
    ERROR = "error"  # the cell could not be run (the engine failed, a pin did not reach the tool)

    @property
    def bad(self) -> bool:
        """Someone must look at it: a failure, an error or an unexpected pass."""
        return self in (Outcome.FAILED, Outcome.ERROR, Outcome.XPASSED)

    @property
    def good(self) -> bool:
        """As expected: passed, or failed the way the header says it does."""
        return self in (Outcome.PASSED, Outcome.XFAILED)

    @property
    def verified(self) -> bool:
        return self is Outcome.PASSED

    @property
    def intro(self) -> str:
        """How a verification line introduces cells with this outcome."""
        return _WORDING[self][0]

    @property
    def shown(self) -> str:
        """The outcome in a symbol and words, as the results page shows it."""
        return _WORDING[self][1]

    @property
    def symbol(self) -> str:
        """One character for maps, where no words fit: every outcome its own shape, so colour is never needed."""
        return _SYMBOLS[self]

    @property
    def word(self) -> str:
        """The outcome in a few words, for a map's key and tooltips."""
        return _WORDS[self]


_WORDING = {
    Outcome.PASSED: ("Verified", "✔ passed"),
    Outcome.FAILED: ("Failed", "✘ failed"),
    Outcome.SKIPPED: ("Skipped", "⊘ skipped"),
    Outcome.XFAILED: ("Known failure (xfail)", "✘ xfail (known failure)"),
    Outcome.XPASSED: ("Passed although marked as a known failure", "✔ xpass (marked as a known failure)"),
    Outcome.ERROR: ("Could not run (error)", "⚠ error (could not run)"),
}
_SYMBOLS = {
    Outcome.PASSED: "✔",
    Outcome.FAILED: "✘",
    Outcome.SKIPPED: "⊘",
    Outcome.XFAILED: "⊗",
    Outcome.XPASSED: "!",
    Outcome.ERROR: "⚠",
}
_WORDS = {
    Outcome.PASSED: "passed",
    Outcome.FAILED: "failed",
    Outcome.SKIPPED: "skipped",
    Outcome.XFAILED: "known failure (xfail)",
    Outcome.XPASSED: "passed, marked as a known failure (xpass)",
    Outcome.ERROR: "could not run (error)",
}
# How the reason of a selected cell that did not run to its end begins: it never started (the run stopped
# first, its worker crashed), or the run stopped while it ran.
NOT_RUN = "not run: "
CUT_SHORT = "cut short: "


def did_not_finish(record: CellRecord) -> bool:
    """Is this the record of a cell that did not run to its end because the run did not?"""
    return record.outcome is Outcome.ERROR and record.reason.startswith((NOT_RUN, CUT_SHORT))


# The order in which a verification line lists the cells that did not pass.
NOT_PASSED = (Outcome.FAILED, Outcome.ERROR, Outcome.XFAILED, Outcome.XPASSED, Outcome.SKIPPED)


def pins(tools: Mapping[str, str]) -> list[str]:
    """``{"virtualenv": "21.15.11"}`` → ``["virtualenv==21.15.11"]``: tool versions as a cell id shows them."""
    return [f"{tool}=={version}" for tool, version in tools.items()]


def cell_id(values: Mapping[str, str], tools: Mapping[str, str] | None = None) -> str:
    """``debian-bookworm-venv`` or ``debian-bookworm-venv-virtualenv==21.15.11``: a cell in test ids and reports."""
    return "-".join([*values.values(), *pins(tools or {})])


def cell_name(scenario: str, values: Mapping[str, str], tools: Mapping[str, str] | None = None) -> str:
    """``tier1/venv-basics[debian-trixie-virtualenv]``: a scenario's cell, named once for the plugin's items (with
    the scenario's stem), the regression commands and the history (without the tool pin)."""
    return f"{scenario}[{cell_id(values, tools)}]"


CellKey = tuple[str, tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]


@dataclass(frozen=True)
class SharedStep:
    """Where a step shared by several cells ran: the snapshot, the cell that ran it, and its run."""

    prefix: str  # the snapshot's key (its first 12 hex digits)
    by: str  # "scenario[cell]"
    run: str  # this run's id, or an earlier run's (--reuse)

    def to_json(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class StepRecord:
    """One step a cell ran (or took from a shared prefix), in order; steps after a failing one are absent."""

    line: int  # the scenario line of the command
    status: int | None  # None: it timed out, or the shell died
    duration_s: float
    output_sha256: str  # what it printed (all of it, masked and normalised), hashed: comparable across runs
    shared: SharedStep | None = None  # set when the step's result comes from a shared prefix
    # What it printed, as text lines (masked, the cell's root normalised), bounded: the first and the last
    # OUTPUT_LINES lines, ``output_cut`` lines left out between them. None: not recorded (schema 1 and 2).
    output: tuple[str, ...] | None = None
    output_cut: int = 0

    def to_json(self) -> dict[str, Any]:
        data = {**asdict(self), "shared": self.shared.to_json() if self.shared else None}
        data["output"] = list(self.output) if self.output is not None else None
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StepRecord:
        shared = data.get("shared")
        output = data.get("output")
        return cls(
            line=int(data["line"]),
            status=None if data.get("status") is None else int(data["status"]),
            duration_s=float(data.get("duration_s") or 0.0),
            output_sha256=str(data.get("output_sha256") or ""),
            shared=SharedStep(str(shared["prefix"]), str(shared["by"]), str(shared["run"])) if shared else None,
            output=None if output is None else tuple(str(line) for line in output),
            output_cut=int(data.get("output_cut") or 0),
        )

    @property
    def shown_output(self) -> list[str] | None:
        """The recorded output as a reader sees it, a line saying how many were left out in the middle."""
        if self.output is None:
            return None
        if not self.output_cut:
            return list(self.output)
        head, tail = self.output[:OUTPUT_LINES], self.output[OUTPUT_LINES:]
        return [*head, f"... ({self.output_cut} lines left out)", *tail]


OUTPUT_LINES = 40  # a step's recorded output keeps its first and its last this many lines


def bounded(lines: list[str]) -> tuple[tuple[str, ...], int]:
    """``lines`` as a step record keeps them: all of them, or the first and last OUTPUT_LINES and the count cut."""
    if len(lines) <= 2 * OUTPUT_LINES:
        return tuple(lines), 0
    return (*lines[:OUTPUT_LINES], *lines[-OUTPUT_LINES:]), len(lines) - 2 * OUTPUT_LINES


@dataclass(frozen=True)
class CellRecord:
    """One cell of one scenario, as the results file holds it."""

    scenario: str  # the scenario's name: its path below the scenarios directory, without ".scenario"
    cell: dict[str, str]  # platform, then one value per axis the scenario uses, in matrix order
    outcome: Outcome
    title: str = ""
    file: str = ""  # the scenario file, relative to the project root
    tools: dict[str, str] = field(default_factory=dict)  # versions pinned by --tool: part of the cell
    reason: str = ""  # why it did not pass
    duration_s: float = 0.0
    failed_line: int | None = None
    versions: dict[str, str] = field(default_factory=dict)  # what the matrix's versions probe printed
    detail: str = ""  # the whole failure report
    link: str | None = None  # the xfail's issue
    artefacts: dict[str, dict[str, str]] = field(default_factory=dict)  # tool -> {"file", "sha256"}: local builds
    steps: tuple[StepRecord, ...] = ()  # every step that ran, shared ones marked
    # What the cell was asked to run: digests of its resolved steps (the scenario after #if resolution for
    # this cell) and of each #part's among them; "" and {} in files of schema 1 and 2 (nothing to compare).
    steps_sha256: str = ""
    parts_sha256: dict[str, str] = field(default_factory=dict)
    finished: str = ""  # when the cell ended (ISO 8601, UTC); "" in files of schema 1 and 2: the run's finish

    @property
    def id(self) -> str:
        return cell_id(self.cell, self.tools)

    @property
    def axes_key(self) -> tuple[str, tuple[tuple[str, str], ...]]:
        """The scenario and axis values, without the tool pins."""
        return self.scenario, tuple(sorted(self.cell.items()))

    @property
    def pins_key(self) -> tuple[tuple[str, str], ...]:
        return tuple(sorted(self.tools.items()))

    @property
    def key(self) -> CellKey:
        """What identifies a cell across results files: scenario, axis values and pinned tool versions."""
        return (*self.axes_key, self.pins_key)

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "title": self.title,
            "file": self.file,
            "cell": dict(self.cell),
            "tools": dict(self.tools),
            "outcome": self.outcome.value,
            "reason": self.reason,
            "duration_s": self.duration_s,
            "failed_line": self.failed_line,
            "versions": dict(self.versions),
            "detail": self.detail,
            "link": self.link,
            "steps": [step.to_json() for step in self.steps],
            "steps_sha256": self.steps_sha256,
            "parts_sha256": dict(self.parts_sha256),
            "finished": self.finished,
        } | ({"artefacts": {tool: dict(about) for tool, about in self.artefacts.items()}} if self.artefacts else {})

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CellRecord:
        """Raises ValueError (or KeyError for a missing ``scenario``/``cell``/``outcome``) on what is no record."""
        try:
            outcome = Outcome(data["outcome"])
        except ValueError:
            known = ", ".join(o.value for o in Outcome)
            raise ValueError(f"unknown outcome {data['outcome']!r} (known: {known})") from None
        return cls(
            scenario=str(data["scenario"]),
            cell={str(k): str(v) for k, v in dict(data["cell"]).items()},
            outcome=outcome,
            title=data.get("title") or "",
            file=data.get("file") or "",
            tools=dict(data.get("tools") or {}),
            reason=data.get("reason") or "",
            duration_s=float(data.get("duration_s") or 0.0),
            failed_line=data.get("failed_line"),
            versions=dict(data.get("versions") or {}),
            detail=data.get("detail") or "",
            link=data.get("link"),
            steps=tuple(StepRecord.from_json(step) for step in data.get("steps") or ()),
            artefacts={
                str(t): {str(k): str(v) for k, v in a.items()} for t, a in (data.get("artefacts") or {}).items()
            },
            steps_sha256=str(data.get("steps_sha256") or ""),
            parts_sha256={str(k): str(v) for k, v in (data.get("parts_sha256") or {}).items()},
            finished=str(data.get("finished") or ""),
        )


@dataclass(frozen=True)
class ToolVersion:
    """What one ``--tool NAME=SPEC`` resolved to for the whole run (a range resolves to several)."""

    tool: str
    spec: str  # "latest", "pre", an exact version, a range (20.0.0..latest), or a file or URL as given
    version: str
    source: str  # "index", "fallback" (pinned in matrix.toml), "asked" (an exact version), "file" or "url"
    note: str = ""
    released: str = ""  # the release's upload date on the index (YYYY-MM-DD), when the index says
    file: str = ""  # a local build ("file") or a downloaded one ("url"): its file name
    sha256: str = ""  # and its SHA-256
    path: str = ""  # and where it is on the machine that ran the run (copied from there into each cell)

    @property
    def artefact(self) -> bool:
        """Is this version a wheel or sdist copied into the cells, rather than a release from the index?"""
        return bool(self.sha256)

    def to_json(self) -> dict[str, str]:
        """The five first fields always; the others (a release date, a local build) only when known."""
        return {k: v for n, (k, v) in enumerate(asdict(self).items()) if n < 5 or v}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ToolVersion:
        return cls(**{k: str(v) for k, v in data.items()})


class Progress(enum.StrEnum):
    """How far a run got. Only a ``complete`` run went through every cell it selected."""

    RUNNING = "running"  # written when the cells start: a file still saying so is of a run that was killed
    COMPLETE = "complete"
    INTERRUPTED = "interrupted"  # stopped early (a signal, Ctrl-C, -x): the cells it did not run are errors


@dataclass(frozen=True)
class UncollectedFile:
    """A scenario file that could not be collected: none of its cells can be named, so none is in ``cells``."""

    file: str
    message: str

    def to_json(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class RunInfo:
    """The run a results file comes from (merged files join the runs)."""

    engine: str
    started: str  # ISO 8601
    finished: str
    host: str
    guideproof_version: str  # ``harness_version`` in files of schema 1 and 2 (migrated when loaded)
    tools: tuple[ToolVersion, ...] = ()
    state: Progress = Progress.COMPLETE
    exit_status: int | None = None  # pytest's; None where unknown (a file of schema 1, a run still going)
    stopped_by: str = ""  # why an interrupted run stopped: "SIGTERM", "Ctrl-C", "stopping after 1 failures"
    errors: tuple[UncollectedFile, ...] = ()

    @property
    def complete(self) -> bool:
        return self.state is Progress.COMPLETE

    @property
    def incomplete_because(self) -> str:
        """'' for a complete run, else why it is not: what the docs and ``compare`` say about it."""
        if self.state is Progress.INTERRUPTED:
            return f"the run was interrupted ({self.stopped_by or 'stopped early'})"
        if self.state is Progress.RUNNING:
            return "the run did not finish (killed, or still going on)"
        return ""

    def to_json(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "tools": [t.to_json() for t in self.tools],
            "state": self.state.value,
            "errors": [e.to_json() for e in self.errors],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RunInfo:
        """``data`` as checked by the schema (``store.load_results``)."""
        return cls(
            engine=str(data.get("engine", "?")),
            started=str(data.get("started", "")),
            finished=str(data.get("finished", "")),
            host=str(data.get("host", "?")),
            guideproof_version=str(data.get("guideproof_version", "?")),
            tools=tuple(ToolVersion.from_json(t) for t in data.get("tools") or ()),
            state=Progress(data.get("state", Progress.COMPLETE)),
            exit_status=data.get("exit_status"),
            stopped_by=str(data.get("stopped_by") or ""),
            errors=tuple(UncollectedFile(str(e["file"]), str(e["message"])) for e in data.get("errors") or ()),
        )


class HasOutcome(Protocol):
    @property
    def outcome(self) -> Outcome: ...


def tally(records: Iterable[HasOutcome]) -> dict[Outcome, int]:
    """How many cells had each outcome, in :class:`Outcome` order, leaving out outcomes no cell had."""
    counts = {outcome: 0 for outcome in Outcome}
    for record in records:
        counts[record.outcome] += 1
    return {outcome: n for outcome, n in counts.items() if n}


def counted(records: Iterable[HasOutcome]) -> str:
    """``2 passed, 1 failed``: the :func:`tally` in words ('' when there is none)."""
    return ", ".join(f"{n} {outcome}" for outcome, n in tally(records).items())
