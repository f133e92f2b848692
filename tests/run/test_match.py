"""Matching: each mechanism accepts what it should, and a wrong expectation fails with a readable diff."""

from __future__ import annotations

import pytest

from guideproof.run.match import match_output, unified_diff
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
    assert match_output(expected, actual).ok


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
    result = match_output(expected, actual)
    assert not result.ok
    diff = unified_diff([e.source for e in expected], result.reconciled, "x.scenario:3").splitlines()
    assert diff[0] == "--- expected (x.scenario:3)"
    if minus:
        assert minus in diff
    if plus:
        assert plus in diff


def test_reconciled_keeps_patterns_that_matched():
    expected = [rx(r"v\d+"), lit("stable"), ELLIPSIS, lit("end")]
    result = match_output(expected, ["v12", "changed", "x", "y", "end"])
    assert not result.ok
    assert result.reconciled == [r"v\d+ (re)", "changed", "...", "end"]


SPECIAL = ("...", "x (re)", "[3]", "y (glob)", "$ not a command", "$", "> not a continuation", ">")


def test_escape_literal_round_trips_special_lines():
    for line in SPECIAL:
        escaped = escape_literal(line)
        assert escaped.endswith(" (re)")
        assert match_output([rx(escaped[: -len(" (re)")])], [line]).ok
    assert escape_literal("plain") == "plain"


def test_escaped_lines_read_back_as_output_of_the_step(write_scenario, matrix):
    body = "  $ cmd\n" + "".join(f"  {escape_literal(line)}\n" for line in SPECIAL)
    path = write_scenario(body, dedent=False)
    [step] = load(path, path.parent, matrix).items
    assert isinstance(step, Step) and step.command == "cmd"
    assert match_output(step.output, list(SPECIAL)).ok
    assert not match_output(step.output, [*SPECIAL[:-1], "> other"]).ok  # still an exact match
