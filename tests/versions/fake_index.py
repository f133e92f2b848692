"""Test doubles for the network: a PEP 691 package index on 127.0.0.1, and tiny wheels built by hand.

``FakeIndex`` answers ``/simple/<project>/`` in the JSON simple API (PEP 691, with PEP 700's ``upload-time``
and ``versions``) and serves the wheels it was given under ``/files/``, so pip in a local cell can install
from it. ``make_wheel`` writes a minimal valid wheel (METADATA, WHEEL, entry points, RECORD) without any build
backend, so the suite needs no network to have "a patched virtualenv".
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import http.server
import json
import threading
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import canonicalize_name

JSON = "application/vnd.pypi.simple.v1+json"


@dataclass
class FakeRelease:
    version: str
    yanked: bool | str = False
    uploaded: str = ""  # ISO date; default: one day per release from 2020-01-01
    wheel: Path | None = None  # served under /files/ when given


@dataclass
class FakeProject:
    name: str
    releases: list[FakeRelease] = field(default_factory=list)


def releases(versions: Sequence[str], yanked: Mapping[str, str] | None = None) -> list[FakeRelease]:
    """Releases one day apart, in the order given, with some of them yanked (version -> reason)."""
    start = dt.date(2020, 1, 1)
    return [
        FakeRelease(v, (yanked or {}).get(v, False), (start + dt.timedelta(days=i)).isoformat() + "T12:00:00Z")
        for i, v in enumerate(versions)
    ]


class FakeIndex:
    """``with FakeIndex({"virtualenv": [...]}) as index:`` -- ``index.url`` is the simple API root."""

    def __init__(self, projects: Mapping[str, Sequence[FakeRelease]]) -> None:
        self.projects = {canonicalize_name(n): FakeProject(n, list(r)) for n, r in projects.items()}
        self.requests: list[str] = []
        self._server: http.server.ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/simple"

    def page(self, project: FakeProject, base: str) -> dict[str, object]:
        files = []
        for release in project.releases:
            stem = f"{canonicalize_name(project.name).replace('-', '_')}-{release.version}"
            names = [release.wheel.name] if release.wheel else [f"{stem}-py3-none-any.whl", f"{stem}.tar.gz"]
            for filename in names:
                digest = hashlib.sha256(release.wheel.read_bytes()).hexdigest() if release.wheel else "0" * 64
                files.append(
                    {
                        "filename": filename,
                        "url": f"{base}/files/{filename}",
                        "hashes": {"sha256": digest},
                        "yanked": release.yanked,
                        "upload-time": release.uploaded,
                        "requires-python": ">=3.8",
                    }
                )
        return {
            "meta": {"api-version": "1.1"},
            "name": project.name,
            "versions": [r.version for r in project.releases],
            "files": files,
        }

    def __enter__(self) -> FakeIndex:
        index = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                index.requests.append(self.path)
                parts = [p for p in self.path.split("?")[0].split("/") if p]
                if len(parts) == 2 and parts[0] == "simple":
                    project = index.projects.get(canonicalize_name(parts[1]))
                    if project is None:
                        return self._send(404, "text/plain", b"not found")
                    base = f"http://127.0.0.1:{self.server.server_address[1]}"
                    return self._send(200, JSON, json.dumps(index.page(project, base)).encode())
                if len(parts) == 2 and parts[0] == "files":
                    for project in index.projects.values():
                        for release in project.releases:
                            if release.wheel and release.wheel.name == parts[1]:
                                return self._send(200, "application/octet-stream", release.wheel.read_bytes())
                return self._send(404, "text/plain", b"not found")

            def _send(self, status: int, kind: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


@contextmanager
def serving(projects: Mapping[str, Sequence[FakeRelease]]) -> Iterator[FakeIndex]:
    with FakeIndex(projects) as index:
        yield index


def make_wheel(
    directory: Path,
    name: str,
    version: str,
    modules: Mapping[str, str] | None = None,
    scripts: Mapping[str, str] | None = None,
) -> Path:
    """A pure-Python wheel: ``modules`` maps file paths in the wheel to their text, ``scripts`` maps console
    script names to ``module:function``."""
    dist = canonicalize_name(name).replace("-", "_")
    info = f"{dist}-{version}.dist-info"
    files: dict[str, bytes] = {path: text.encode() for path, text in (modules or {}).items()}
    files[f"{info}/METADATA"] = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode()
    files[f"{info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: guideproof-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    if scripts:
        lines = "".join(f"{script} = {target}\n" for script, target in scripts.items())
        files[f"{info}/entry_points.txt"] = f"[console_scripts]\n{lines}".encode()
    record = []
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    record.append(f"{info}/RECORD,,")
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    directory.mkdir(parents=True, exist_ok=True)
    wheel = directory / f"{dist}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in files.items():
            archive.writestr(path, data)
    return wheel
