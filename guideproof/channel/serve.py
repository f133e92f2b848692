"""Serve a built channel directory over HTTP on 127.0.0.1 for the duration of a run."""

from __future__ import annotations

import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass


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
    """``http.server`` in a daemon thread, on an ephemeral port of 127.0.0.1."""

    def __init__(self, directory: Path, host: str = "127.0.0.1", port: int = 0) -> None:
        handler = partial(_QuietHandler, directory=str(directory))
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="harness-channel", daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

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
