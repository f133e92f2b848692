"""Ask a package index about a project's releases (the PEP 691 JSON simple API, PEP 700's upload times)."""

from __future__ import annotations

import json
import os
import ssl
import urllib.error
import urllib.request

from guideproof.versions.releases import Release, parse_project

DEFAULT_INDEX = "https://pypi.org/simple"
TIMEOUT = 10.0
ACCEPT = "application/vnd.pypi.simple.v1+json"


def index_url() -> str:
    """The index pip on this machine uses: PIP_INDEX_URL when set, else PyPI."""
    return (os.environ.get("PIP_INDEX_URL") or DEFAULT_INDEX).rstrip("/")


def project_releases(package: str, index: str | None = None) -> list[Release]:
    """The project's releases, oldest first, yanked ones included and marked. Raises OSError when the index
    does not answer; a project the index does not know has no releases."""
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
    if not isinstance(data, dict):
        raise OSError(f"{url}: not a PEP 691 JSON answer (not an object)")
    return parse_project(data)
