"""One persistent interactive ``bash`` per cell, fed one command at a time; step ends told on a private channel.

The engine decides *where* bash runs (the host, ``docker exec``, ...); this module only speaks to it
through its stdin, stdout and stderr. State carries over between commands exactly as in a reader's terminal.
Bash runs a small driver (:func:`driver`): each step comes as one line holding the command as data; the
driver checks that bash can parse it and runs it at the top level; output comes back as bytes, exactly as
written (up to OUTPUT_CAP), and the step's end and status on the process's stderr (the channel), which no
command of the cell writes to, tagged with a nonce made for that step.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import selectors
import shlex
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

GRACE_SECONDS = 2.0
# Output kept per command: the first and last halves of this many bytes. The middle of a longer output is
# replaced by one line giving its size and SHA-256 (docs/maintainers/faults.rst): a command printing 50 MB
# costs neither memory nor time, and a results file stays small.
OUTPUT_CAP = 256 * 1024
READ_SIZE = 65536


@dataclass(frozen=True)
class CommandResult:
    output: bytes  # stdout and stderr merged, in order, exactly as written (capped: see OUTPUT_CAP)
    status: int | None  # None when the command timed out or the shell died
    timed_out: bool = False
    shell_exit: int | None = None  # set when the shell itself ended (``exit`` in a command)
    killed: str | None = None  # set when the shell was ended from outside: by what ("signal 9 (SIGKILL)", ...)
    omitted: int = 0  # bytes of output left out in the middle
    syntax_error: bool = False  # bash could not parse the command: nothing ran, ``output`` is bash's message

    @property
    def lines(self) -> list[bytes]:
        """The output's lines without their newlines (a last line without one is still a line)."""
        if not self.output:
            return []
        body = self.output[:-1] if self.output.endswith(b"\n") else self.output
        return body.split(b"\n")

    @property
    def no_eol(self) -> bool:
        """Output that does not end in a newline (the next prompt would follow it on the same line)."""
        return bool(self.output) and not self.output.endswith(b"\n")

    @property
    def text(self) -> str:
        """The output as text for messages; bytes that are not UTF-8 kept as surrogate escapes."""
        return self.output.decode("utf-8", "surrogateescape")


@dataclass(frozen=True)
class KeptCell:
    """A cell left in place after its run (``--keep-failed``, ``nox -s shell``), and how to get into it."""

    argv: tuple[str, ...]  # opens an interactive bash there, as the cell's user, with the captured state
    remove_argv: tuple[str, ...]  # removes what was kept
    pipe_argv: tuple[str, ...] = ()  # ``argv`` for a stdin that is not a terminal (empty: the same)

    @property
    def command(self) -> str:
        return shlex.join(self.argv)

    @property
    def remove_command(self) -> str:
        return shlex.join(self.remove_argv)

    def argv_for(self, terminal: bool) -> tuple[str, ...]:
        return self.argv if terminal or not self.pipe_argv else self.pipe_argv


# The driver. Bash runs as an interactive shell (``-i --noediting``: what a reader types at a terminal, so an
# unbound variable under ``set -u`` ends the command, not the shell; aliases expand; ``break`` at the prompt only
# complains) and reads one line per step from stdin. The driver itself never speaks on the cell's output: step
# ends go over a private channel, the process's original stderr moved to a high descriptor (CHANNEL) no cell
# command is told about, each tagged with a fresh nonce that only the line Python sends carries. Between steps
# the cell's stdout and stderr are parked on two descriptors and the shell's own 1 and 2 point at /dev/null, so
# prompts (a venv's ``PS1``), ``PROMPT_COMMAND`` and ``set -v`` echoes never reach a step's output, while a
# step's ``exec >/dev/null`` or ``exec 2>log`` carries on to the next step as in a terminal.
#
# A step: ``__gp_step`` puts the cell's descriptors back and parses the command with ``bash -n`` (from ``/``, so
# a removed working directory is no syntax error; with the bash path saved at start, so ``unset BASH`` is
# harmless). A syntax error, an open here-document or a last line ending in a backslash prints bash's message and
# runs nothing. The command then runs through ``eval`` at the top level (``declare`` makes globals, ``local`` and
# ``return`` complain as at a prompt), with stdin from /dev/null, after ``__gp_rc`` has put back the ``$?`` and
# ``$_`` of the last step; ``set -x`` is kept across steps but off while the driver runs. Bash numbers the
# lines of every command from 1 in its messages ("bash: line 1: cd: ..."), whatever ran before.
_PRELUDE = r'{ __gp_rc "$__gp_s" "$__gp_u" && __gp_rc 0 "$__gp_u"; } 2>/dev/null; '
_EPILOGUE = r"{ __gp_s=$? __gp_u=$_; __gp_x=${-//[^x]/}; __gp_ok=1; builtin set +x; } 2>/dev/null"
_UNFINISHED = "the command ends in a backslash, so bash would wait for another line"
# How an interactive bash started from the engine's (non-interactive) one: the channel moved out of the way,
# bash's job-control complaints about having no terminal dropped.
_BOOT = 'exec {channel}>&2 2>/dev/null; exec "$BASH" --noprofile --norc --noediting -i +H\n'
# ``exec "$SHELL"``, ``exec bash -l`` ...: a whole step that replaces the shell by a new bash.
_REEXEC = re.compile(
    r'\s*exec\s+(?P<shell>"?\$(SHELL|\{SHELL\})"?|(/usr)?(/bin/)?bash)'
    r"(?P<args>(\s+(-l|-i|--login|--norc|--noprofile))*)\s*"
)


def reexec(command: str) -> str:
    """A step that replaces the shell with a new bash, as the driver runs it (else the command as it is)."""
    m = _REEXEC.fullmatch(command)
    if m is None:
        return command
    args = sorted(m.group("args").split(), key=lambda arg: not arg.startswith("--"))  # bash: long options first
    return " ".join(["__gp_reexec", m.group("shell"), *args])


def _functions(channel: int) -> list[str]:
    c, out, cmd, err = channel, channel + 1, channel + 2, channel + 3
    return [
        "builtin set +o history +H",
        "PS1= PS2= PS0=",
        "builtin shopt -s expand_aliases",
        '__gp_rc() { return "$1"; }',
        "__gp_s=0 __gp_u= __gp_x= __gp_xx= __gp_r=0 __gp_ok= __gp_m= __gp_c= __gp_run= __gp_err= __gp_o= __gp_2=",
        "__gp_p= __gp_q=0 __gp_qx=",
        "__gp_b=$BASH",
        r"__gp_bs='(^|[^\\])(\\\\)*\\$'",  # an odd number of backslashes ends the text
        f"__gp_pre='{_PRELUDE}'",
        f"__gp_end=$'\\n{_EPILOGUE}'",
        f"__gp_exit() {{ builtin printf 'exit %d\\n' \"$1\" >&{c}; }}",
        "trap '__gp_exit \"$?\"' EXIT",
        # park: the cell's descriptors aside, the shell's own 1 and 2 to /dev/null
        # (a descriptor the cell closed, ``exec >&-``, is parked as closed: an empty name)
        # (a closed stderr cannot show the complaint about itself: no 2>/dev/null there, it would be what is kept)
        "__gp_park() { { \\exec {__gp_o}>&1; } 2>/dev/null || __gp_o=; \\exec {__gp_2}>&2 || __gp_2=;"
        " \\exec >/dev/null 2>&1; __gp_p=1; }",
        "__gp_step() {"
        ' if [[ -n $__gp_o ]]; then \\exec 1>&"$__gp_o" {__gp_o}>&-; else \\exec 1>&-; fi;'
        ' if [[ -n $__gp_2 ]]; then \\exec 2>&"$__gp_2" {__gp_2}>&-; else \\exec 2>&-; fi;'
        " __gp_c=$1 __gp_run= __gp_ok= __gp_m= __gp_p=;"
        # (in the subshell: the scenario's own positional parameters must not reach bash's command line)
        " __gp_err=$(builtin cd / 2>/dev/null; builtin set --; builtin shopt -q extglob && builtin set -- -O extglob;"
        ' builtin exec -a bash "$__gp_b" "$@" -n 2>&1 <<<"$__gp_c") || :;'
        # A trailing backslash outside a comment joins the next line: probe with a line that is valid alone.
        " if [[ -z $__gp_err && $__gp_c =~ $__gp_bs ]] && ! (builtin cd / 2>/dev/null;"
        ' builtin exec "$__gp_b" -n <<<"$__gp_c"$\'\\n((1))\') 2>/dev/null; then'
        " __gp_err=${__gp_c//[!$'\\n']/}; __gp_err=\"bash: line $((${#__gp_err} + 1)): " + _UNFINISHED + '"; fi;'
        " if [[ -n $__gp_err ]]; then builtin printf '%s\\n' \"$__gp_err\" >&2; __gp_m=syntax __gp_s=2 __gp_ok=1;"
        ' else __gp_run="${__gp_x:+builtin set -x;}$__gp_pre$__gp_c$__gp_end"; fi; }',
        # (not parked: the step's line was cut short by Ctrl-C; its status and xtrace are the marker line's)
        "__gp_done() {"
        " if [[ -z $__gp_p ]]; then __gp_r=$__gp_q __gp_xx=$__gp_qx; __gp_park; fi;"
        " if [[ -z $__gp_ok ]]; then __gp_s=$__gp_r __gp_x=$__gp_xx; fi;"
        f" __gp_ok= __gp_run= __gp_c=; builtin printf '\\0%s\\0' \"$1\" >&{out};"
        ' builtin printf \'%s %s\\n\' "$1" "${__gp_m:-$__gp_s}"'
        f" >&{c}; __gp_m=; }}",
        # ``exec bash`` / ``exec "$SHELL"`` (a guide's way to reload ~/.bashrc), rewritten to this by
        # :func:`reexec`: a new interactive bash on the same input, told to take the driver up again; its
        # job-control complaints dropped, the cell's stderr kept aside for it.
        "__gp_reexec() { if [[ ${1##*/} == bash ]]; then"
        f" builtin printf 'reexec\\n' >&{c}; \\exec {err}>&2;"
        f' \\exec "$1" --noediting "${{@:2}}" -i +H <&{cmd} 2>/dev/null; fi; builtin exec "$@"; }}',
    ]


def driver(channel: int) -> str:
    """The lines that set up the driver in the interactive bash started by ``_BOOT``."""
    out, cmd = channel + 1, channel + 2
    statements = [f"\\exec {out}>&1 {cmd}<&0 2>&1", *_functions(channel), "__gp_park"]
    return "; ".join(statements) + "\n"


def resume(channel: int, nonce: str) -> str:
    """The lines that take the driver up again in a bash that ``exec bash`` started during a step."""
    err = channel + 3
    statements = [*_functions(channel), f"\\exec 2>&{err} {err}>&-", "__gp_ok=1", f"__gp_done {nonce}"]
    return "; ".join(statements) + "\n"


def ansi_c(data: bytes) -> str:
    """``data`` as one bash ``$'...'`` word on one line (any byte but NUL)."""
    return "$'" + "".join(chr(b) if 0x20 <= b < 0x7F and b not in b"'\\" else f"\\x{b:02x}" for b in data) + "'"


def step_line(data: bytes, nonce: str) -> bytes:
    """The line that runs a step; ``$?`` and the xtrace state are saved again after it in case the command
    ended early (an unbound variable under ``set -u``), where its epilogue did not run. The command is sourced
    (from a process substitution, so no file is written): bash then prints no job number for a background
    command, which would make the output differ on every run; it behaves otherwise as typed at the prompt,
    but for ``return``, which ends the step as it would end a sourced file. The marker comes on a line of its
    own: Ctrl-C (``kill -INT $$``) drops the rest of the line being run, as at a prompt, not the next one. The
    step's line ends parked, so the prompt bash prints before reading the marker's line (a venv's
    ``(.venv)``) goes nowhere."""
    return (
        f'\\__gp_step {ansi_c(data)}; \\builtin source <(\\builtin printf %s "$__gp_run") </dev/null;'
        " { __gp_r=$? __gp_xx=${-//[^x]/}; \\builtin set +x; } 2>/dev/null; \\__gp_park\n"
        f"{{ __gp_q=$? __gp_qx=${{-//[^x]/}}; \\builtin set +x; }} 2>/dev/null; \\__gp_done {nonce}\n"
    ).encode()


def aside_line(data: bytes, nonce: str, channel: int) -> bytes:
    """A guideproof command: run on the real output whatever the cell did with its descriptors."""
    return (
        f"\\builtin eval -- {ansi_c(data)} </dev/null >&{channel + 1} 2>&1; __gp_a=$?;"
        f" \\builtin printf '\\0%s\\0' {nonce} >&{channel + 1};"
        f" \\builtin printf '%s %s\\n' {nonce} \"$__gp_a\" >&{channel}\n"
    ).encode()


# The driver's own lines on the channel: step ends (nonce and status), an ``exit``, a shell replaced.
_MARKER = re.compile(rb"[0-9a-f]{24} (\d+|syntax)|exit \d+|reexec")
# What the driver writes on the real output after a command, before its marker on the channel: the two streams
# reach us apart (``docker exec`` relays them independently), so the output of a command is complete only once
# its token came; a token of an earlier command (one that timed out) is dropped wherever it turns up.
_TOKEN = re.compile(rb"\0[0-9a-f]{24}\0")
# Descriptors the channel may take (two more above it: the real output and a copy of the command input, one
# for a shell that replaces itself): far above what scenarios use, and different in every shell.
# They start above 255, the descriptor bash keeps for itself: a channel that took it (or a copy beside it, one
# start in about a hundred) left the new shell unable to answer, so the cell could not start.
CHANNELS = range(256, 956, 4)


class Shell:
    """A running ``bash`` reading commands on stdin. Use as a context manager; ``close`` is idempotent."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        interrupt: Callable[[Shell, bool], None] | None = None,
        diagnose: Callable[[], str | None] | None = None,
        keeper: Callable[[str], KeptCell] | None = None,
        **popen: object,
    ) -> None:
        self.channel = CHANNELS[secrets.randbelow(len(CHANNELS))]  # where the driver says a step ended
        self._interrupt = interrupt
        self._diagnose = diagnose  # the engine's account of a shell that died (its container stopped, ...)
        self._keeper = keeper
        self.kept: KeptCell | None = None  # set by keep(): the engine leaves the cell in place
        self.proc = subprocess.Popen(  # noqa: S603 - argv comes from the engine, not the scenario
            list(argv),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,  # the driver's channel (and what the engine's command itself complains)
            bufsize=0,
            **popen,  # type: ignore[call-overload]
        )
        assert self.proc.stdin and self.proc.stdout and self.proc.stderr
        os.set_blocking(self.proc.stdout.fileno(), False)
        os.set_blocking(self.proc.stderr.fileno(), False)
        self._selector = selectors.DefaultSelector()
        self._selector.register(self.proc.stdout, selectors.EVENT_READ)
        self._selector.register(self.proc.stderr, selectors.EVENT_READ)
        self._open = 2  # streams not at their end yet
        self._buffer = bytearray()
        self._said = bytearray()  # the channel's text not yet read as a line
        self._notes: list[bytes] = []  # the channel's lines: markers, and anything else (shown as output)
        self._exits: list[bytes] = []  # what the EXIT trap said
        self._omitted = 0  # bytes of the current command's output dropped from the middle of _buffer
        self._omitted_hash = hashlib.sha256()
        self.closed = False
        self.files_dir = ""  # where the engine copied the tool builds (``open_cell(builds=...)``), if any
        # The cell's own directory when its path changes from cell to cell (the local engine's temporary one):
        # the runner writes it as $TESTTMP in everything the cell prints, as cram does. "" when the path is
        # the same in every cell (a container's /home/user).
        self.root = ""

    @property
    def alive(self) -> bool:
        """Can it still run a command? (Not closed, and bash has not exited.)"""
        return not self.closed and self.proc.poll() is None

    def __enter__(self) -> Shell:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _send(self, data: bytes) -> bool:
        assert self.proc.stdin
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
            return True
        except (BrokenPipeError, OSError):
            return False

    def start(self, setup: str = "", timeout: float = 60.0) -> CommandResult:
        """Start an interactive bash with the driver (stderr merged into stdout, order kept), then run
        ``setup`` aside. The EXIT trap tells a shell that exits (``exit`` in a command: the scenario's doing)
        from one that is killed from outside (no trap runs, or the status is not the one the trap saw)."""
        if not self._send(_BOOT.format(channel=self.channel).encode() + driver(self.channel).encode()):
            return self._died()
        return self.run_aside(setup or ":", timeout)

    def run(self, command: str, timeout: float) -> CommandResult:
        """Run a step: ``command`` (may span lines) as a reader would type it; its merged output and status.

        The command is checked first with ``bash -n``: when bash cannot parse it (or it is unfinished: an
        open here-document, a last line ending in a backslash) nothing runs and the result says so.
        """
        return self._exchange(True, reexec(command), timeout)

    def run_aside(self, command: str, timeout: float) -> CommandResult:
        """Run a guideproof command (state capture, setup): unchecked, on the shell's real output whatever the
        cell did with its own, and the next step still sees the ``$?`` and ``$_`` the last step left."""
        return self._exchange(False, command, timeout)

    def _exchange(self, step: bool, command: str, timeout: float) -> CommandResult:
        started = time.monotonic()
        data = command.encode("utf-8", "surrogateescape")
        if b"\0" in data:
            return CommandResult(b"bash: a command cannot contain a NUL byte\n", 2, syntax_error=True)
        nonce = secrets.token_hex(12)  # fresh for every command: a marker from an earlier one is no answer
        line = step_line(data, nonce) if step else aside_line(data, nonce, self.channel)
        if not self._send(line):
            return self._died()
        deadline = started + timeout
        prefix = nonce.encode() + b" "
        while True:
            while self._notes:
                note = self._notes.pop(0)
                if note.startswith(prefix):
                    said = note[len(prefix) :]
                    if not self._await_token(b"\0" + nonce.encode() + b"\0", deadline):
                        return self._died() if not self._open else self._timed_out()
                    self._read_all()
                    output = _TOKEN.sub(b"", bytes(self._buffer))
                    self._buffer.clear()
                    if said == b"syntax":
                        return self._result(output, 2, syntax_error=True)
                    return self._result(output, int(said) if said.isdigit() else None)
                if note == b"reexec":  # ``exec bash``: take the driver up again in the new shell
                    if not self._send(resume(self.channel, nonce).encode()):
                        return self._died()
                elif note.startswith(b"exit "):  # the EXIT trap: the shell is on its way out
                    self._exits.append(note)
                elif not _MARKER.fullmatch(note):  # the engine's own complaint (docker exec ...): output
                    self._buffer += note + b"\n"
            self._cap()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return self._timed_out()
            if not self._read(min(remaining, 1.0)):
                return self._died()

    def _await_token(self, token: bytes, deadline: float) -> bool:
        """Read the output until the command's token is in it (all it wrote is then here). False when the
        shell closed its output or the deadline passed first."""
        while token not in self._buffer[-(len(token) + OUTPUT_CAP // 2) :]:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self._read(min(remaining, 1.0)):
                return False
            self._cap()
        return True

    def _read(self, wait: float) -> bool:
        """Read what is there within ``wait`` seconds. False when the shell closed its output."""
        for key, _ in self._selector.select(wait):
            try:
                chunk = os.read(key.fd, READ_SIZE)
            except BlockingIOError:
                continue
            if not chunk:
                self._selector.unregister(key.fileobj)
                self._open -= 1
                if key.fileobj is self.proc.stdout or not self._open:
                    return False
                continue
            if key.fileobj is self.proc.stdout:
                self._buffer += chunk
                continue
            self._said += chunk
            *lines, rest = self._said.split(b"\n")
            self._notes.extend(bytes(line) for line in lines)
            self._said[:] = rest
        return bool(self._open)

    def _read_all(self) -> None:
        """Read the output until nothing more is waiting in the pipe."""
        assert self.proc.stdout
        while True:
            try:
                chunk = os.read(self.proc.stdout.fileno(), READ_SIZE)
            except (BlockingIOError, ValueError, OSError):
                return
            if not chunk:
                return
            self._buffer += chunk
            self._cap()

    def _cap(self) -> None:
        """Keep the first and last OUTPUT_CAP/2 bytes of a long output; count and hash what goes."""
        half = OUTPUT_CAP // 2
        excess = len(self._buffer) - OUTPUT_CAP
        if excess > READ_SIZE:
            dropped = self._buffer[half : half + excess]
            self._omitted += len(dropped)
            self._omitted_hash.update(dropped)
            del self._buffer[half : half + excess]

    def _result(self, output: bytes, status: int | None, **fields: Any) -> CommandResult:
        # The last reads came after the last _cap (which leaves a read's slack): trim to the cap exactly.
        # What goes here follows what _cap dropped in the stream, so the hash covers the bytes in order.
        half = OUTPUT_CAP // 2
        if len(output) > OUTPUT_CAP:
            extra = len(output) - OUTPUT_CAP
            self._omitted += extra
            self._omitted_hash.update(output[half : half + extra])
            output = output[:half] + output[half + extra :]
        omitted = self._omitted
        if omitted:
            note = (
                f"\n[... {omitted} bytes of output left out here (sha256 {self._omitted_hash.hexdigest()[:16]}):"
                f" guideproof keeps the first and last {half // 1024} KiB of a command's output ...]\n"
            ).encode()
            output = output[:half] + note + output[half:]
            self._omitted, self._omitted_hash = 0, hashlib.sha256()
        return CommandResult(output, status, omitted=omitted, **fields)

    def _drain(self) -> bytes:
        while self._open and self._selector.select(0.05):
            self._read(0)
            self._cap()
        self._read_all()
        if self._said:
            self._notes.append(bytes(self._said))
            self._said.clear()
        # What the channel said that is no marker is the engine's own complaint: shown with the output.
        self._buffer += b"".join(note + b"\n" for note in self._notes if not _MARKER.fullmatch(note))
        data = _TOKEN.sub(b"", bytes(self._buffer))
        self._buffer.clear()
        return data

    def _died(self) -> CommandResult:
        """The shell ended during a command: it exited (the trap says so, with the same status), or it was
        killed from outside, by a signal or with its container."""
        try:
            code = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = -1
        data = self._drain()
        exits = self._exits + [note for note in self._notes if note.startswith(b"exit ")]
        self._notes.clear()
        said = int(exits[-1][5:]) if exits and exits[-1][5:].isdigit() else None
        if said is None and code >= 0 and not 128 < code < 128 + 65:
            said = code  # no trap said so (the cell replaced it with its own), but no signal ended it either
        killed = None
        if said is None or said != code:
            killed = (self._diagnose() if self._diagnose else None) or _how_ended(code)
        return self._result(data, None, shell_exit=code if said is None else said, killed=killed)

    def _timed_out(self) -> CommandResult:
        self.interrupt(kill=False)
        end = time.monotonic() + GRACE_SECONDS
        while time.monotonic() < end and self._read(0.1):
            self._cap()
        output = self._drain()
        self._notes.clear()
        self.close()
        return self._result(output, None, timed_out=True)

    def keep(self, rcfile: str) -> KeptCell | None:
        """Leave the cell in place when it closes; ``rcfile`` (bash) starts the interactive shell opened there.
        None when the engine cannot keep cells."""
        if self._keeper is not None and self.kept is None:
            self.kept = self._keeper(rcfile)
        return self.kept

    def interrupt(self, kill: bool) -> None:
        """Ctrl-C (or kill) whatever runs in the shell. Engines know how to reach their processes."""
        if self._interrupt is not None:
            self._interrupt(self, kill)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            if self.proc.poll() is None:
                with suppress(OSError):  # a polite end first: the driver exits when its input ends
                    self.proc.stdin.close()
                try:
                    self.proc.wait(timeout=0.5)
                except subprocess.TimeoutExpired:
                    self.interrupt(kill=True)
                    try:
                        self.proc.wait(timeout=GRACE_SECONDS)
                    except subprocess.TimeoutExpired:
                        self.proc.kill()
                        self.proc.wait(timeout=GRACE_SECONDS)
        finally:
            self._selector.close()
            for stream in (self.proc.stdin, self.proc.stdout):
                try:
                    if stream:
                        stream.close()
                except OSError:
                    pass


def _how_ended(code: int) -> str:
    """How a shell that did not exit by itself ended, from its process status (negative: the signal that
    killed it; 128 + N: what ``docker exec`` and ``unshare`` report for a process killed by signal N)."""
    number = -code if code < 0 else code - 128 if 128 < code < 128 + 65 else None
    if number is None:
        return f"it ended without exiting, status {code}"
    try:
        name = signal.Signals(number).name
    except ValueError:
        return f"killed by signal {number}"
    return f"killed by signal {number} ({name})"
