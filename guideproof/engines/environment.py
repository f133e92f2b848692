"""Which host environment variables cross into a cell. Nothing else does."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from urllib.parse import unquote

from guideproof import cellvars

# Locale and terminal basics a reader's shell has.
BASICS = ("LANG", "LC_ALL", "LC_CTYPE", "TZ")
# Proxies: the same setting a user behind a corporate proxy needs.
PROXIES = ("http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY")
# Package index settings: where pip and uv find packages.
INDEX = (
    "PIP_INDEX_URL",
    "PIP_EXTRA_INDEX_URL",
    "PIP_TRUSTED_HOST",
    "PIP_FIND_LINKS",
    "PIP_DEFAULT_TIMEOUT",
    "UV_INDEX_URL",
    "UV_DEFAULT_INDEX",
    "UV_EXTRA_INDEX_URL",
    "UV_INDEX",
    "UV_FIND_LINKS",
)
# Set in every cell so that output depends on the guidance, not on the day: pip's self version check prints
# "A new release of pip is available" whenever PyPI has a newer pip than the environment's, so a cell that passes
# today would fail the day pip releases (seen with virtualenv 20.26.6, whose seeded pip 24.2 printed it).
STEADY = cellvars.STEADY
# Settings whose value names URLs or paths, checked for host-only locations before entering a container.
URL_OR_PATH = tuple(name for name in INDEX if name not in ("PIP_TRUSTED_HOST", "PIP_DEFAULT_TIMEOUT"))


def allowlisted(host: Mapping[str, str], names: tuple[str, ...]) -> dict[str, str]:
    """The ``names`` that are set (and not empty) in ``host``."""
    return {name: host[name] for name in names if host.get(name)}


def host_only_values(value: str) -> tuple[list[str], list[str]]:
    """Split a space-separated index/find-links value into parts usable elsewhere and host-only parts."""
    keep: list[str] = []
    drop: list[str] = []
    for part in value.split():
        (drop if part.startswith(("file:", "/", "./", "../")) else keep).append(part)
    return keep, drop


# ``scheme://user:password@host``: the part between ``://`` and ``@`` (a token may be the user part alone).
_USERINFO = re.compile(r"://([^/@\s]+)@")
MASK = "****"
MIN_SECRET = 4  # shorter values would mask ordinary text


def secrets_in(env: Mapping[str, str]) -> tuple[str, ...]:
    """The credentials in the URLs of ``env`` (index and proxy settings): what logs and results must not show."""
    found: set[str] = set()
    for name in (*INDEX, *PROXIES):
        for userinfo in _USERINFO.findall(env.get(name, "")):
            user, _, password = userinfo.partition(":")
            found.update({userinfo, unquote(userinfo), password, unquote(password)})
            if not password:  # a token given as the user name
                found.update({user, unquote(user)})
    return tuple(sorted((s for s in found if len(s) >= MIN_SECRET), key=len, reverse=True))


def mask(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every one of ``secrets`` replaced by ``****`` (longest first)."""
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text
