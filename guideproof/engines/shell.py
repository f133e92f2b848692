"""One persistent ``bash`` per cell, fed one command at a time, output split by salted status markers.

The engine decides *where* bash runs (the host, ``docker exec``, ...); this module only speaks to it
through its stdin and stdout. State carries over between commands exactly as in a reader's terminal.
"""

from __future__ import annotations

import os
import re
import secrets
import selectors
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

GRACE_SECONDS = 2.0


@dataclass(frozen=True)
class CommandResult:
    output: str  # stdout and stderr merged, in order
    status: int | None  # None when the command timed out or the shell died
    timed_out: bool = False
    shell_exit: int | None = None  # set when the shell itself ended (``exit`` in a command)

    @property
    def lines(self) -> list[str]:
        if not self.output:
            return []
        text = self.output[:-1] if self.output.endswith("\n") else self.output
        return text.split("\n")


class Shell:
    """A running ``bash`` reading commands on stdin. Use as a context manager; ``close`` is idempotent."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        interrupt: Callable[[Shell, bool], None] | None = None,
        **popen: object,
    ) -> None:
        self.salt = f"__HARNESS_{secrets.token_hex(8)}__"
        self._marker = re.compile(re.escape(self.salt).encode() + rb" (\d+)\n")
        self._interrupt = interrupt
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
        self._buffer = b""
        self.closed = False

    @property
    def alive(self) -> bool:
        """Can it still run a command? (Not closed, and bash has not exited.)"""
        return not self.closed and self.proc.poll() is None

    def __enter__(self) -> Shell:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _send(self, text: str) -> bool:
        assert self.proc.stdin
        try:
            self.proc.stdin.write(text.encode())
            self.proc.stdin.flush()
            return True
        except (BrokenPipeError, OSError):
            return False

    def start(self, setup: str = "", timeout: float = 60.0) -> CommandResult:
        """Merge stderr into stdout inside the shell (order is kept), then run ``setup``."""
        return self.run("exec 2>&1" + (f"\n{setup}" if setup else ""), timeout)

    def run(self, command: str, timeout: float) -> CommandResult:
        """Run ``command`` (may span lines) and return its merged output and status, within ``timeout`` seconds."""
        started = time.monotonic()
        # The group keeps state in this shell; stdin is /dev/null so a command cannot eat the next one.
        script = f"{{ {command}\n}} </dev/null\nprintf '%s %d\\n' '{self.salt}' \"$?\"\n"
        if not self._send(script):
            return self._died()
        deadline = started + timeout
        while True:
            match = self._marker.search(self._buffer)
            if match:
                output = self._buffer[: match.start()]
                self._buffer = self._buffer[match.end() :]
                return CommandResult(output.decode("utf-8", "replace"), int(match.group(1)))
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
                chunk = os.read(self.proc.stdout.fileno(), 65536)
            except BlockingIOError:
                return True
            if not chunk:
                return False
            self._buffer += chunk
        return True

    def _drain(self) -> str:
        while self._read(0.05) and self._selector.select(0):
            pass
        text, self._buffer = self._buffer.decode("utf-8", "replace"), b""
        return text

    def _died(self) -> CommandResult:
        try:
            code = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = -1
        return CommandResult(self._drain(), None, shell_exit=code)

    def _timed_out(self) -> CommandResult:
        self.interrupt(kill=False)
        end = time.monotonic() + GRACE_SECONDS
        while time.monotonic() < end and self._read(0.1):
            pass
        output = self._drain()
        self.close()
        return CommandResult(output, None, timed_out=True)

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
                self._send("exit\n")  # a polite end first: bash exits after its current command
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
