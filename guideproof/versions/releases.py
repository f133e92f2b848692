"""A project's releases on a package index, and the ranges regression runs choose from them.

The index answers in the JSON simple API (PEP 691): one entry per file, each possibly yanked (PEP 592)
and, from API version 1.1 (PEP 700), with its ``upload-time``. A *release* is a version with its files: it
is yanked when every one of its files is, and it was released when its first file was uploaded.
``between`` and ``per_series`` choose what a bisection or a compatibility map runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from packaging.utils import InvalidSdistFilename, InvalidWheelFilename, parse_sdist_filename, parse_wheel_filename
from packaging.version import InvalidVersion, Version

SERIES = ("minor", "patch", "all")


@dataclass(frozen=True)
class Release:
    version: Version
    yanked: bool = False  # every file of the release is yanked
    uploaded: dt.datetime | None = None  # the earliest upload-time of its files (PEP 700), when the index says

    @property
    def final(self) -> bool:
        return not (self.version.is_prerelease or self.version.is_devrelease)

    @property
    def date(self) -> str:
        """``2024-09-27``, or an empty string when the index gave no upload time."""
        return self.uploaded.date().isoformat() if self.uploaded else ""

    def __str__(self) -> str:
        return str(self.version)


def _file_version(filename: str) -> Version | None:
    try:
        if filename.endswith(".whl"):
            return parse_wheel_filename(filename)[1]
        return parse_sdist_filename(filename)[1]
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        return None  # eggs, .exe installers and legacy names are not candidates


def _uploaded(text: object) -> dt.datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def parse_project(page: Mapping[str, Any]) -> list[Release]:
    """Releases from a PEP 691 project page, oldest first."""
    files: dict[Version, list[Mapping[str, Any]]] = {}
    for entry in page.get("files", []):
        version = _file_version(str(entry.get("filename", "")))
        if version is not None:
            files.setdefault(version, []).append(entry)
    releases = []
    for version, entries in files.items():
        times = [t for t in (_uploaded(e.get("upload-time")) for e in entries) if t is not None]
        yanked = all(bool(e.get("yanked")) for e in entries)  # `yanked` is false or a reason string
        releases.append(Release(version, yanked, min(times) if times else None))
    return sorted(releases, key=lambda r: r.version)


def find(releases: Iterable[Release], version: str | Version) -> Release | None:
    wanted = Version(str(version))
    return next((r for r in releases if r.version == wanted), None)


def newest(releases: Iterable[Release], pre: bool = False) -> Release | None:
    """The newest release that is not yanked: finals only, unless ``pre``."""
    candidates = [r for r in releases if not r.yanked and (pre or r.final)]
    return max(candidates, key=lambda r: r.version) if candidates else None


def between(releases: Sequence[Release], low: Release, high: Release, pre: bool = False) -> list[Release]:
    """The releases from ``low`` to ``high`` (either order), oldest first: yanked ones left out, pre-releases
    only with ``pre``. The two ends are always kept: the user named them."""
    lo, hi = sorted((low.version, high.version))
    ends = {low.version, high.version}
    return [r for r in releases if lo <= r.version <= hi and (r.version in ends or (not r.yanked and (pre or r.final)))]


def per_series(releases: Sequence[Release], every: str = "minor") -> list[Release]:
    """The newest release of each minor (``20.26``) or patch (``20.26.6``, merging its post-releases) series,
    oldest series first; ``all`` keeps every release."""
    if every not in SERIES:
        raise ValueError(f"every must be one of {', '.join(SERIES)}, not {every!r}")
    if every == "all":
        return list(releases)
    width = 2 if every == "minor" else 3
    chosen: dict[tuple[int, ...], Release] = {}
    for release in releases:
        key = (release.version.epoch, *(release.version.release + (0, 0))[:width])
        if key not in chosen or release.version > chosen[key].version:
            chosen[key] = release
    return sorted(chosen.values(), key=lambda r: r.version)
