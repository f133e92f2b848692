"""Unreleased builds as tool versions: ``--tool virtualenv=dist/virtualenv-21.0.1.dev3-py3-none-any.whl``.

A spec that names a wheel or sdist file, or a URL to one (``https://``, ``file://``), is an *artefact*:
guideproof reads its project name and version from the file name (the wheel and sdist naming rules), checks
that it is a build of the tool, hashes it, and copies it into every cell that uses the tool (never a mount).
There it is found through a local find-links directory (``PIP_FIND_LINKS``, ``UV_FIND_LINKS``) and pinned
by an exact version in the constraints file: pip 20.3 and 21.0 refuse URL constraints (``name @ file://...``)
and the cells' pip ranges from Debian 11's 20.3.4 to today's, while ``name==version`` plus find-links works
with every pip, with uv and with pipx (which runs pip with the cell's environment).

A URL is downloaded once on the host (through the host's proxy and CA bundle); a ``#sha256=...`` fragment
is checked. The cell checks the copy's SHA-256 before its first step.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import ssl
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)

from guideproof import cellvars
from guideproof.errors import VersionError

SUFFIXES = (".whl", ".tar.gz", ".zip")
URL_SCHEMES = ("http://", "https://", "file://")
TIMEOUT = 60.0
CA_VARIABLES = ("PIP_CERT", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE")


class ArtefactError(VersionError):
    """A spec names an artefact that cannot be used; the message says why and what to do."""


@dataclass(frozen=True)
class Artefact:
    """One wheel or sdist on the host, ready to be copied into cells."""

    tool: str
    path: Path  # the file on the host (for a URL: the downloaded copy)
    version: str  # from the file name, normalised (PEP 440)
    sha256: str

    @property
    def filename(self) -> str:
        return self.path.name

    @property
    def kind(self) -> str:
        return "wheel" if self.filename.endswith(".whl") else "sdist"


def is_artefact(spec: str) -> bool:
    """Does a ``--tool`` spec name a file or URL rather than a version?"""
    return spec.startswith(URL_SCHEMES) or spec.endswith(SUFFIXES) or os.sep in spec


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def name_and_version(filename: str) -> tuple[str, str]:
    """``virtualenv-20.26.6-py3-none-any.whl`` → ``("virtualenv", "20.26.6")``."""
    try:
        if filename.endswith(".whl"):
            name, version, _build, _tags = parse_wheel_filename(filename)
        elif filename.endswith(SUFFIXES):
            name, version = parse_sdist_filename(filename)
        else:
            raise ArtefactError(
                f"{filename}: not a wheel or an sdist (expected a file ending in {', '.join(SUFFIXES)})"
            )
    except (InvalidWheelFilename, InvalidSdistFilename) as exc:
        raise ArtefactError(
            f"{filename}: not a wheel or sdist file name ({exc}); build it with `python -m build`, which names"
            " files NAME-VERSION-TAGS.whl and NAME-VERSION.tar.gz"
        ) from None
    return str(name), str(version)


def load(tool: str, package: str, spec: str, downloads: Path, base: Path | None = None) -> Artefact:
    """The artefact a spec names, checked: it exists (or downloads), is a build of ``package``, is hashed.

    Relative paths are taken from ``base`` (the directory the user ran the command in)."""
    where = f"--tool {tool}={spec}"
    if spec.startswith(URL_SCHEMES):
        path = _download(spec, downloads, where)
    else:
        path = Path(spec).expanduser()
        if not path.is_absolute():
            path = (base or Path.cwd()) / path
        if not path.is_file():
            raise ArtefactError(f"{where}: no such file ({path})")
    try:
        name, version = name_and_version(path.name)
    except ArtefactError as exc:
        raise ArtefactError(f"{where}: {exc}") from None
    if canonicalize_name(name) != canonicalize_name(package):
        raise ArtefactError(f"{where}: {path.name} is a build of {name}, not of {package}")
    if path.name.endswith(".whl") and not zipfile.is_zipfile(path):
        raise ArtefactError(f"{where}: {path} is not a zip archive, so not a wheel (a truncated download?)")
    return Artefact(tool=tool, path=path.resolve(), version=version, sha256=sha256_of(path))


def _download(url: str, downloads: Path, where: str) -> Path:
    parsed = urllib.parse.urlsplit(url)
    filename = urllib.parse.unquote(parsed.path.rsplit("/", 1)[-1])
    if not filename:
        raise ArtefactError(f"{where}: the URL names no file")
    expected = ""
    if parsed.fragment:
        algorithm, _, value = parsed.fragment.partition("=")
        if algorithm == "sha256" and value:
            expected = value.lower()
    if parsed.scheme == "file":
        source = Path(urllib.request.url2pathname(parsed.path))
        if not source.is_file():
            raise ArtefactError(f"{where}: no such file ({source})")
        target = source
    else:
        downloads.mkdir(parents=True, exist_ok=True)
        target = downloads / filename
        partial = target.with_name(f".{filename}.{os.getpid()}.part")
        context = ssl.create_default_context(cafile=_ca_bundle())
        request = urllib.request.Request(urllib.parse.urlunsplit(parsed._replace(fragment="")))
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT, context=context) as answer, partial.open("wb") as out:  # noqa: S310
                shutil.copyfileobj(answer, out)
        except (OSError, urllib.error.URLError) as exc:
            partial.unlink(missing_ok=True)
            raise ArtefactError(f"{where}: could not download it ({exc})") from None
        partial.replace(target)
    if expected and sha256_of(target) != expected:
        raise ArtefactError(f"{where}: the file's SHA-256 is {sha256_of(target)}, the URL says {expected}")
    return target


def _ca_bundle() -> str | None:
    return next((os.environ[n] for n in CA_VARIABLES if os.environ.get(n) and Path(os.environ[n]).is_file()), None)


def setup_command(files: Sequence[tuple[str, str]], directory: str) -> str:
    """Shell text run in the cell before its first step: check the copies, then point pip and uv at them.

    ``files`` are (file name, SHA-256) pairs; ``directory`` is where the engine copied the files in the cell.
    pip reads ``PIP_FIND_LINKS`` (separated by spaces), uv ``UV_FIND_LINKS`` (separated by commas); settings
    the cell already has are kept after ours.
    A copy that does not match its SHA-256 makes the setup fail, so the cell errors before it starts.
    """
    if not files:
        return ""
    where = shlex.quote(directory)
    pip, uv = cellvars.PIP_FIND_LINKS, cellvars.UV_FIND_LINKS
    sums = " ".join(shlex.quote(f"{sha256}  {name}") for name, sha256 in files)
    return (
        f"{{ (cd {where} && printf '%s\\n' {sums} | sha256sum --check --quiet --strict) ||"
        " { echo 'the tool artefacts copied into the cell do not match their SHA-256'; false; }; }"
        f' && export {pip}={where}"${{{pip}:+ ${pip}}}" {uv}={where}"${{{uv}:+,${uv}}}"'
    )
