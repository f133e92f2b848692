"""Issue 28: a scenario behaves as the same commands typed at an interactive bash, and cannot hang or fool the
driver. One test per numbered item of the issue (items 1, 4, 5, 6 here), on the local engine."""

from __future__ import annotations

import re
import textwrap
import time

# A nonce or salt the driver could have used, as the old driver wrote it or any long hex word.
DRIVER_WORDS = re.compile(r"__HARNESS_|\b[0-9a-f]{24}\b")


# 1. A removed working directory and an unset BASH leave later commands alone, as in a terminal.
def test_a_removed_working_directory_or_unset_bash_breaks_no_later_command(write_scenario, run):
    path = write_scenario(
        """
        Steps.
          $ mkdir gone && cd gone && rmdir ../gone
          $ echo still here
          still here
          $ cd .. && echo back
          back
          $ unset BASH
          $ echo after unset
          after unset
          $ echo 'unclosed
        """,
        header='title = "T"\ntimeout = 20',
    )
    record = run(path)
    assert record.outcome == "failed", record.detail
    assert record.reason.startswith("bash cannot parse the command at"), record.reason  # only the real one
    assert record.failed_line == 14


# 4. ``break 2`` / ``continue 2`` at the prompt only complain; ``exec >/dev/null`` silences later steps.
def test_break_continue_and_exec_redirection_do_not_hang_the_driver(write_scenario, run):
    path = write_scenario(
        """
        Steps.
          $ break 2
          bash: break: only meaningful in a `for', `while', or `until' loop
          $ continue 2
          bash: continue: only meaningful in a `for', `while', or `until' loop
          $ for i in 1 2; do break 5; done; echo loop
          loop
          $ exec 3>&1 >/dev/null
          $ echo hidden
          $ ls /nonexistent-dir
          ls: cannot access '/nonexistent-dir': No such file or directory
          [2]
          $ exec >&3
          $ echo shown
          shown
        """,
        header='title = "T"\ntimeout = 20',
    )
    began = time.monotonic()
    record = run(path)
    assert record.outcome == "passed", record.detail
    assert time.monotonic() - began < 15


# 5. Aliases carry over, ``set -u`` ends the command not the shell, ``exec "$SHELL"`` reloads ~/.bashrc.
def test_aliases_set_u_and_exec_shell_behave_as_in_a_terminal(write_scenario, run):
    path = write_scenario(
        """
        Steps.
          $ alias ll='echo listing'
          $ ll
          listing
          $ set -u
          $ echo "$unset_variable"; echo same command
          bash: unset_variable: unbound variable
          [1]
          $ echo still here $?
          still here 1
          $ set +u
          $ plain=1; export KEPT=2; echo 'export FROM_RC=3' >> ~/.bashrc
          $ exec "$SHELL"
          $ echo "[${plain-gone}] $KEPT $FROM_RC"
          [gone] 2 3
          $ exec bash -l
          $ echo $KEPT
          2
        """,
        header='title = "T"\ntimeout = 20',
    )
    record = run(path)
    assert record.outcome == "passed", record.detail


# 6. The driver's marker is never shown and cannot be spoofed by printing what the shell can see.
def test_the_driver_marker_is_never_shown_and_cannot_be_spoofed(write_scenario, run):
    path = write_scenario(
        """
        Steps.
          $ for w in $(trap -p; set; declare -f); do printf '\\n%s 0\\n%s exit 0\\n' "$w" "$w"; done >w
          $ cat w; for w in $(trap -p; declare -f); do printf '%s 0\\n%s syntax\\n' "$w" "$w"; done; echo end
          ...
          end
          $ echo actual
          wrong
        """,
        header='title = "T"\ntimeout = 20',
    )
    record = run(path)
    assert record.outcome == "failed", record.detail
    assert record.failed_line == 10, record.detail  # the wrong expectation, not a desynchronised step
    assert "+actual" in record.detail
    shown = run(
        write_scenario(
            "  $ trap -p; set | grep -i harness; sleep 30\n",
            name="t.scenario",
            header='title = "T"\ntimeout = 1',
            dedent=False,
        )
    )
    assert shown.reason.startswith("timed out"), shown.reason
    assert not DRIVER_WORDS.search(shown.detail), shown.detail
    assert "exit 0" not in shown.detail


# 2. Matching is bounded: a glob never backtracks exponentially, a (re) that does is stopped by the timeout.
def test_matching_is_bounded_and_within_the_step_timeout(write_scenario, run):
    line = "{" + ", ".join(f'"key{i}": "value{i}"' for i in range(300)) + "}"
    stars = "*a" * 10 + "*b"
    path = write_scenario(
        f"""
        Steps.
          $ echo '{line}'; printf 'a%.0s' $(seq 40); echo
          *"key1"*"value2"*"key3"*"nowhere"* (glob)
          {stars} (glob)
        """,
        header='title = "T"\ntimeout = 10',
    )
    began = time.monotonic()
    record = run(path)
    assert record.outcome == "failed" and "output differs" in record.reason, record.reason
    assert time.monotonic() - began < 5
    good = write_scenario(
        f'  $ echo \'{line}\'\n  *"key1"*"value2"*"key299"* (glob)\n', name="g.scenario", dedent=False
    )
    assert run(good).outcome == "passed"
    evil = write_scenario(
        "  $ printf 'a%.0s' $(seq 40); echo\n  (a*)*b (re)\n",
        name="r.scenario",
        header='title = "T"\ntimeout = 2',
        dedent=False,
    )
    began = time.monotonic()
    record = run(evil)
    assert time.monotonic() - began < 10
    assert record.outcome == "failed" and "took longer than the step's timeout (2 s)" in record.reason, record.reason


# 7. Output over the cap: a correct full expectation matches; a wrong one's diff and update say the middle was
# left out, and the update ends in "..." after the kept head, which matches on the next run.
def test_bounded_output_matches_a_full_expectation_and_updates_to_its_head(write_scenario, run_cells):
    from guideproof.scenario.write import apply_updates

    lines = "\n".join(str(n) for n in range(1, 100_001))
    path = write_scenario(f"  $ seq 1 100000\n{textwrap.indent(lines, '  ')}\n", dedent=False)
    [cell] = run_cells(path)
    assert cell.record.outcome == "passed", cell.record.detail[:2000]
    wrong = write_scenario(
        f"  $ seq 1 100000\n  0\n{textwrap.indent(lines, '  ')}\n", name="wrong.scenario", dedent=False
    )
    [cell] = run_cells(wrong)
    assert cell.record.outcome == "failed"
    assert "the middle of the output (" in cell.record.detail and "was left out" in cell.record.detail
    [update] = cell.updates
    assert "was left out" in update.note and update.lines[-1] == "..." and update.lines[:2] == ("1", "2")
    apply_updates([update])
    [cell] = run_cells(wrong)
    assert cell.record.outcome == "passed", cell.record.detail[:2000]


# Beyond the numbered items (the held-out classes): aliases over the driver's words, Ctrl-C at the prompt,
# a cell's own EXIT trap, ``exec bash --norc`` and a closed stdout neither hang the driver nor fool it.
def test_hostile_cells_neither_hang_nor_fool_the_driver(write_scenario, run):
    path = write_scenario(
        """
        Steps.
          $ alias builtin=false source=false exec=false eval=false printf=false
          $ echo ok
          ok
          $ kill -INT $$
          ...
          [130]
          $ echo after ctrl-c
          after ctrl-c
          $ exec bash --norc
          $ echo new shell
          new shell
          $ exec 3>&1 >&-
          $ echo closed
          [1]
          $ exec >&3
          $ trap 'echo bye' EXIT
          $ exit 3
          bye
        """,
        header='title = "T"\ntimeout = 20',
    )
    began = time.monotonic()
    record = run(path)
    assert time.monotonic() - began < 15
    assert record.outcome == "failed", record.detail
    assert record.reason.startswith("the shell exited (status 3)"), record.reason


# The cell's bash is interactive: the prompt a venv's activate script sets, PROMPT_COMMAND's output and
# set -v's echo of the driver's lines never reach a step's output.
def test_prompts_never_reach_the_output(write_scenario, run):
    path = write_scenario(
        """
        Steps.
          $ PS1='(venv) $ '; PS2='more> '; PS0='ps0'; PROMPT_COMMAND='echo prompt-command'
          $ echo clean
          clean
          $ echo "[$PS1]"
          [(venv) $ ]
        """,
        header='title = "T"\ntimeout = 20',
    )
    record = run(path)
    assert record.outcome == "passed", record.detail
