"""The maintainer's loop on the local engine: update every failing command in one run, look inside a failed
cell (--keep-failed, nox -s shell), files kept next to a scenario."""

from __future__ import annotations

import subprocess
from pathlib import Path

from guideproof.engines.local import LocalEngine
from guideproof.engines.runid import RunId
from guideproof.plan.cells import cells_for
from guideproof.run.requirements import Requirements
from guideproof.run.runner import Runtime, inspect_cell
from guideproof.scenario.parser import load

STEPS = (
    "  $ export GREETING=hello; unset HOME_SET; mkdir -p deep/er && cd deep\n"
    "  $ echo one\n  two\n"
    "  $ echo three\n  four\n"
)


def enter(kept, commands: str) -> str:
    """Open the kept cell's shell as a maintainer would, typing ``commands`` (no terminal: a pipe)."""
    done = subprocess.run(
        list(kept.argv_for(terminal=False)), input=commands, capture_output=True, text=True, timeout=60, check=False
    )
    return done.stdout


def test_update_mode_goes_on_and_proposes_every_failing_command(write_scenario, run_cells):
    path = write_scenario(STEPS, dedent=False)
    [stops] = run_cells(path)
    assert [u.start for u in stops.updates] == [6]  # without update mode the cell stops at the first failure
    [goes_on] = run_cells(path, options={"update_expected": True})
    assert [(u.start, u.lines) for u in goes_on.updates] == [(6, ("one",)), (8, ("three",))]
    assert goes_on.record.failed_line == 5  # the cell's failure is still its first
    assert "output differs at" in goes_on.record.detail.split("\n\n")[1]  # and the report shows both


def test_keep_failed_prints_one_command_that_opens_the_failing_step_state(write_scenario, run_cells):
    path = write_scenario(STEPS, dedent=False)
    [run] = run_cells(path, options={"keep_failed": True})
    kept = run.kept
    assert kept is not None
    try:
        assert f"open a shell there with:\n  {kept.command}\n" in run.record.detail
        out = enter(kept, 'echo "$GREETING from $(basename "$PWD")"; test -d er && echo kept-files\nexit\n')
        assert "state the failing command at" in out
        assert "hello from deep" in out
        assert "kept-files" in out
    finally:
        subprocess.run(list(kept.remove_argv), check=True)
    assert not Path(kept.argv[-2]).exists()  # the remove command removes it


def test_passing_cell_is_not_kept(write_scenario, run_cells):
    path = write_scenario("  $ true\n", dedent=False)
    [run] = run_cells(path, options={"keep_failed": True})
    assert run.record.outcome == "passed" and run.kept is None


def test_inspect_runs_up_to_a_line_and_keeps_the_shell(write_scenario, matrix):
    path = write_scenario(STEPS + "  $ cd er\n", dedent=False)
    scenario = load(path, path.parent, matrix)
    [cell] = cells_for(scenario, matrix, [matrix.platform("host")])
    engine = LocalEngine()
    runtime = Runtime(matrix, engine, Requirements(matrix, engine, False, lambda url: None), RunId.new("test"))
    run = inspect_cell(scenario, cell, runtime, until=5)  # before the first check: no failure yet
    assert run.kept is not None and run.record.outcome == "passed"
    try:
        out = enter(run.kept, 'echo "$GREETING in $(basename "$PWD")"\nexit\n')
        assert "would start from" in out and "hello in deep" in out
    finally:
        subprocess.run(list(run.kept.remove_argv), check=True)
    failing = inspect_cell(scenario, cell, runtime)  # to the end: it stops at the first failing command
    assert failing.record.failed_line == 5
    subprocess.run(list(failing.kept.remove_argv), check=True)


def test_files_next_to_the_scenario_are_copied_in(write_scenario, run):
    path = write_scenario(
        "  $ cat data/fixture.txt\n  from a file\n  $ ./tool.sh\n  ran\n  $ echo more >> data/fixture.txt\n",
        dedent=False,
    )
    files = path.with_suffix(".files")
    (files / "data").mkdir(parents=True)
    (files / "data" / "fixture.txt").write_text("from a file\n")
    (files / "tool.sh").write_text("#!/bin/sh\necho ran\n")
    (files / "tool.sh").chmod(0o755)
    record = run(path)
    assert record.outcome == "passed", record.detail
    assert (files / "data" / "fixture.txt").read_text() == "from a file\n"  # copied, never mounted
