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


def test_guideproofs_exit_trap_is_not_part_of_the_state(tmp_path):
    with _shell(tmp_path) as shell:
        shell.start()
        assert "__gp_exit" in shell.run("trap -p EXIT", 10).text  # the shell's own, to tell exit from a kill
        assert "__gp_exit" not in capture(shell).script()
        shell.run("trap 'echo bye' EXIT", 10)
        assert "trap -- 'echo bye' EXIT" in capture(shell).script()


def test_interactive_script_leaves_terminal_options_alone(tmp_path):
    with _shell(tmp_path) as shell:
        shell.start()
        state = capture(shell)
    # Every cell's bash is interactive: restoring ``set +o emacs`` there would reset its input and end it.
    assert "set +o history" not in state.script() and "set +o emacs" not in state.script()
    assert "set +o history" not in state.script(interactive=True)
    assert "login_shell" not in state.script()


# What a restored shell must also carry for a shared prefix (issue 17): the directory stack, the arguments,
# remembered command paths, variables the prefix unset, and the $? and $_ its last step left.
MORE_STEPS = [
    "mkdir -p a b && pushd a >/dev/null && pushd /tmp >/dev/null && popd >/dev/null",
    "set -- one 'two words' three; declare -r fixed=yes",
    "hash -p /bin/echo remembered; unset PS4 OPTERR",
    "test -e nothing-here",
]
MORE_CHECK = 'echo "$? $_"; echo "$# $2 $fixed ${PS4-no PS4} $(dirs -p | wc -l)"; remembered hashed'
MORE_EXPECTED = b"1 nothing-here\n3 two words yes no PS4 2\nhashed\n"


def test_stack_arguments_hash_unset_variables_and_the_last_status_come_back(tmp_path):
    with _shell(tmp_path) as first:
        assert first.start().status == 0
        for step in MORE_STEPS:
            first.run(step, 10)
        state = capture(first)
        assert first.run(MORE_CHECK, 10).output == MORE_EXPECTED
    with _shell(tmp_path) as second:
        assert second.start().status == 0
        assert second.run(MORE_CHECK, 10).output != MORE_EXPECTED  # a new shell is not the old one...
        assert second.run_aside(state.script(), 10).status == 0
        assert second.run(MORE_CHECK, 10).output == MORE_EXPECTED  # ...until the state is restored


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
        assert shell.run('echo "$? $_"', 10).output == b"1 nothing-here\n"
