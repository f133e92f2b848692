"""One persistent ``bash`` per cell, fed one command at a time, output split by salted status markers.

The engine decides *where* bash runs (the host, ``docker exec``, ...); this module only speaks to it
through its stdin and stdout. State carries over between commands exactly as in a reader's terminal. Bash
runs a small driver loop (:func:`driver`) that reads each command as data, checks that bash can parse
it, and runs it at the top level; output comes back as bytes, exactly as written (up to OUTPUT_CAP).
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


# The driver: the loop the cell's bash runs, reading NUL-terminated records from stdin. A record is a kind
# ("s" a step, "a" aside: a guideproof command) and the command text. A step is first parsed by ``bash -n``
# (with this shell's extglob) in a child: a syntax error, an open here-document or a last line ending in a
# backslash prints bash's message and runs nothing, and the shell carries on as a reader's terminal does.
# The command then runs through ``eval`` at the top level (``declare`` makes globals, ``local`` and
# ``return`` complain as at a prompt), with stdin from /dev/null, after ``__gp_rc`` has put back the
# ``$?`` and ``$_`` of the last step; ``set -x`` is kept across steps but off while the driver runs.
# Everything is on ONE line, so bash numbers the lines of every command from 1 in its messages
# ("bash: line 1: cd: ..."), whatever ran before. The status marker of a step is printed by the next loop
# test, so ``break`` and ``continue`` typed at the prompt only end that step.
_PRELUDE = r'{ __gp_rc "$__gp_s" "$__gp_u" && __gp_rc 0 "$__gp_u"; } 2>/dev/null; '
_EPILOGUE = r"{ __gp_s=$? __gp_u=$_; __gp_x=${-//[^x]/}; builtin set +x; } 2>/dev/null"
_UNFINISHED = "the command ends in a backslash, so bash would wait for another line"


def driver(salt: str) -> str:
    statements = [
        "exec 2>&1",
        '__gp_rc() { return "$1"; }',
        "__gp_s=0 __gp_m=0 __gp_u= __gp_p= __gp_x= __gp_e= __gp_c= __gp_k=",
        r"__gp_bs='(^|[^\\])(\\\\)*\\$'",  # an odd number of backslashes ends the text
        f"__gp_pre='{_PRELUDE}'",
        f"__gp_end=$'\\n{_EPILOGUE}'",
        "while :; do",
        f"while {{ [[ -z $__gp_p ]] || builtin printf '%s %s\\n' {salt} \"$__gp_m\"; __gp_p=;"
        " IFS= builtin read -r -d '' __gp_c || builtin exit 0; }; do",
        "__gp_k=${__gp_c:0:1} __gp_c=${__gp_c:1} __gp_p=1 __gp_m=0",
        "if [[ $__gp_k == s ]]; then",
        # (in the subshell: the scenario's own positional parameters must not reach bash's command line)
        "__gp_e=$(builtin set --; builtin shopt -q extglob && builtin set -- -O extglob;"
        ' builtin exec -a bash "$BASH" "$@" -n 2>&1 <<<"$__gp_c") || :',
        # A trailing backslash outside a comment joins the next line: probe with a line that is valid alone.
        '[[ -z $__gp_e && $__gp_c =~ $__gp_bs ]] && ! (builtin exec "$BASH" -n <<<"$__gp_c"$\'\\n((1))\') 2>/dev/null'
        " && __gp_e=${__gp_c//[!$'\\n']/} && __gp_e=\"bash: line $((${#__gp_e} + 1)): " + _UNFINISHED + '"',
        f"if [[ -n $__gp_e ]]; then __gp_p=; builtin printf '%s\\n%s syntax\\n' \"$__gp_e\" {salt}; continue; fi",
        'builtin eval "${__gp_x:+set -x;}$__gp_pre$__gp_c$__gp_end" </dev/null',
        "__gp_m=$__gp_s",
        'else builtin eval "$__gp_c" </dev/null; __gp_m=$?; fi',
        "done",
        "done",
    ]
    line = "; ".join(statements)
    for word in ("do", "then", "else"):
        line = line.replace(f" {word}; ", f" {word} ")
    return line + "\n"


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
        self.salt = f"__GUIDEPROOF_{secrets.token_hex(8)}__"
        self._marker = re.compile(re.escape(self.salt).encode() + rb" (\d+|syntax)\n")
        self._exit_marker = re.compile(rb"\n?" + re.escape(self.salt).encode() + rb" exit (\d+)\n")
        self._interrupt = interrupt
        self._diagnose = diagnose  # the engine's account of a shell that died (its container stopped, ...)
        self._keeper = keeper
        self.kept: KeptCell | None = None  # set by keep(): the engine leaves the cell in place
        self.proc = subprocess.Popen(  # noqa: S603 - argv comes from the engine, not the scenario
            list(argv),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            bufsize=0,
            **popen,  # type: ignore[call-overload]
        )
        assert self.proc.stdin and self.proc.stdout
        os.set_blocking(self.proc.stdout.fileno(), False)
        self._selector = selectors.DefaultSelector()
        self._selector.register(self.proc.stdout, selectors.EVENT_READ)
        self._buffer = bytearray()
        self._scanned = 0  # the marker is not in _buffer[:_scanned]
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
        """Start the driver loop (stderr merged into stdout, order kept), then run ``setup`` aside.

        The EXIT trap tells a shell that exits (``exit`` in a command: the scenario's doing) from one that is
        killed from outside (no trap runs, or the status is not the one the trap saw).
        """
        if not self._send(driver(self.salt).encode()):
            return self._died()
        trap = f'trap \'printf "\\n%s exit %d\\n" {self.salt} "$?"\' EXIT'
        return self.run_aside(trap + (f"\n{setup}" if setup else ""), timeout)

    def run(self, command: str, timeout: float) -> CommandResult:
        """Run a step: ``command`` (may span lines) as a reader would type it; its merged output and status.

        The command is checked first with ``bash -n``: when bash cannot parse it (or it is unfinished: an
        open here-document, a last line ending in a backslash) nothing runs and the result says so.
        """
        return self._exchange(b"s", command, timeout)

    def run_aside(self, command: str, timeout: float) -> CommandResult:
        """Run a guideproof command (state capture, setup): unchecked, and the next step still sees the
        ``$?`` and ``$_`` the last step left."""
        return self._exchange(b"a", command, timeout)

    def _exchange(self, kind: bytes, command: str, timeout: float) -> CommandResult:
        started = time.monotonic()
        data = command.encode("utf-8", "surrogateescape")
        if b"\0" in data:
            return CommandResult(b"bash: a command cannot contain a NUL byte\n", 2, syntax_error=True)
        if not self._send(kind + data + b"\0"):
            return self._died()
        deadline = started + timeout
        while True:
            # Only what arrived since the last look is searched (with an overlap for a marker cut in two).
            match = self._marker.search(self._buffer, max(0, self._scanned - len(self.salt) - 16))
            self._scanned = len(self._buffer)
            if match:
                output, said = bytes(self._buffer[: match.start()]), match.group(1)
                del self._buffer[: match.end()]  # (the match reads the buffer: take what it says first)
                self._scanned = 0
                if said == b"syntax":
                    return self._result(output, 2, syntax_error=True)
                return self._result(output, int(said))
            self._cap()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return self._timed_out()
            if not self._read(min(remaining, 1.0)):
                return self._died()

    def _read(self, wait: float) -> bool:
        """Read what is there within ``wait`` seconds. False when the shell closed its output."""
        assert self.proc.stdout
        for _key, _ in self._selector.select(wait):
            try:
                chunk = os.read(self.proc.stdout.fileno(), READ_SIZE)
            except BlockingIOError:
                return True
            if not chunk:
                return False
            self._buffer += chunk
        return True

    def _cap(self) -> None:
        """Keep the first and last OUTPUT_CAP/2 bytes of a long output; count and hash what goes."""
        half = OUTPUT_CAP // 2
        # Keep room at the end for a marker cut in two by a read.
        excess = len(self._buffer) - OUTPUT_CAP - len(self.salt) - 16
        if excess > READ_SIZE:
            dropped = self._buffer[half : half + excess]
            self._omitted += len(dropped)
            self._omitted_hash.update(dropped)
            del self._buffer[half : half + excess]
            self._scanned = max(half, self._scanned - excess)

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
        while self._read(0.05) and self._selector.select(0):
            self._cap()
        data = bytes(self._buffer)
        self._buffer.clear()
        self._scanned = 0
        return data

    def _died(self) -> CommandResult:
        """The shell ended during a command: it exited (the trap says so, with the same status), or it was
        killed from outside, by a signal or with its container."""
        try:
            code = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = -1
        data = self._drain()
        exited = self._exit_marker.search(data)
        if exited:
            data = data[: exited.start()] + data[exited.end() :]
        said = int(exited.group(1)) if exited else None
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
