"""A cell shell's state, captured as a bash script that recreates it in another shell.

What a reader's terminal carries from one command to the next: shell and exported variables (with their
attributes: arrays, integers, exports), functions (and which are exported), ``shopt`` and ``set -o``
options, aliases, traps, the umask, the working directory (and ``OLDPWD``), the directory stack, the
positional parameters, the table of remembered command paths (``hash``) and the ``$?`` and ``$_`` the last
step left. Bash's own dynamic and read-only variables (``BASH*``, ``PPID``, ``RANDOM``, ...) and the
guideproof's other ``__gp_*`` names are left out. Processes, open file descriptors and resource limits cannot be
carried: a caller that must reproduce a shell exactly checks those apart (``guideproof/run/shared.py``).

Used by ``--keep-failed`` and ``nox -s shell`` (open an interactive shell where a step ran) and by snapshots
of shared prefixes (restore the shell of a prefix in a new cell). Capturing runs builtins only, through
:meth:`Shell.run_aside`, so the next step still sees the ``$?`` and ``$_`` the last step left.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from guideproof.engines.shell import Shell
from guideproof.errors import EngineError

# Names bash manages itself (read-only, dynamic or reset by every shell) and guideproof's own.
_SKIP = (
    "__gp_*|BASH|BASH_*|BASHOPTS|BASHPID|COMP_*|DIRSTACK|EPOCHREALTIME|EPOCHSECONDS|EUID|FUNCNAME|GROUPS|"
    "HISTCMD|LINENO|OLDPWD|PIPESTATUS|PPID|PWD|RANDOM|SECONDS|SHELLOPTS|SHLVL|SRANDOM|UID|_"
)
_OPTIONS = "#guideproof: options"

# Builtins only (``builtin`` so a scenario's function named ``declare`` cannot get in the way); IFS is set
# for the word splitting here and put back as it was (the variables section records the scenario's IFS).
CAPTURE = f"""\
__gp_ifs_set=${{IFS+1}} __gp_ifs=$IFS; IFS=$' \\t\\n'
builtin printf '#guideproof: exported'
for __gp_v in $(builtin compgen -e); do builtin printf ' %s' "$__gp_v"; done
builtin printf '\\n#guideproof: variables'
for __gp_v in $(builtin compgen -v); do builtin printf ' %s' "$__gp_v"; done
builtin printf '\\n'
for __gp_v in $(builtin compgen -v); do
  case $__gp_v in {_SKIP}|IFS) continue;; esac
  builtin declare -p "$__gp_v"
done
if [[ -n $__gp_ifs_set ]]; then builtin printf 'IFS=%q\\n' "$__gp_ifs"; else builtin printf 'builtin unset IFS\\n'; fi
for __gp_v in $(builtin compgen -A function); do [[ $__gp_v == __gp_* ]] || builtin declare -f "$__gp_v"; done
builtin declare -Fx
builtin alias -p
builtin umask -p
builtin printf 'builtin cd -- %q\\n' "$PWD"
[[ -v OLDPWD ]] && builtin declare -p OLDPWD
builtin printf 'builtin dirs -c\\n'
for (( __gp_i=${{#DIRSTACK[@]}}-1; __gp_i>0; __gp_i-- )); do
  builtin printf 'builtin pushd -n -- %q >/dev/null\\n' "${{DIRSTACK[__gp_i]}}"
done
builtin printf 'builtin set --'
for __gp_v in "$@"; do builtin printf ' %q' "$__gp_v"; done
builtin printf '\\n'
builtin printf 'builtin hash -r\\n'
builtin hash -l 2>/dev/null
[[ -v __gp_s ]] && builtin printf '__gp_s=%q __gp_u=%q\\n' "$__gp_s" "$__gp_u"
builtin trap -p
builtin printf '{_OPTIONS}\\n'
builtin shopt -p
builtin set +o
if [[ -n $__gp_ifs_set ]]; then IFS=$__gp_ifs; else builtin unset IFS; fi
builtin unset __gp_v __gp_i __gp_ifs __gp_ifs_set
"""

# Options that belong to how a shell talks to its terminal, not to the state a step saw.
_INTERACTIVE_ONLY = re.compile(r"set [-+]o (emacs|vi|history|monitor|histexpand|interactive-comments)$")
_NEVER = re.compile(r"shopt -[su] (login_shell|restricted_shell)$")
_EXPORTED = re.compile(r"#guideproof: exported(?P<names>( \S+)*)\n#guideproof: variables(?P<variables>( \S+)*)\n")
_KEEP_EXPORTED = ("PWD", "OLDPWD", "SHLVL", "_")
_OWN_TRAP = re.compile(r"^trap -- '__gp_exit \"\$\?\"' EXIT\n", re.M)


class CaptureError(EngineError):
    """The shell did not answer the capture (it died or timed out)."""


@dataclass(frozen=True)
class ShellState:
    exported: frozenset[str]  # names exported in the shell, so a restore can unset the others
    variables: frozenset[str]  # every variable set in the shell: a restore unsets the others (``unset PS4``)
    body: str  # bash: variables, functions, aliases, umask, cd, directory stack, arguments, hash, traps
    options: tuple[str, ...]  # ``shopt -s x`` / ``set -o y`` lines

    @property
    def cwd(self) -> str | None:
        m = re.search(r"^builtin cd -- (.*)$", self.body, re.M)
        return m.group(1) if m else None

    def script(self, interactive: bool = False) -> str:
        """Bash that recreates this state in a fresh shell (run it at the top level, or use as an rcfile).

        The options that only make sense for a terminal (history, job control, line editing) are left out
        so the shell it runs in (an interactive bash, as every cell's is) keeps its own: ``set +o emacs`` in
        an interactive bash reading a pipe resets its input and ends it. ``interactive`` is kept for callers.
        """
        keep = "|".join(sorted({*self.exported, *_KEEP_EXPORTED}))
        known = "|".join(sorted({*self.variables, *_KEEP_EXPORTED}))
        unset = (
            "for __gp_v in $(builtin compgen -e); do case $__gp_v in "
            f'{keep}) ;; *) builtin unset -v "$__gp_v";; esac; done\n'
            f"for __gp_v in $(builtin compgen -v); do case $__gp_v in {_SKIP}|{known}) ;; "
            '*) builtin unset -v "$__gp_v" 2>/dev/null;; esac; done; builtin unset __gp_v\n'
        )
        options = [line for line in self.options if not _NEVER.match(line) and not _INTERACTIVE_ONLY.match(line)]
        return unset + self.body + "\n".join(options) + "\n"


def parse(output: str) -> ShellState:
    m = _EXPORTED.match(output)
    if m is None or f"\n{_OPTIONS}\n" not in output:
        raise CaptureError(f"unexpected answer to the state capture: {output[:200]!r}")
    body, _, options = output[m.end() :].rpartition(f"{_OPTIONS}\n")
    body = _OWN_TRAP.sub("", body)  # the shell's own EXIT trap (engines/shell.py) is not the cell's state
    names, variables = frozenset(m.group("names").split()), frozenset(m.group("variables").split())
    return ShellState(names, variables, body, tuple(options.splitlines()))


def capture(shell: Shell, timeout: float = 30.0) -> ShellState:
    """The state of ``shell`` now; the next step still sees the ``$?`` and ``$_`` the last step left."""
    got = shell.run_aside(CAPTURE, timeout)
    if got.status != 0:
        raise CaptureError(f"the state capture failed (status {got.status}): {got.text[-500:]}")
    return parse(got.text)
