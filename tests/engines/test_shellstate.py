"""Shell state capture: what one shell carries to the next command comes back in another shell."""

from __future__ import annotations

from pathlib import Path

from guideproof.engines.shell import Shell
from guideproof.engines.shellstate import capture

BASH = ["bash", "--noprofile", "--norc"]
STEPS = [
    "mkdir -p sub/dir && cd sub/dir",
    "export FOO=$'two\\nlines' BAR='a b'; unset DROPPED",
    "declare -A table=([k]=v); list=(1 '2 3'); declare -i number=4; plain=kept",
    'f() { echo "f $1"; }; g() { echo g; }; export -f g',
    "shopt -s expand_aliases; alias ll='echo listing'",
    "umask 027",
    "shopt -s extglob; set -o pipefail",
    "trap 'echo bye' EXIT",
    "IFS=:",
    "false",
]
CHECK = (
    'printf "%s|" "$(basename "$PWD")" "$FOO" "$BAR" "${DROPPED-unset}" "${table[k]}" "${list[1]}" "$number"'
    ' "$plain" "$(umask)" "$IFS"; echo; f x; g; bash -c g; ll; shopt -q extglob && echo extglob;'
    " [[ -o pipefail ]] && echo pipefail"
)
EXPECTED = b"dir|two\nlines|a b|unset|v|2 3|4|kept|0027|:|\nf x\ng\ng\nlisting\nextglob\npipefail\n"


def _shell(tmp_path: Path) -> Shell:
    return Shell(BASH, cwd=tmp_path, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "DROPPED": "1"})


def test_state_comes_back_in_a_new_shell(tmp_path):
    with _shell(tmp_path) as first:
        assert first.start().status == 0
        for step in STEPS:
            assert first.run(step, 10).status in (0, 1)
        state = capture(first)
        # The capture runs aside: the next step still sees the last step's $? and $_.
        assert first.run('echo "$? $_"', 10).output == b"1 false\n"
        assert first.run(CHECK, 10).output == EXPECTED
    assert state.cwd is not None and state.cwd.endswith("sub/dir")
    with _shell(tmp_path) as second:
        assert second.start().status == 0
        restored = second.run_aside(state.script(), 10)
        assert restored.status == 0, restored.text
        assert second.run(CHECK, 10).output == EXPECTED


def test_the_harness_exit_trap_is_not_part_of_the_state(tmp_path):
    with _shell(tmp_path) as shell:
        shell.start()
        assert "__HARNESS_" in shell.run("trap -p EXIT", 10).text  # the shell's own, to tell exit from a kill
        assert "__HARNESS_" not in capture(shell).script()
        shell.run("trap 'echo bye' EXIT", 10)
        assert "trap -- 'echo bye' EXIT" in capture(shell).script()


def test_interactive_script_leaves_terminal_options_alone(tmp_path):
    with _shell(tmp_path) as shell:
        shell.start()
        state = capture(shell)
    assert "set +o history" in state.script()
    assert "history" not in state.script(interactive=True)
    assert "login_shell" not in state.script()
