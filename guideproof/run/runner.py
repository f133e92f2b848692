"""Run one cell of one scenario on an engine and describe what happened."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from packaging.version import InvalidVersion, Version

from guideproof.engines.base import CellLabels, Engine
from guideproof.engines.shell import CommandResult, Shell
from guideproof.errors import EngineError
from guideproof.matrix.cells import Cell
from guideproof.run.match import match_output, unified_diff
from guideproof.run.requirements import Requirements
from guideproof.scenario.model import Scenario, Step

Outcome = Literal["passed", "failed", "skipped", "xfailed", "xpassed", "error"]
VERSION_PROBE_TIMEOUT = 60.0
TAIL_LINES = 40


@dataclass(frozen=True)
class Update:
    """Replace lines ``start``..``end`` (1-based, inclusive; ``end < start`` inserts) with ``lines``."""

    path: str
    start: int
    end: int
    lines: tuple[str, ...]


@dataclass
class CellResult:
    scenario: Scenario
    cell: Cell
    outcome: Outcome
    reason: str = ""
    duration_s: float = 0.0
    failed_line: int | None = None
    versions: dict[str, str] = field(default_factory=dict)
    detail: str = ""  # the full failure report (diff, output tail)
    link: str | None = None
    update: Update | None = None


def run_cell(
    scenario: Scenario,
    cell: Cell,
    engine: Engine,
    requirements: Requirements,
    run_id: str,
    version_probe: str = "",
    setup: str = "",
) -> CellResult:
    steps = scenario.steps_for(cell.as_dict)
    unmet = requirements.unmet(scenario.requires, steps)
    if unmet:
        return CellResult(scenario, cell, "skipped", reason=unmet)
    started = time.monotonic()
    result = CellResult(scenario, cell, "passed")
    labels = CellLabels(run_id=run_id, scenario=scenario.name, cell=cell.id)
    try:
        with engine.open_cell(cell.platform, labels) as shell:
            boot = shell.start(setup)
            if boot.status != 0:
                raise EngineError(f"could not start bash in the cell: {boot.output.strip() or boot}")
            for step in steps:
                outcome = shell.run(step.command, scenario.timeout)
                problem = _check(scenario, cell, step, outcome)
                if problem:
                    result.outcome = "failed"
                    result.failed_line = step.line
                    result.reason, result.detail, result.update = problem
                    break
            if not shell.closed and shell.proc.poll() is None and version_probe:
                result.versions = _versions(shell, version_probe)
                if result.outcome == "passed":
                    _check_tool_versions(result)
    except EngineError as exc:
        result.outcome, result.reason = "error", str(exc)
    result.duration_s = round(time.monotonic() - started, 3)
    return _apply_xfail(result)


def _apply_xfail(result: CellResult) -> CellResult:
    xfail = result.cell.xfail(result.scenario)
    if xfail is None:
        return result
    result.link = xfail.link
    if result.outcome == "failed":
        result.outcome = "xfailed"
        result.detail = f"known failure: {xfail.reason}\n{result.detail}"
        result.reason = f"{xfail.reason} (failed as expected: {result.reason})"
    elif result.outcome == "passed":
        result.outcome = "xpassed"
        where = f"{display_path(result.scenario.path)}:{xfail.line}"
        result.reason = f"XPASS(strict): marked as a known failure at {where} ({xfail.reason}) but it passed"
        result.detail = result.reason
    return result


def display_path(path: Path) -> str:
    """A scenario's path as the user typed it: relative to the current directory when below it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def _where(scenario: Scenario, step: Step) -> str:
    return f"{display_path(scenario.path)}:{step.line}"


def _check(scenario: Scenario, cell: Cell, step: Step, got: CommandResult) -> tuple[str, str, Update | None] | None:
    where = _where(scenario, step)
    shown = "\n".join(f"  $ {line}" if n == 0 else f"  > {line}" for n, line in enumerate(step.command_lines))
    if got.timed_out:
        reason = f"timed out after {scenario.timeout:g} s at {where}"
        return reason, f"{reason} [{cell.id}]\n{shown}\n{_tail(got.lines)}", None
    if got.status is None:
        reason = f"the shell exited (status {got.shell_exit}) during the command at {where}"
        return reason, f"{reason} [{cell.id}]\n{shown}\n{_tail(got.lines)}", None

    status_ok = got.status == step.status
    matched = match_output(step.output, got.lines) if step.output_checked else None
    if status_ok and (matched is None or matched.ok):
        return None

    expected = [e.source for e in step.output] + ([f"[{step.status}]"] if step.status else [])
    actual = (list(matched.reconciled) if matched else []) + ([f"[{got.status}]"] if got.status else [])
    problems = [] if status_ok else [f"exit status {got.status}, expected {step.status}"]
    if matched is not None and not matched.ok:
        problems.append("output differs")
    reason = f"{'; '.join(problems)} at {where}"
    body = unified_diff(expected, actual, where)
    if matched is None:
        body += f"\noutput (unchecked):\n{_tail(got.lines)}"
    first = step.line + len(step.command_lines)
    return (
        reason,
        f"{reason} [{cell.id}]\n{shown}\n{body}",
        Update(str(scenario.path), first, step.end_line, tuple(actual)),
    )


def _tail(lines: list[str]) -> str:
    if not lines:
        return "(no output)"
    cut = lines[-TAIL_LINES:]
    more = f"... ({len(lines) - len(cut)} earlier lines)\n" if len(lines) > len(cut) else ""
    return more + "\n".join(cut)


def _check_tool_versions(result: CellResult) -> None:
    """A pinned tool the probe saw must be the pinned version: else the scenario installed it some other way."""
    for tool, wanted in result.cell.tools:
        seen = result.versions.get(tool)
        if seen and _same_version(seen, wanted):
            continue
        if seen:
            result.outcome = "error"
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


def _versions(shell: Shell, probe: str) -> dict[str, str]:
    got = shell.run(probe, VERSION_PROBE_TIMEOUT)
    versions = {}
    for line in got.lines:
        key, sep, value = line.partition("=")
        if sep and key.strip() and value.strip():
            versions[key.strip()] = value.strip()
    return versions
