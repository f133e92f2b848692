"""Calling the container CLI (``docker``, ``podman``) and the tools that build images: the one subprocess wrapper.

:func:`run` either captures a command's output or streams it line by line to a progress stream (image
builds take minutes: the user sees them move). Either way a command that is missing, too slow or fails
is an :class:`EngineError` naming the command, never a traceback.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TextIO

from guideproof.errors import EngineError

CLI_TIMEOUT = 120.0
INFO_TIMEOUT = 15.0
TAIL_LINES = 15

FIXES = {
    "docker": (
        "install Docker (Debian: apt-get install docker.io) and start its daemon "
        "(systemctl start docker, or: dockerd >/var/log/dockerd.log 2>&1 &), or use --engine local"
    ),
    "podman": (
        "install Podman (Debian: apt-get install podman) and check that 'podman run' works, or use --engine local"
    ),
}


@dataclass(frozen=True)
class Done:
    """A finished command: its exit status and what it printed."""

    code: int
    output: str  # stdout; with streaming, stdout and stderr merged in order
    errors: str = ""  # stderr (empty with streaming)

    @property
    def message(self) -> str:
        """What to show when it failed: stderr, else stdout."""
        return self.errors.strip() or self.output.strip()


def run(
    argv: Sequence[str],
    *,
    timeout: float = CLI_TIMEOUT,
    check: bool = True,
    input: bytes | None = None,  # noqa: A002 - subprocess's name
    stdin: IO[bytes] | None = None,
    progress: TextIO | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Done:
    """Run ``argv`` (in ``cwd``, with ``env``); with ``progress``, print each output line there (indented)."""
    name = " ".join(argv[:2])
    try:
        if progress is not None:
            done = _streamed(argv, timeout, progress, env, cwd)
        else:
            got = subprocess.run(
                list(argv),
                capture_output=True,
                timeout=timeout,
                check=False,
                input=input,
                stdin=stdin,
                env=env,
                cwd=cwd,
            )
            done = Done(got.returncode, got.stdout.decode(errors="replace"), got.stderr.decode(errors="replace"))
    except FileNotFoundError:
        raise EngineError(f"{argv[0]} is not installed") from None
    except subprocess.TimeoutExpired:
        raise EngineError(f"'{name}' did not finish within {timeout:g} s") from None
    if check and done.code != 0:
        tail = "\n".join(done.message.splitlines()[-TAIL_LINES:])
        raise EngineError(f"'{name}' failed (exit {done.code}): {tail}")
    return done


def _streamed(
    argv: Sequence[str], timeout: float, progress: TextIO, env: Mapping[str, str] | None, cwd: Path | None
) -> Done:
    proc = subprocess.Popen(
        list(argv), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace", env=env, cwd=cwd
    )
    timed_out = threading.Event()

    def kill() -> None:
        timed_out.set()
        proc.kill()

    timer = threading.Timer(timeout, kill)
    timer.start()
    lines: list[str] = []
    try:
        assert proc.stdout
        for line in proc.stdout:
            lines.append(line)
            print(f"    {line.rstrip()}", file=progress, flush=True)
        code = proc.wait()
    finally:
        timer.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if timed_out.is_set():
        raise subprocess.TimeoutExpired(list(argv), timeout)
    return Done(code, "".join(lines))


@dataclass(frozen=True)
class ContainerCLI:
    """``docker`` or ``podman``: the same arguments, the same code path."""

    program: str

    def __call__(self, *args: str, timeout: float = CLI_TIMEOUT, check: bool = True, **kwargs: object) -> Done:
        return run([self.program, *args], timeout=timeout, check=check, **kwargs)  # type: ignore[arg-type]

    def bridge(self) -> tuple[str, str | None] | None:
        """The engine's own bridge network and its gateway address (where cells reach this machine), or None
        when the daemon has none (``dockerd --bridge=none``)."""
        name = "podman" if self.program == "podman" else "bridge"
        done = self("network", "inspect", name, "--format", "{{json .}}", check=False, timeout=INFO_TIMEOUT)
        if done.code != 0:
            return None
        try:
            info = json.loads(done.output)
        except ValueError:
            return name, None
        subnets = (info.get("IPAM") or {}).get("Config") or info.get("subnets") or []  # docker, podman
        gateways = [s.get("Gateway") or s.get("gateway") for s in subnets if isinstance(s, dict)]
        return name, next((g for g in gateways if g and ":" not in g), None)

    def problem(self) -> str | None:
        """None when this engine answers; else one message with the fix."""
        fix = FIXES.get(self.program, "or use --engine local")
        if shutil.which(self.program) is None:
            return f"{self.program} is not installed: {fix}"
        try:
            done = run([self.program, "info", "--format", "{{json .}}"], timeout=INFO_TIMEOUT, check=False)
        except EngineError:
            return f"{self.program} info did not answer within {INFO_TIMEOUT:g} s: {fix}"
        if done.code != 0:
            first = (done.errors.strip().splitlines() or ["no output"])[-1]
            return f"{self.program} is installed but its engine does not answer ({first}): {fix}"
        return None
