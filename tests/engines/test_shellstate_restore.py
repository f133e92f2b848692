"""Shell state: what one bash carries to its next command comes back in another bash (no Docker needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from guideproof.engines.shell import Shell
from guideproof.engines.shellstate import CaptureError, capture, parse

BASH = ["bash", "--noprofile", "--norc"]
STEPS = [
    "mkdir -p sub/dir other && cd sub/dir && pushd ../../other >/dev/null && pushd /tmp >/dev/null && popd >/dev/null",
    "export FOO=$'two\\nlines' BAR='a b'; unset DROPPED",
    "declare -A table=([k]=v); list=(1 '2 3'); declare -i number=4; plain=kept; declare -r fixed=yes",
    'f() { echo "f $1"; }; g() { echo g; }; export -f g',
    "shopt -s expand_aliases; alias ll='echo listing'",
    "umask 027; set -- one 'two words' three",
    "shopt -s extglob; set -o pipefail",
    "trap 'echo bye' EXIT",
    "hash -p /bin/echo remembered",
    "unset PS4 OPTERR",
    "IFS=:",
]
CHECK = (
    'printf "%s|" "$(basename "$PWD")" "$FOO" "$BAR" "${DROPPED-unset}" "${table[k]}" "${list[1]}" "$number"'
    ' "$plain" "$fixed" "$(umask)" "$#" "$2" "$(dirs -p | wc -l)" "$IFS"; echo;'
    " f x; g; bash -c g; ll; remembered hashed; shopt -q extglob && echo extglob; [[ -o pipefail ]] && echo pipefail;"
    ' trap -p EXIT; echo "${PS4-no PS4}"'
)
EXPECTED = (
    b"other|two\nlines|a b|unset|v|2 3|4|kept|yes|0027|3|two words|2|:|\n"
    b"f x\ng\ng\nlisting\nhashed\nextglob\npipefail\ntrap -- 'echo bye' EXIT\nno PS4\n"
)
LAST = 'echo "after: $? $_"'  # what the last step left: its status and its last argument


def _shell(tmp_path: Path) -> Shell:
    return Shell(BASH, cwd=tmp_path, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "DROPPED": "1"})


def test_state_comes_back_in_a_new_shell(tmp_path):
    with _shell(tmp_path) as first:
        assert first.start().status == 0
        for step in STEPS:
            assert first.run(step, 10).status == 0, step
        assert first.run("test -e nothing-here", 10).status == 1
        state = capture(first)
        assert first.run(LAST, 10).output == b"after: 1 nothing-here\n"  # capturing changed nothing
        assert first.run(CHECK, 10).output == EXPECTED
    assert state.cwd is not None and state.cwd.endswith("other")
    with _shell(tmp_path) as second:
        assert second.start().status == 0
        assert second.run(CHECK, 10).output != EXPECTED  # a new shell is not the old one...
        restored = second.run_aside(state.script(), 10)
        assert restored.status == 0, restored.text
        assert second.run(LAST, 10).output == b"after: 1 nothing-here\n"  # ...until the state is restored
        assert second.run(CHECK, 10).output == EXPECTED


def test_an_answer_that_is_no_capture_is_an_error():
    with pytest.raises(CaptureError):
        parse("bash: something else\n")


def test_a_step_after_set_dashdash_still_runs(tmp_path):
    # The syntax check of each step runs bash with "$@": the scenario's own arguments must not reach it.
    with _shell(tmp_path) as shell:
        assert shell.start().status == 0
        assert shell.run("set -- one 'two words'", 10).status == 0
        got = shell.run('echo "$# $2"', 10)
        assert (got.status, got.output, got.syntax_error) == (0, b"2 two words\n", False)


def test_the_leftovers_probe_runs_aside_and_leaves_the_shell_as_it_was(tmp_path):
    from guideproof.run.shared import LEFTOVERS

    with _shell(tmp_path) as shell:
        assert shell.start().status == 0
        assert shell.run("test -e nothing-here", 10).status == 1
        probe = shell.run_aside(LEFTOVERS, 10)
        assert probe.status == 0 and b"open file descriptors:" in probe.output
        assert shell.run(LAST, 10).output == b"after: 1 nothing-here\n"
        assert shell.run("echo next", 10).output == b"next\n"
