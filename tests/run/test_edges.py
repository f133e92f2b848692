"""The transcript engine at its edges (issue 15): one regression test per defect, on the local engine."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from guideproof.errors import FileError
from guideproof.run.match import match_output
from guideproof.scenario.model import Expected
from guideproof.scenario.parser import load
from guideproof.scenario.write import apply_updates

# Output lines that read as something else when written back as they are.
TRICKY = [
    b"$ not a command",
    b"> not a continuation",
    b"$",
    b">",
    b"50%\r100%",
    b"form\x0cfeed",
    b"vertical\x0btab",
    b"next\x85line\xe2\x80\xa8separator",
    b"...",
    b"[3]",
    b"diff (re)",
    b"x (glob)",
    b"(no output)",
    b"\xff\xfe not UTF-8",
    b"tab\there",
    b"",
    b"  indented",
    b"trailing ",
]


def printf(data: bytes) -> str:
    """A command printing exactly ``data``."""
    return "printf '" + "".join(f"\\x{b:02x}" for b in data) + "'"


def update_and_rerun(path: Path, run_cells) -> tuple[list, list]:
    """Run, apply the proposed updates, run again: (first runs, second runs)."""
    first = run_cells(path)
    apply_updates([u for r in first for u in r.updates])
    return first, run_cells(path)


# 1. --update-expected writes output back in a form that reads back as exactly that output, and converges.
def test_update_writes_output_that_reads_back_exactly(write_scenario, run_cells, matrix):
    data = b"\n".join(TRICKY) + b"\n"
    path = write_scenario(f"  $ {printf(data)}\n  wrong\n\nA note below the step.\n")
    first, second = update_and_rerun(path, run_cells)
    assert first[0].record.outcome == "failed"
    assert second[0].record.outcome == "passed", second[0].record.detail
    scenario = load(path, path.parent, matrix)
    assert len(scenario.all_steps()) == 1  # no output line became a command
    assert [e.data for e in scenario.all_steps()[0].output] == TRICKY
    assert path.read_text().endswith("\nA note below the step.\n")  # the prose below is untouched
    text = path.read_text()
    third = run_cells(path)
    assert not [u for r in third for u in r.updates]  # a second update changes nothing
    assert path.read_text() == text


def test_update_of_output_without_final_newline_converges(write_scenario, run_cells):
    command = printf(b"one\ntwo")
    path = write_scenario(f"  $ {command}\n  one\n  two\n", dedent=False)
    first, second = update_and_rerun(path, run_cells)
    assert first[0].record.outcome == "failed"  # the missing newline is a difference
    assert second[0].record.outcome == "passed", second[0].record.detail
    assert path.read_text().endswith("  one\n  two (no-eol)\n")


# 2. Lines are split at \n only: every other character belongs to its line.
@pytest.mark.parametrize("char", ["\x0c", "\x0b", "\x85", "\u2028", "\u2029", "\r", "\x1c"])
def test_only_newline_ends_a_line(write_scenario, matrix, char):
    path = write_scenario(f"  $ cmd\n  before{char}after\n  $ next\n  [1]\n", dedent=False)
    scenario = load(path, path.parent, matrix)
    first, second = scenario.all_steps()
    assert [e.text for e in first.output] == [f"before{char}after"]
    assert (second.line, second.status_line) == (6, 7)  # the numbers of later lines do not shift


def test_update_replaces_the_wrong_line_not_the_prose_below(write_scenario, run_cells):
    path = write_scenario("  $ echo right\n  wro\x0cng\nProse below.\n  $ true\n", dedent=False)
    first, second = update_and_rerun(path, run_cells)
    assert second[0].record.outcome == "passed", second[0].record.detail
    assert path.read_text().endswith("  $ echo right\n  right\nProse below.\n  $ true\n")


def test_windows_line_ends_are_rejected_with_the_fix(write_scenario, matrix):
    path = write_scenario("  $ echo hi\r\n  hi\r\n", dedent=False)
    with pytest.raises(FileError, match=r"demo.scenario:4: .*\\r\\n.*\(esc\)"):
        load(path, path.parent, matrix)


# 3. A command bash cannot parse fails at once with bash's message about the scenario's command.
@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("echo 'unclosed", "unexpected EOF while looking for matching `''"),
        ("cat <<EOF\n  > body", "here-document at line 1 delimited by end-of-file (wanted `EOF')"),
        ("echo continued \\", "bash: line 1: the command ends in a backslash"),
        ("{ echo open", "bash: line 2: syntax error: unexpected end of file"),
        ("echo stray; }", "bash: line 1: `echo stray; }'"),
    ],
)
def test_unparsable_command_fails_at_once(write_scenario, run, command, message):
    path = write_scenario(
        f"  $ true\n  $ {command}\n  $ echo after\n", header='title = "T"\ntimeout = 20', dedent=False
    )
    record = run(path)
    assert record.outcome == "failed"
    assert record.failed_line == 6
    assert record.reason.startswith("bash cannot parse the command at "), record.reason
    assert "timed out" not in record.detail
    assert message in record.detail


def test_syntax_error_line_numbers_do_not_depend_on_earlier_commands(write_scenario, run):
    messages = []
    for before in (0, 5):
        body = "  $ true\n" * before + "  $ echo a\n  > echo b; }\n"
        path = write_scenario(body, name=f"s{before}.scenario", dedent=False)
        detail = run(path).detail
        messages.append([line for line in detail.splitlines() if line.startswith("bash: line")])
    assert (
        messages[0]
        == messages[1]
        == ["bash: line 2: syntax error near unexpected token `}'", "bash: line 2: `echo b; }'"]
    )


# 4. ">" and "$" alone after a command are output lines, not an empty continuation or command.
def test_bare_prompt_characters_are_output(write_scenario, run, matrix):
    path = write_scenario("  $ echo '>'\n  >\n  $ echo '$'\n  $\n", dedent=False)
    steps = load(path, path.parent, matrix).all_steps()
    assert [(s.command, [e.text for e in s.output]) for s in steps] == [("echo '>'", [">"]), ("echo '$'", ["$"])]
    assert run(path).outcome == "passed"
    wrong = write_scenario("  $ echo '<'\n  >\n", name="wrong.scenario", dedent=False)
    assert run(wrong).outcome == "failed"  # the line is checked, not swallowed


def test_stripped_empty_continuation_is_pointed_out(write_scenario, matrix):
    path = write_scenario("  $ cat <<EOF\n  > one\n  >\n  > three\n  > EOF\n", dedent=False)
    with pytest.raises(FileError, match=r"demo.scenario:7: .*'  > ' with a space"):
        load(path, path.parent, matrix)


# 5. A line ending in " (re)" or " (glob)" that matches literally matches; the pattern is tried after.
def test_marker_lines_match_literally_first(write_scenario, run):
    path = write_scenario(
        """
        Marked lines a user means literally.
          $ echo 'a[b (re)'; echo 'diff --git a/x (glob)'; echo axb; echo 'yes it is'
          a[b (re)
          diff --git a/x (glob)
          a.b (re)
          yes * (glob)
        """
    )
    assert run(path).outcome == "passed"
    wrong = write_scenario("  $ echo zzz\n  a[b (re)\n", name="wrong.scenario", dedent=False)
    record = run(wrong)
    assert record.outcome == "failed"
    assert "does not compile" in record.detail  # the pattern's problem is named


# 6. Matching is near-linear: 3,000 expected lines need neither a table of 9 million cells nor seconds.
@pytest.mark.parametrize("changed", [None, 1500])
def test_matching_3000_lines_stays_small(changed):
    expected = [Expected("literal", f"line {i}", i) for i in range(3000)]
    actual = [f"line {i}".encode() for i in range(3000)]
    if changed is not None:
        actual[changed] = b"changed"
    tracemalloc.start()
    try:
        result = match_output(expected, actual)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.ok is (changed is None)
    assert peak < 20_000_000, f"peak {peak / 1e6:.0f} MB"
