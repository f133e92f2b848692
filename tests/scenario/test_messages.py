"""Issue 28 item 8: messages name the file and line and say what to fix."""

from __future__ import annotations

import pytest

from guideproof.errors import FileError
from guideproof.scenario.parser import load


def error(path, matrix) -> FileError:
    with pytest.raises(FileError) as caught:
        load(path, path.parent, matrix)
    return caught.value


def test_a_hidden_block_closed_inside_an_if_names_both_lines(write_scenario, matrix):
    path = write_scenario("#hidden\n#if platform=host\n#endhidden\n  $ true\n#else\n  $ false\n#endif\n")
    found = error(path, matrix)
    assert "None" not in str(found)
    assert found.line == 8 and "opened before the #if at line 5 was closed inside it" in found.message


def test_a_tab_after_the_prompt_is_named(write_scenario, matrix):
    found = error(write_scenario("  $\techo hi\n  hi\n", dedent=False), matrix)
    assert found.line == 4 and found.message == "a tab after '$': a command line is '  $ ' with a space"


def test_non_utf8_bytes_are_located(tmp_path, matrix):
    path = tmp_path / "bad.scenario"
    path.write_bytes(b"+++\ntitle = 'x'\n+++\n  $ echo caf\xe9\n")
    found = error(path, matrix)
    assert (found.line, found.message) == (4, "not UTF-8 text: byte 0xe9 at column 13 (save the file as UTF-8)")


def test_empty_platforms_and_a_repeated_axis_are_errors(write_scenario, matrix):
    empty = write_scenario("  $ true\n", header="title = 'x'\nplatforms = []", dedent=False)
    assert "'platforms' is empty, so the scenario never runs" in error(empty, matrix).message
    twice = write_scenario("  $ true\n", name="t.scenario", header="title = 'x'\naxes = ['env', 'env']", dedent=False)
    assert error(twice, matrix).message == "axis 'env' is listed twice in 'axes'"
