"""Matching: each mechanism accepts what it should, and a wrong expectation fails with a readable diff."""

from __future__ import annotations

import pytest

from guideproof.run.match import LEGEND, match_output, unified_diff
from guideproof.scenario.model import Expected, Step
from guideproof.scenario.parser import load
from guideproof.scenario.write import escape_literal


def lit(text: str) -> Expected:
    return Expected("literal", text, 1)


def rx(text: str) -> Expected:
    return Expected("re", text, 1)


def gl(text: str) -> Expected:
    return Expected("glob", text, 1)


ELLIPSIS = Expected("ellipsis", "", 1)


@pytest.mark.parametrize(
    ("expected", "actual"),
    [
        ([lit("hello")], ["hello"]),
        ([lit("a"), ELLIPSIS, lit("z")], ["a", "b", "c", "z"]),
        ([lit("a"), ELLIPSIS, lit("z")], ["a", "z"]),  # ... also matches no line
        ([ELLIPSIS], []),
        ([rx(r"Python 3\.\d+\.\d+")], ["Python 3.11.2"]),
        ([gl("Successfully installed six-*")], ["Successfully installed six-1.16.0"]),
        ([gl("a?c")], ["abc"]),
        ([gl("[x]")], ["[x]"]),  # brackets are literal in globs
        ([lit("")], [""]),
    ],
)
def test_matches(expected, actual):
    assert match_output(expected, [line.encode() for line in actual]).ok


@pytest.mark.parametrize(
    ("expected", "actual", "minus", "plus"),
    [
        ([lit("hello")], ["goodbye"], "-hello", "+goodbye"),
        ([lit("a"), ELLIPSIS, lit("z")], ["a", "b", "y"], "-z", "+y"),
        ([rx(r"Python 3\.\d+")], ["Python 2.7"], r"-Python 3\.\d+ (re)", "+Python 2.7"),
        ([rx(r"abc")], ["abcd"], "-abc (re)", "+abcd"),  # a regex must match the whole line
        ([gl("six-*")], ["numpy-2.0"], "-six-* (glob)", "+numpy-2.0"),
        ([gl("a?c")], ["abbc"], "-a?c (glob)", "+abbc"),
        ([lit("one")], ["one", "two"], None, "+two"),  # extra output is a difference
        ([lit("one"), lit("two")], ["one"], "-two", None),  # missing output too
    ],
)
def test_wrong_expectation_fails_with_diff(expected, actual, minus, plus):
    result = match_output(expected, [line.encode() for line in actual])
    assert not result.ok
    diff = unified_diff([e.source for e in expected], result.reconciled, "x.scenario:3").splitlines()
    assert diff[0] == "--- expected (x.scenario:3)"
    if minus:
        assert minus in diff
    if plus:
        assert plus in diff


def test_reconciled_keeps_patterns_that_matched():
    expected = [rx(r"v\d+"), lit("stable"), ELLIPSIS, lit("end")]
    result = match_output(expected, [b"v12", b"changed", b"x", b"y", b"end"])
    assert not result.ok
    assert result.reconciled == [r"v\d+ (re)", "changed", "...", "end"]


SPECIAL = ("...", "x (re)", "[3]", "y (glob)", "$ not a command", "$", "> not a continuation", ">", "(no output)")


def test_escaped_lines_read_back_as_output_of_the_step(write_scenario, matrix):
    body = "  $ cmd\n" + "".join(f"  {escape_literal(line)}\n" for line in SPECIAL)
    path = write_scenario(body, dedent=False)
    [step] = load(path, path.parent, matrix).items
    assert isinstance(step, Step) and step.command == "cmd"
    assert [e.kind for e in step.output] == ["esc", "esc", "esc", "esc", "esc", "literal", "esc", "literal", "esc"]
    actual = [line.encode() for line in SPECIAL]
    assert match_output(step.output, actual).ok
    assert not match_output(step.output, [*actual[:-1], b"> other"]).ok  # still an exact match


@pytest.mark.parametrize(
    ("expected", "actual", "no_eol", "ok"),
    [
        ([lit("done")], [b"done"], True, False),  # the missing newline is a difference
        ([Expected("literal", "done", 1, no_eol=True)], [b"done"], True, True),
        ([Expected("literal", "done", 1, no_eol=True)], [b"done"], False, False),
        ([lit("a"), ELLIPSIS], [b"a", b"b"], True, True),  # ... takes the last line, newline or not
        ([Expected("glob", "d*", 1, no_eol=True)], [b"done"], True, True),
        ([Expected("esc", "a\\tb", 1)], [b"a\tb"], False, True),
        ([Expected("esc", "a\\tb", 1)], [b"a b"], False, False),
        ([Expected("esc", "\\xff", 1)], [b"\xff"], False, True),
        ([rx("a[b")], [b"a[b (re)"], False, True),  # a marked line matches itself literally first
        ([rx("a[b")], [b"a[b"], False, False),  # ... and a pattern that does not compile matches nothing else
        ([gl("*.txt")], [b"*.txt (glob)"], False, True),
    ],
)
def test_exact_bytes(expected, actual, no_eol, ok):
    assert match_output(expected, actual, no_eol).ok is ok


def test_written_last_line_carries_no_eol():
    result = match_output([lit("x")], [b"a", b"b\tc"], no_eol=True)
    assert result.reconciled == ["a", "b\\tc (esc) (no-eol)"]


def test_diff_numbers_hunks_by_file_line_and_shows_invisible_characters():
    diff = unified_diff(["same", "trailing  ", "tab\there", "more"], ["same", "trailing", "tab", "more"], "x:9", 10)
    assert diff.splitlines() == [
        "--- expected (x:9)",
        "+++ actual",
        "@@ -10,4 +10,4 @@",
        " same",
        "-trailing\u2420\u2420",
        "-tab\u2409here",
        "+trailing",
        "+tab",
        " more",
        LEGEND,
    ]


def test_diff_of_a_late_change_starts_at_its_file_line():
    lines = [f"line {i}" for i in range(20)]
    changed = [*lines[:15], "other", *lines[16:]]
    assert unified_diff(lines, changed, "x:3", 4).splitlines()[2] == "@@ -16,7 +16,7 @@"
