"""Serve a built channel directory over HTTP on 127.0.0.1 for the duration of a run."""

from __future__ import annotations

import hashlib
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

PORTS = (20000, 32000)  # where a channel's own port is: below Linux's ephemeral ports (32768-60999)


class _QuietHandler(SimpleHTTPRequestHandler):
    """Serves the directory under ``/<prefix>/`` only (everything when the prefix is empty), without logging."""

    def __init__(self, *args: Any, prefix: str = "", **kwargs: Any) -> None:
        self.prefix = prefix
        super().__init__(*args, **kwargs)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass

    def _under_prefix(self) -> bool:
        if not self.prefix:
            return True
        head = f"/{self.prefix}"
        if self.path == head or self.path.startswith((f"{head}/", f"{head}?")):
            self.path = self.path[len(head) :] or "/"
            return True
        self.send_error(404, "not this channel")
        return False

    def do_GET(self) -> None:
        if self._under_prefix():
            super().do_GET()

    def do_HEAD(self) -> None:
        if self._under_prefix():
            super().do_HEAD()


def channel_digest(directory: Path) -> str:
    """What the channel in ``directory`` serves, hashed: its index files, which hold every package's sha256."""
    digest = hashlib.sha256()
    for index in sorted(directory.glob("*/repodata.json")):
        digest.update(f"{index.parent.name}\0".encode() + index.read_bytes() + b"\0")
    return digest.hexdigest()


def stable_port(directory: Path) -> int:
    """The port the channel in ``directory`` is served on when it is free: the same from run to run, so the
    URL cells get (part of their snapshot keys with ``--reuse``) stays the same."""
    low, high = PORTS
    number = int(hashlib.sha256(str(directory.resolve()).encode()).hexdigest(), 16)
    return low + number % (high - low)


def channel_problem(directory: Path, shown: str | None = None) -> str | None:
    """None when ``directory`` holds an indexed channel, else what is missing and how to make it.

    The reason becomes a skip reason on public pages, so it names the directory as ``shown`` (the option as
    the user gave it, see :func:`shown_path`) and never by the absolute path of the machine that ran the cells.
    """
    if not (directory / "linux-64" / "repodata.json").is_file():
        where = shown if shown is not None else directory.name
        return f"no local channel in {where} (no linux-64/repodata.json; build it with: nox -s channel)"
    return None


def shown_path(given: str) -> str:
    """How a reason may name a directory the user gave: as given when relative, else without the machine's path."""
    return given if not Path(given).is_absolute() else f"{Path(given).name} (the --local-channel-dir)"


class ChannelServer:
    """``http.server`` in a daemon thread on 127.0.0.1: on ``port`` (0: an ephemeral one), under ``/<prefix>/``.

    A prefix that names the channel's content (:func:`channel_digest`) makes the URL change exactly when what
    it serves does, so a snapshot made with one channel is never reused with another.
    """

    def __init__(self, directory: Path, host: str = "127.0.0.1", port: int = 0, prefix: str = "") -> None:
        self.prefix = prefix.strip("/")
        handler = partial(_QuietHandler, directory=str(directory), prefix=self.prefix)
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="guideproof-channel", daemon=True)

    @classmethod
    def steady(cls, directory: Path, host: str = "127.0.0.1") -> ChannelServer:
        """The channel in ``directory`` at a URL that stays the same while it and its content do: on its
        :func:`stable_port` (an ephemeral one when that is taken), under its content's digest."""
        prefix = channel_digest(directory)[:16]
        try:
            return cls(directory, host, stable_port(directory), prefix)
        except OSError:
            return cls(directory, host, 0, prefix)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}" + (f"/{self.prefix}" if self.prefix else "")

    def start(self) -> ChannelServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)

    def __enter__(self) -> ChannelServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
