"""Run one cell of one scenario on an engine and describe what happened.

:func:`run_cell` is the only place where what happened in a cell becomes a :class:`CellRecord`: the
pytest plugin reports it, writes it to the results file, and the docs read it from there.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import os
import re
import shlex
import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from packaging.version import InvalidVersion, Version

from guideproof.engines.base import CellLabels, Engine
from guideproof.engines.environment import mask
from guideproof.engines.runid import RunId
from guideproof.engines.shell import CommandResult, KeptCell, Shell
from guideproof.engines.shellstate import CaptureError, ShellState, capture
from guideproof.errors import EngineError, UserError
from guideproof.matrix.model import Matrix
from guideproof.paths import display_path, relative
from guideproof.plan.cells import Cell
from guideproof.results.record import CellRecord, Outcome, StepRecord, ToolVersion, bounded
from guideproof.run.match import (
    Match,
    MatchTimeout,
    deadline,
    match_output,
    pattern_error,
    unified_diff,
    visible,
)
from guideproof.run.requirements import Requirements
from guideproof.run.shared import Diverged, SharedCell, Sharing, StepRun, may_share, pins_setup
from guideproof.scenario.digest import cell_digests
from guideproof.scenario.escapes import NO_OUTPUT
from guideproof.scenario.model import Scenario, Step
from guideproof.scenario.write import Update
from guideproof.versions.tools import artefacts_for, tool_setup

VERSION_PROBE_TIMEOUT = 60.0
TAIL_LINES = 40
DIFF_LINES = 200  # lines of a failure's diff after the expected ones (the first difference is always shown)
DETAIL_CAP = 64 * 1024  # characters of a failure report kept, in the results file and on the terminal
MATCH_FLOOR = 0.1  # seconds matching gets even when the command used up its step's timeout


@dataclass(frozen=True)
class Runtime:
    """What the cells of one run on one matrix share."""

    matrix: Matrix
    engine: Engine
    requirements: Requirements
    run_id: RunId
    env: Mapping[str, str] = field(default_factory=dict)  # variables the run gives cells (CONDA_CHANNEL, ...)
    root: Path = field(default_factory=Path.cwd)  # records name their scenario file relative to it
    update_expected: bool = False  # go on after a step whose output or status differs: propose every update
    keep_failed: bool = False  # keep a failed cell's place and say how to open a shell there
    tools: tuple[ToolVersion, ...] = ()  # what --tool resolved to: the local builds among them are copied in
    sharing: Sharing | None = None  # shared prefixes (engines with snapshots); None: every cell from its first step
    # A variable of ``env`` named here reaches only the cells whose scenario requires the requirement it names:
    # a value that changes from run to run (a server's port) then stays out of every other cell's snapshot keys.
    required_for: Mapping[str, str] = field(default_factory=dict)

    def env_for(self, scenario: Scenario) -> dict[str, str]:
        """The variables the cells of ``scenario`` get."""
        return variables_for(scenario, self.env, self.required_for)


def variables_for(scenario: Scenario, env: Mapping[str, str], required_for: Mapping[str, str]) -> dict[str, str]:
    """``env`` without the variables whose requirement (``required_for``) ``scenario`` does not have."""
    return {k: v for k, v in env.items() if k not in required_for or required_for[k] in scenario.requires}


@dataclass(frozen=True)
class CellRun:
    """A cell's record; for each failing command the text ``--update-expected`` would write; the kept cell."""

    record: CellRecord
    updates: tuple[Update, ...] = ()
    kept: KeptCell | None = None


@dataclass(frozen=True)
class StepProblem:
    """Why a step failed: a one-line reason, the whole report, and the proposed new expectation."""

    reason: str
    detail: str
    update: Update | None = None
    error: bool = False  # the cell could not go on for a reason outside the scenario: an error, not a failure


@dataclass
class _Result:
    """What happened so far, while the cell runs."""

    outcome: Outcome = Outcome.PASSED
    reason: str = ""
    detail: str = ""
    failed_line: int | None = None
    versions: dict[str, str] = field(default_factory=dict)
    link: str | None = None
    updates: list[Update] = field(default_factory=list)
    kept: KeptCell | None = None
    steps: list[StepRun] = field(default_factory=list)  # every step run (or taken from a shared prefix)


def run_cell(scenario: Scenario, cell: Cell, runtime: Runtime) -> CellRun:
    """Run ``cell`` of ``scenario``: skip it when a requirement is unmet, else run its steps in a fresh place
    of the engine until one fails (in update mode: on through every mismatch), probe the versions, then apply
    the scenario's xfails."""
    values = cell.axis_values
    steps = scenario.steps_for(values)
    started = time.monotonic()
    result = _Result()
    unmet = runtime.requirements.unmet(scenario.requires, steps, cell.platform)
    if unmet:
        result.outcome, result.reason = Outcome.SKIPPED, unmet
        return _finish(scenario, cell, runtime.root, result, duration=0.0, xfails=False)
    labels = CellLabels(run_id=runtime.run_id, scenario=scenario.name, cell=cell.id)
    # A known failure (an xfail) is not kept: nox -s shell opens one on purpose.
    keep = runtime.keep_failed and scenario.xfail_for(values) is None
    builds = artefacts_for(cell.tools, runtime.tools)
    shares = may_share(scenario, cell, runtime.tools, runtime.keep_failed, runtime.update_expected)
    sharing = runtime.sharing if shares else None
    try:
        if sharing is not None and runtime.engine.snapshots is not None:
            setup = pins_setup(cell, runtime.matrix)
            try:
                _run_shared(scenario, cell, runtime, sharing, labels, setup, steps, result)
            except Diverged:
                result = _Result()
                _run_alone(scenario, cell, runtime, labels, builds, steps, result, keep)
        else:
            _run_alone(scenario, cell, runtime, labels, builds, steps, result, keep)
    except EngineError as exc:
        result.outcome, result.reason = Outcome.ERROR, str(exc)
    except Exception as exc:  # noqa: BLE001 - a bug of guideproof must still leave a record of the cell
        result.outcome, result.reason = Outcome.ERROR, f"guideproof failed: {type(exc).__name__}: {exc}"
        result.detail = f"{result.reason}\n{traceback.format_exc()}"
        return _finish(
            scenario, cell, runtime.root, result, duration=round(time.monotonic() - started, 3), xfails=False
        )
    run = _finish(scenario, cell, runtime.root, result, duration=round(time.monotonic() - started, 3))
    if builds:  # which build file the cell ran, by hash: its version alone may not tell
        built = {b.tool: {"file": b.file, "sha256": b.sha256} for b in builds}
        run = dataclasses.replace(run, record=dataclasses.replace(run.record, artefacts=built))
    return run


def not_run(scenario: Scenario, cell: Cell, root: Path, outcome: Outcome, reason: str) -> CellRecord:
    """The record of a selected cell that did not run (its platform is not on this engine, the run stopped
    first, its worker crashed): never xfailed, since nothing was tried."""
    result = _Result(outcome=outcome, reason=reason, detail=reason)
    return _finish(scenario, cell, root, result, duration=0.0, xfails=False).record


class _Masked:
    """The cell's shell, with the run's credentials (index URLs) masked in what it prints and the cell's own
    directory written as ``$TESTTMP`` (:func:`normalise`), before anything (a match, a diff, the results
    file, an update of the scenario) sees it."""

    def __init__(self, shell: Shell | None, secrets: tuple[str, ...]) -> None:
        self._shell = shell
        self.secrets = secrets
        self.root = shell.root if shell is not None else ""

    @property
    def shell(self) -> Shell:
        assert self._shell is not None
        return self._shell

    @property
    def alive(self) -> bool:
        return self._shell is not None and self._shell.alive

    def start(self, setup: str) -> CommandResult:
        return self.mask(self.shell.start(setup))

    def run(self, command: str, timeout: float) -> CommandResult:
        return self.mask(self.shell.run(command, timeout))

    def run_aside(self, command: str, timeout: float) -> CommandResult:
        return self.mask(self.shell.run_aside(command, timeout))

    def mask(self, got: CommandResult) -> CommandResult:
        output = normalise(got.output, self.root)
        if self.secrets:
            output = mask(output.decode("utf-8", "surrogateescape"), self.secrets).encode("utf-8", "surrogateescape")
        return got if output == got.output else dataclasses.replace(got, output=output)


TESTTMP = "$TESTTMP"  # how recorded output and --update-expected write the cell's own directory (cram's name)


def normalise(output: bytes, root: str) -> bytes:
    """``output`` with the cell's directory ``root`` (as given, and resolved) written as ``$TESTTMP``: a path
    that changes from cell to cell (the local engine's temporary directory) reads the same in every run."""
    if not root:
        return output
    for path in dict.fromkeys((root, os.path.realpath(root))):  # the longer, resolved form may differ
        output = output.replace(path.encode("utf-8", "surrogateescape"), TESTTMP.encode())
    return output


def _run_alone(
    scenario: Scenario,
    cell: Cell,
    runtime: Runtime,
    labels: CellLabels,
    builds: list[ToolVersion],
    steps: list[Step],
    result: _Result,
    keep: bool,
) -> None:
    """Every step in the cell's own fresh place, from the first."""
    copied = [Path(b.path) for b in builds]
    with runtime.engine.open_cell(
        cell.platform, labels, runtime.env_for(scenario), files=scenario.files, builds=copied
    ) as opened:
        shell = _Masked(opened, runtime.engine.secrets)
        setup = tool_setup(cell.tools, runtime.matrix, builds, opened.files_dir)
        _run_steps(shell, scenario, cell, steps, setup, result, keep=keep, go_on=runtime.update_expected)
        _probe(shell, cell, runtime, result)


def _run_shared(
    scenario: Scenario,
    cell: Cell,
    runtime: Runtime,
    sharing: Sharing,
    labels: CellLabels,
    setup: str,
    steps: list[Step],
    result: _Result,
) -> None:
    """The steps from the deepest snapshot of a shared prefix (building those this cell is the first to need)."""
    masked = _Masked(None, runtime.engine.secrets)
    shared = SharedCell(
        runtime.engine,
        sharing,
        cell.platform,
        (scenario.name, cell.id),
        labels,
        runtime.env_for(scenario),
        setup,
        steps,
        partial(check_step, scenario, cell),
        files=scenario.files,
        mask=masked.mask,
    )
    try:
        for run in shared.run(scenario.timeout):
            _record(result, run)  # the generator ends after a failing step (it declines its prefix first)
        result.steps = list(shared.history)  # the builder's steps are marked shared once committed
        shell = shared.shell()
        if shell is not None:
            _probe(_Masked(shell, runtime.engine.secrets), cell, runtime, result)
    finally:
        shared.close()


def _record(result: _Result, run: StepRun) -> None:
    """Add a step to the cell's result; the first failure is the cell's."""
    result.steps.append(run)
    problem = run.problem
    if problem is None:
        return
    assert isinstance(problem, StepProblem)
    if problem.update is not None:
        result.updates.append(problem.update)
    if result.outcome is Outcome.PASSED:
        result.outcome, result.failed_line = Outcome.ERROR if problem.error else Outcome.FAILED, run.step.line
        result.reason, result.detail = problem.reason, problem.detail


def _probe(shell: _Masked, cell: Cell, runtime: Runtime, result: _Result) -> None:
    if shell.alive and runtime.matrix.version_probe:
        result.versions = _versions(shell, runtime.matrix.version_probe)
        if result.outcome is Outcome.PASSED:
            _check_tool_versions(cell, result)


def inspect_cell(scenario: Scenario, cell: Cell, runtime: Runtime, until: int | None = None) -> CellRun:
    """Run ``cell``'s steps that start before line ``until`` (every step when None), stopping at a failing one,
    then keep the cell with the shell's state: ``CellRun.kept`` opens a shell there, as the next step would
    start (``nox -s shell``). The record says whether a step failed on the way; no xfail applies."""
    steps = [s for s in scenario.steps_for(cell.axis_values) if until is None or s.line < until]
    unmet = runtime.requirements.unmet(scenario.requires, steps, cell.platform)
    if unmet:
        raise UserError(f"cannot run {scenario.name} [{cell.id}] here: {unmet}")
    result = _Result()
    labels = CellLabels(run_id=runtime.run_id, scenario=scenario.name, cell=cell.id)
    started = time.monotonic()
    builds = artefacts_for(cell.tools, runtime.tools)
    copied = [Path(b.path) for b in builds]
    with runtime.engine.open_cell(
        cell.platform, labels, runtime.env_for(scenario), files=scenario.files, builds=copied
    ) as opened:
        shell = _Masked(opened, runtime.engine.secrets)
        setup = tool_setup(cell.tools, runtime.matrix, builds, opened.files_dir)
        _run_steps(shell, scenario, cell, steps, setup, result, keep=True, go_on=False)
        if result.kept is None and result.outcome is Outcome.PASSED:
            path = display_path(scenario.path)
            where = f"a command at {path}:{until}" if until else f"a command after the last of {path}"
            result.kept = _keep(shell, cell, capture(shell.shell), f"{where} would start from")
    if result.kept is None:
        raise EngineError(f"the {runtime.engine.name} engine cannot keep a cell to open a shell in it")
    return _finish(scenario, cell, runtime.root, result, duration=round(time.monotonic() - started, 3), xfails=False)


def _run_steps(
    shell: _Masked,
    scenario: Scenario,
    cell: Cell,
    steps: list[Step],
    setup: str,
    result: _Result,
    *,
    keep: bool,
    go_on: bool,
) -> None:
    """Run ``steps`` until one fails. ``keep``: capture the state before each step and keep the cell at the
    first failure. ``go_on`` (update mode): carry on after a step whose output or status differs."""
    boot = shell.start(setup)
    if boot.status != 0:
        raise EngineError(f"could not start bash in the cell: {boot.text.strip() or boot}")
    for step in steps:
        state = _capture(shell) if keep else None
        began = time.monotonic()
        got = shell.run(step.command, scenario.timeout)
        problem = check_step(scenario, cell, step, got, budget=scenario.timeout - (time.monotonic() - began))
        result.steps.append(StepRun(step, got, round(time.monotonic() - began, 3), problem))
        if problem is None:
            continue
        if problem.update is not None:
            result.updates.append(problem.update)
        if result.outcome is Outcome.PASSED:  # the first failure is the cell's
            result.outcome, result.failed_line = Outcome.ERROR if problem.error else Outcome.FAILED, step.line
            result.reason, result.detail = problem.reason, problem.detail
            if state is not None:
                where = f"{display_path(scenario.path)}:{step.line}"
                result.kept = _keep(shell, cell, state, f"the failing command at {where} started from")
                if result.kept is not None:  # said right after the reason, so a long report cannot cut it off
                    first, _, rest = result.detail.partition("\n")
                    result.detail = f"{first}\n{_kept_text(result.kept)}\n{rest}"
        else:
            result.detail += f"\n\n{problem.detail}"
        if result.kept is not None or not (go_on and problem.update is not None and shell.alive):
            # A timeout, a dead shell or a syntax error ends the cell even in update mode; so does keeping
            # it, so the kept place is as the failing command left it.
            return


def _capture(shell: _Masked) -> ShellState | None:
    try:
        return capture(shell.shell)
    except CaptureError:
        return None


def _keep(shell: _Masked, cell: Cell, state: ShellState, seen: str) -> KeptCell | None:
    """Keep the cell; its shell starts from ``state``, says where the maintainer is and names the cell in its
    prompt."""
    text = f"guideproof: cell {cell.id}, in the state {seen} (exit to leave)"
    banner = f"builtin printf '%s\\n' {shlex.quote(text)}\nPS1={shlex.quote(f'[{cell.id}] ')}'\\w\\$ '\n"
    return shell.shell.keep(state.script(interactive=True) + banner)


def _kept_text(kept: KeptCell) -> str:
    return f"kept the cell; open a shell there with:\n  {kept.command}\nremove it with:\n  {kept.remove_command}"


def _finish(
    scenario: Scenario, cell: Cell, root: Path, result: _Result, duration: float, xfails: bool = True
) -> CellRun:
    if xfails:
        _apply_xfail(scenario, cell, result)
    steps_sha256, parts_sha256 = cell_digests(scenario, cell.axis_values)
    record = CellRecord(
        scenario=scenario.name,
        title=scenario.title,
        file=relative(scenario.path, root),
        cell=cell.axis_values,
        tools=dict(cell.tools),
        outcome=result.outcome,
        reason=result.reason,
        duration_s=duration,
        failed_line=result.failed_line,
        versions=result.versions,
        detail=_capped(result.detail),
        link=result.link,
        steps=tuple(_step_record(run) for run in result.steps),
        steps_sha256=steps_sha256,
        parts_sha256=parts_sha256,
        finished=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    )
    return CellRun(record, tuple(result.updates), result.kept)


def _step_record(run: StepRun) -> StepRecord:
    digest = hashlib.sha256(run.result.output).hexdigest()
    output, cut = bounded([line.decode("utf-8", "replace") for line in run.result.lines])
    return StepRecord(run.step.line, run.result.status, run.duration_s, digest, run.shared, output, cut)


def _apply_xfail(scenario: Scenario, cell: Cell, result: _Result) -> None:
    xfail = scenario.xfail_for(cell.axis_values)
    if xfail is None:
        return
    result.link = xfail.link
    if result.outcome is Outcome.FAILED:
        result.outcome = Outcome.XFAILED
        result.detail = f"known failure: {xfail.reason}\n{result.detail}"
        result.reason = f"{xfail.reason} (failed as expected: {result.reason})"
    elif result.outcome is Outcome.PASSED:
        result.outcome = Outcome.XPASSED
        where = f"{display_path(scenario.path)}:{xfail.line}"
        result.reason = f"XPASS(strict): marked as a known failure at {where} ({xfail.reason}) but it passed"
        result.detail = result.reason


def check_step(
    scenario: Scenario, cell: Cell, step: Step, got: CommandResult, budget: float | None = None
) -> StepProblem | None:
    """None when the step's status and output are as expected; else what went wrong. ``budget``: the seconds
    of the step's timeout its command left for matching (None: unbounded)."""
    where = f"{display_path(scenario.path)}:{step.line}"
    shown = "\n".join(f"  $ {line}" if n == 0 else f"  > {line}" for n, line in enumerate(step.command_lines))
    if got.syntax_error:
        reason = f"bash cannot parse the command at {where}"
        return StepProblem(reason, f"{reason} [{cell.id}] (nothing of it ran)\n{shown}\n{got.text.rstrip()}")
    if got.timed_out or got.status is None:
        if got.timed_out:
            reason = f"timed out after {scenario.timeout:g} s at {where}"
        elif got.killed:
            # Not the scenario's doing (an OOM kill, a daemon restart, a kill from outside): an error, never
            # a failure an xfail could turn into a known one.
            reason = f"the cell's shell was ended from outside ({got.killed}) during the command at {where}"
            return StepProblem(reason, f"{reason} [{cell.id}]\n{shown}\n{_tail(got)}", error=True)
        else:
            reason = f"the shell exited (status {got.shell_exit}) during the command at {where}"
        return StepProblem(reason, f"{reason} [{cell.id}]\n{shown}\n{_tail(got)}")

    status_ok = got.status == step.status
    try:
        with deadline(None if budget is None else max(budget, MATCH_FLOOR)):
            matched = _match(step, got) if step.output_checked else None
    except MatchTimeout:
        reason = f"matching the output took longer than the step's timeout ({scenario.timeout:g} s) at {where}"
        hint = "a (re) pattern that backtracks without end? A (glob) or a simpler pattern matches in linear time."
        return StepProblem(reason, f"{reason} [{cell.id}]\n{shown}\n{hint}")
    if status_ok and (matched is None or matched.ok):
        return None

    expected = _expected_lines(step) + ([f"[{step.status}]"] if step.status else [])
    actual = (list(matched.reconciled) if matched else []) + ([f"[{got.status}]"] if got.status else [])
    problems = [] if status_ok else [f"exit status {got.status}, expected {step.status}"]
    if matched is not None and not matched.ok:
        problems.append("output differs")
    reason = f"{'; '.join(problems)} at {where}"
    first = step.line + len(step.command_lines)
    # The first difference lies within the first len(expected) + 1 lines: the diff shows it, and stops
    # DIFF_LINES later (a command that printed a million lines must not make a million-line report).
    shown_expected = expected
    left_out = ""
    if got.omitted and matched is not None and not step.no_output:
        # The middle of the output was left out: the expected lines in its place are not compared, so the diff
        # shows them as one line, facing the output's own note, instead of blaming each of them.
        head, tail = _bounded(got.lines)
        lines = step.output
        if len(lines) > len(head) + len(tail):
            cut = len(lines) - len(tail)
            skipped = f"[... {cut - len(head)} expected lines in the left-out middle, not compared ...]"
            shown_expected = [e.source for e in lines[: len(head)]] + [skipped] + [e.source for e in lines[cut:]]
            shown_expected += expected[len(lines) :]
            note = next(line for line in got.lines if _LEFT_OUT.match(line)).decode("utf-8", "replace")
            actual = [
                *match_output(lines[: len(head)], head).reconciled,
                note,
                *match_output(lines[cut:], tail, got.no_eol).reconciled,
                *actual[len(matched.reconciled) :],
            ]
        left_out = (
            f"note: the middle of the output ({got.omitted} bytes) was left out, so the lines expected there are"
            " not compared"
        )
    shown_actual = actual[: len(shown_expected) + DIFF_LINES]
    body = unified_diff(shown_expected, shown_actual, where, first)
    if len(actual) > len(shown_actual):
        body += f"\n... ({len(actual) - len(shown_actual)} more lines of output not shown)"
    if matched is None:
        body += f"\noutput (unchecked):\n{_tail(got)}"
    notes = [
        f"line {e.line}: the (re) pattern does not compile ({error}), so it matches only itself"
        for e in step.output
        if (error := pattern_error(e))
    ]
    update = Update(str(scenario.path), first, step.end_line, tuple(actual), step.line, step.status, got.status)
    if got.omitted and matched is not None:
        # The middle of the output was left out: it cannot be written back. The expectation keeps the kept
        # head's whole lines and ends in ``...``, which matches the rest; the diff and the summary say so.
        head = _bounded(got.lines)[0]
        kept = [*match_output(step.output[: len(head)], head).reconciled, "..."] if head else ["..."]
        summary = (
            f"the middle of the output ({got.omitted} bytes) was left out: the expectation keeps the first"
            f" {len(head)} lines and ends in '...'"
        )
        status = [f"[{got.status}]"] if got.status else []
        update = Update(
            str(scenario.path), first, step.end_line, (*kept, *status), step.line, step.status, got.status, summary
        )
    said = [f"{reason} [{cell.id}]", *([left_out] if left_out else []), shown, body, *notes]
    return StepProblem(reason, "\n".join(said), update)


_LEFT_OUT = re.compile(rb"\[\.\.\. \d+ bytes of output left out here \(sha256 [0-9a-f]+\):")


def _bounded(lines: list[bytes]) -> tuple[list[bytes], list[bytes]]:
    """The whole lines kept before and after the left-out middle of a bounded output (the lines cut in
    two at its edges are left out too)."""
    at = next((i for i, line in enumerate(lines) if _LEFT_OUT.match(line)), None)
    if at is None:
        return lines, []
    return lines[: max(at - 1, 0)], lines[at + 2 :]


def _expected_lines(step: Step) -> list[str]:
    return [NO_OUTPUT] if step.no_output else [e.source for e in step.output]


def _match(step: Step, got: CommandResult) -> Match:
    if step.no_output:
        if not got.output:
            return Match(True, [NO_OUTPUT])
        return Match(False, match_output((), got.lines, got.no_eol).reconciled)
    matched = match_output(step.output, got.lines, got.no_eol)
    if not matched.ok and got.omitted:
        # The middle was left out: an expectation of the whole output matches when its first lines match the
        # kept head and its last lines the kept tail; what it expects in between is not compared.
        head, tail = _bounded(got.lines)
        expected = step.output
        if (
            len(expected) >= len(head) + len(tail)
            and match_output(expected[: len(head)], head).ok
            and match_output(expected[len(expected) - len(tail) :], tail, got.no_eol).ok
        ):
            return Match(True, [e.source for e in expected])
    # A checked step whose command printed nothing is written (no output), so an update keeps it checked.
    return matched if matched.reconciled else Match(matched.ok, [NO_OUTPUT])


def _capped(detail: str) -> str:
    if len(detail) <= DETAIL_CAP:
        return detail
    return detail[:DETAIL_CAP] + f"\n... (report cut: {len(detail) - DETAIL_CAP} more characters)"


def _tail(got: CommandResult) -> str:
    lines = [visible(line.decode("utf-8", "replace")) for line in got.lines]
    if not lines:
        return "(no output)"
    cut = lines[-TAIL_LINES:]
    more = f"... ({len(lines) - len(cut)} earlier lines)\n" if len(lines) > len(cut) else ""
    return more + "\n".join(cut) + (" (no-eol)" if got.no_eol else "")


def _check_tool_versions(cell: Cell, result: _Result) -> None:
    """A pinned tool the probe saw must be the pinned version: else the scenario installed it some other way."""
    for tool, wanted in cell.tools:
        seen = result.versions.get(tool)
        if seen and _same_version(seen, wanted):
            continue
        if seen:
            result.outcome = Outcome.ERROR
            result.reason = (
                f"--tool asked for {tool} {wanted} (pinned through PIP_CONSTRAINT/UV_CONSTRAINT) but the cell ran"
                f" {tool} {seen}: the scenario installs {tool} in a way the pin does not reach"
            )
            result.detail = result.reason


def _same_version(a: str, b: str) -> bool:
    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a == b


def _versions(shell: _Masked, probe: str) -> dict[str, str]:
    got = shell.run_aside(probe, VERSION_PROBE_TIMEOUT)  # a guideproof command: unchecked, leaves $? alone
    versions = {}
    for line in got.text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() and value.strip():
            versions[key.strip()] = value.strip()
    return versions
