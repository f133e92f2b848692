"""Mutation runs on the local engine: a step whose claim nothing checks survives its mutants; the same step
with a real expectation, or whose effect a later step checks, kills them; #setup steps are left alone."""

from __future__ import annotations

from pathlib import Path

from guideproof.engines.local import LocalEngine
from guideproof.engines.runid import RunId
from guideproof.results.mutants import load_mutants, render_text, write_mutants
from guideproof.run.mutants import MutationOptions, mutated, mutation_run
from guideproof.run.requirements import Requirements
from guideproof.run.runner import Runtime
from guideproof.scenario.parser import load


def _mutate(path: Path, matrix):
    scenario = load(path, path.parent, matrix)
    engine = LocalEngine()
    runtime = Runtime(matrix, engine, Requirements(matrix, engine, False), RunId.new("test"), root=path.parent)
    options = MutationOptions(now=lambda: "2026-12-06T01:00:00+00:00")
    return mutation_run([scenario], [matrix.platform("host")], runtime, options)


def _outcomes(run, line: int) -> dict[str, str]:
    (step,) = [s for s in run.scenarios[0].steps if s.line == line]
    return {m.mutation: m.outcome for m in step.mutants}


UNCHECKED = """
  $ echo made > claim.txt
  $ cat claim.txt
  ...
"""
CHECKED = """
  $ echo made > claim.txt
  $ cat claim.txt
  made
"""


def test_an_ellipsis_only_step_survives_and_a_real_expectation_kills(write_scenario, matrix):
    weak = _mutate(write_scenario(UNCHECKED.lstrip("\n"), name="weak.scenario", dedent=False), matrix)
    assert not weak.scenarios[0].not_run
    # line 5: the `cat` whose `...` accepts anything, even nothing, and whose exit status 0 `true` gives too
    assert _outcomes(weak, 5) == {"true": "survived", "silent": "survived"}
    # line 4 writes the file: without it the `cat` exits 1, which its expected status 0 catches
    assert _outcomes(weak, 4) == {"true": "killed", "silent": "survived"}
    assert weak.checked == 1 and weak.summary() == "1 of 2 steps checked, mutation run 2026-12-06"
    report = render_text(weak)
    assert "weak.scenario:4" not in report, "a step one mutant killed is checked"
    assert "weak.scenario:5: unchecked: 'true', 'silent' survived: $ cat claim.txt" in report

    strong = _mutate(write_scenario(CHECKED.lstrip("\n"), name="strong.scenario", dedent=False), matrix)
    assert _outcomes(strong, 5) == {"true": "killed", "silent": "killed"}
    # the file's writer is checked through the `cat` after it: its `true` mutant fails there (line 5)
    (writer,) = [s for s in strong.scenarios[0].steps if s.line == 4]
    true_mutant = next(m for m in writer.mutants if m.mutation == "true")
    assert (true_mutant.outcome, true_mutant.by, true_mutant.ran) == ("killed", 5, True)
    assert {m.mutation: m.outcome for m in writer.mutants}["silent"] == "survived", "its own output is unchecked"
    assert strong.checked == 2 and strong.summary().startswith("2 of 2 steps checked")


def test_setup_steps_are_not_mutated_and_carry_their_reason(write_scenario, matrix, tmp_path):
    body = "#setup makes the file the next step reads\n" + CHECKED.lstrip("\n")
    run = _mutate(write_scenario(body, dedent=False), matrix)
    setup = run.scenarios[0].steps[0]
    assert (setup.setup, setup.mutants) == ("makes the file the next step reads", ())
    assert len(run.steps) == 1 and run.mutants == 2
    path = tmp_path / "mutants.json"
    write_mutants(path, run)
    assert load_mutants(path) == run, "the results file round-trips"
    assert "demo.scenario:5: setup (makes the file the next step reads)" in render_text(run)


def test_a_cell_that_fails_unmutated_is_not_mutated(write_scenario, matrix):
    run = _mutate(write_scenario("  $ echo actual\n  expected\n", dedent=False), matrix)
    assert run.scenarios[0].not_run.startswith("the cell did not pass unmutated: output differs")
    assert run.steps == []


def test_the_silent_mutation_keeps_effects_and_here_documents(write_scenario, matrix):
    body = "  $ cat > f <<'EOF'\n  > text\n  > EOF\n  $ cat f\n  text\n"
    path = write_scenario(body, dedent=False)
    parsed = load(path, path.parent, matrix)
    step = parsed.all_steps()[0]
    silent = mutated(step, "silent").command
    assert silent.endswith("EOF\n} >/dev/null 2>&1; true")
    run = _mutate(path, matrix)
    assert _outcomes(run, 4) == {"true": "killed", "silent": "survived"}


def test_a_long_run_leaves_each_scenario_it_finished(write_scenario, matrix):
    paths = [write_scenario(CHECKED.lstrip("\n"), name=f"s{n}.scenario", dedent=False) for n in (1, 2)]
    engine = LocalEngine()
    runtime = Runtime(matrix, engine, Requirements(matrix, engine, False), RunId.new("test"), root=paths[0].parent)
    seen = []
    options = MutationOptions(partial=seen.append)
    run = mutation_run([load(p, p.parent, matrix) for p in paths], [matrix.platform("host")], runtime, options)
    assert [len(r.scenarios) for r in seen] == [1] and not seen[0].complete
    assert "(partial: stopped after 1 scenarios)" in seen[0].summary()
    assert run.complete and len(run.scenarios) == 2


def test_a_step_that_survives_in_one_cell_is_tried_where_a_later_step_uses_it(write_scenario, matrix):
    body = '  $ export GREETING=hi\n#if env=uv\n  $ echo "$GREETING"\n  hi\n#endif\n'
    run = _mutate(write_scenario(body, header='title = "Demo"\naxes = ["env"]', dedent=False), matrix)
    assert run.scenarios[0].cells == "host-venv, host-uv", "venv-copies runs no step the others do not"
    (export,) = [s for s in run.scenarios[0].steps if s.line == 5]
    true_mutant = next(m for m in export.mutants if m.mutation == "true")
    assert (true_mutant.outcome, true_mutant.cell, true_mutant.by) == ("killed", "host-uv", 7)
    assert export.checked


def test_the_command_fails_while_a_step_is_unchecked(tmp_path):
    from guideproof.cli import main

    (tmp_path / "matrix.toml").write_text('[platforms.host]\nlabel = "host"\nkind = "host"\n')
    scenario = tmp_path / "t.scenario"
    scenario.write_text('+++\ntitle = "t"\n+++\n  $ echo made > f\n  $ cat f\n  ...\n')
    out = tmp_path / "out.json"
    assert main(["mutants", str(scenario), "--engine", "local", "--results", str(out)]) == 1
    scenario.write_text('+++\ntitle = "t"\n+++\n  $ echo made > f\n  $ cat f\n  made\n')
    assert main(["mutants", str(scenario), "--engine", "local", "--results", str(out)]) == 0
    assert load_mutants(out).summary().startswith("2 of 2 steps checked")
