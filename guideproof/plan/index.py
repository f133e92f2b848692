"""Ask a package index which versions of a package exist (the PEP 691 JSON simple API)."""

from __future__ import annotations

import json
import os
import ssl
import urllib.error
import urllib.request

from packaging.utils import InvalidSdistFilename, InvalidWheelFilename, parse_sdist_filename, parse_wheel_filename

DEFAULT_INDEX = "https://pypi.org/simple"
TIMEOUT = 10.0
ACCEPT = "application/vnd.pypi.simple.v1+json"


def index_url() -> str:
    """The index pip on this machine uses: PIP_INDEX_URL when set, else PyPI."""
    return (os.environ.get("PIP_INDEX_URL") or DEFAULT_INDEX).rstrip("/")


def available_versions(package: str, index: str | None = None) -> list[str]:
    """Versions with at least one non-yanked file. Raises OSError when the index does not answer."""
    url = f"{index or index_url()}/{package}/"
    request = urllib.request.Request(url, headers={"Accept": ACCEPT})
    context = ssl.create_default_context(cafile=os.environ.get("PIP_CERT") or None)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT, context=context) as response:  # noqa: S310
            data = json.load(response)
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return []  # the index answered: no such project
        raise
    except (ValueError, UnicodeDecodeError) as exc:
        raise OSError(f"{url}: not a PEP 691 JSON answer ({exc})") from None
    versions: set[str] = set()
    for file in data.get("files", []):
        if file.get("yanked"):
            continue
        name = file.get("filename", "")
        try:
            if name.endswith(".whl"):
                versions.add(str(parse_wheel_filename(name)[1]))
            else:
                versions.add(str(parse_sdist_filename(name)[1]))
        except (InvalidWheelFilename, InvalidSdistFilename):
            continue
    return sorted(versions)
