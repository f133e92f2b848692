"""Running cells on the local engine: state, status, timeouts, xfail, skips."""

from __future__ import annotations


def test_state_persists_across_commands(write_scenario, run):
    path = write_scenario(
        """
        A note for maintainers.
          $ export GREETING=hi; mkdir sub; cd sub
          $ echo "$GREETING from $(basename "$PWD")"
          hi from sub
          $ f() { echo "function $1"; }
          $ f kept
          function kept
        """
    )
    result = run(path)
    assert result.outcome == "passed", result.detail
    assert result.versions == {"python": "3.99"}


def test_fresh_home_and_empty_workdir(write_scenario, run):
    path = write_scenario(
        """
        A note for maintainers.
          $ ls -A | wc -l
          0
          $ case "$HOME" in /tmp/*|/var/*) echo temporary;; *) echo "$HOME";; esac
          temporary
          $ test "$(id -u)" != 0 && echo unprivileged
          unprivileged
        """
    )
    assert run(path).outcome == "passed"


def test_stderr_is_captured_in_order(write_scenario, run):
    path = write_scenario(
        """
        A note for maintainers.
          $ echo out; echo err >&2; echo out2
          out
          err
          out2
        """
    )
    assert run(path).outcome == "passed"


def test_first_failure_stops_the_cell_with_diff(write_scenario, run):
    path = write_scenario(
        """
        A note for maintainers.
          $ echo actual
          expected
          $ touch should-not-run
        """
    )
    result = run(path)
    assert result.outcome == "failed"
    assert result.failed_line == 5
    assert "demo.scenario:5" in result.reason
    assert "-expected\n+actual" in result.detail
    assert "  $ echo actual" in result.detail


def test_exit_status_mismatch_fails(write_scenario, run):
    path = write_scenario("  $ exit_status() { return 3; }; exit_status\n  [2]\n", dedent=False)
    result = run(path)
    assert result.outcome == "failed"
    assert "exit status 3, expected 2" in result.reason
    assert "-[2]\n+[3]" in result.detail


def test_unexpected_nonzero_status_fails(write_scenario, run):
    result = run(write_scenario("  $ false\n", dedent=False))
    assert result.outcome == "failed" and "exit status 1, expected 0" in result.reason


def test_timeout_fires_and_fails_cleanly(write_scenario, run):
    path = write_scenario("  $ sleep 60\n", header='title = "T"\ntimeout = 1', dedent=False)
    result = run(path)
    assert result.outcome == "failed"
    assert result.reason.startswith("timed out after 1 s at ")
    assert result.duration_s < 10


def test_exit_in_a_command_is_reported(write_scenario, run):
    result = run(write_scenario("  $ exit 4\n  $ true\n", dedent=False))
    assert result.outcome == "failed"
    assert "the shell exited (status 4)" in result.reason


def test_sudo_is_skipped_on_local_engine(write_scenario, run):
    result = run(write_scenario("  $ sudo true\n", dedent=False))
    assert result.outcome == "skipped"
    assert "never runs privileged commands" in result.reason


def test_unreachable_requirement_skips_with_reason(write_scenario, run):
    path = write_scenario("  $ true\n", header='title = "T"\nrequires = ["pypi"]', dedent=False)
    result = run(path, probe=lambda url: "no route")
    assert result.outcome == "skipped"
    assert "https://pypi.invalid/simple/ is not reachable" in result.reason and "no route" in result.reason
    assert run(path, offline=True).reason.endswith("--offline was given")
    assert run(path).outcome == "passed"


def test_conditionals_run_the_right_branch(write_scenario, run):
    body = """
    #if env=venv
      $ echo venv
      venv
    #else
      $ echo other
      other
    #endif
    """
    path = write_scenario(body, header='title = "T"\naxes = ["env"]')
    results = run(path)
    assert [r.outcome for r in results] == ["passed"] * 3
    wrong = write_scenario(
        body.replace("  other\n", "  venv\n"), name="wrong.scenario", header='title = "T"\naxes = ["env"]'
    )
    assert [r.outcome for r in run(wrong)] == ["passed", "failed", "failed"]


XFAIL = """title = "T"
axes = ["env"]
[[xfail]]
when = { env = "uv" }
reason = "uv differs"
link = "https://example.org/issue/1"
"""


def test_xfail_and_strict_xpass(write_scenario, run):
    failing = write_scenario('  $ test "$CELL" = x\n', header=XFAIL, dedent=False)
    outcomes = {r.cell["env"]: r for r in run(failing)}
    assert outcomes["uv"].outcome == "xfailed" and outcomes["uv"].reason.startswith("uv differs")
    assert outcomes["uv"].link == "https://example.org/issue/1"
    assert outcomes["venv"].outcome == "failed"
    passing = write_scenario("  $ true\n", name="p.scenario", header=XFAIL, dedent=False)
    outcomes = {r.cell["env"]: r for r in run(passing)}
    assert outcomes["uv"].outcome == "xpassed" and "XPASS(strict)" in outcomes["uv"].reason
    assert outcomes["venv"].outcome == "passed"


def test_update_proposal_rewrites_output_in_file_terms(write_scenario, run_cells):
    path = write_scenario("  $ printf 'v1\\nnew\\n'; exit_() { return 2; }; exit_\n  v\\d (re)\n  old\n", dedent=False)
    [result] = run_cells(path)
    [update] = result.updates
    assert (update.start, update.end) == (5, 6)
    assert update.lines == ("v\\d (re)", "new", "[2]")


def test_a_huge_failing_output_makes_a_bounded_report(write_scenario, run):
    # 20 MB of output against one expected line: the report shows the first difference and stays small.
    path = write_scenario("  $ yes | head -n 10000000\n  n\n", dedent=False)
    result = run(path)
    assert result.outcome == "failed"
    assert "-n\n+y" in result.detail and "more lines of output not shown" in result.detail
    assert len(result.detail) < 70_000
