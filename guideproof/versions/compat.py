"""Ranges of releases for a compatibility map: ``--tool virtualenv=20.0.0..latest --tool-every minor``.

A range names two ends, each a version, ``latest`` (the newest final release) or ``pre`` (the newest of any
kind); it expands to the releases between them on the index, yanked ones left out and pre-releases only when
an end is ``pre``, then thinned to one release per series (``minor``: the newest of each 20.26.x, the default;
``patch``: the newest of each 20.26.6 with its post-releases; ``all``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

from guideproof.errors import VersionError
from guideproof.versions.releases import SERIES, Release, between, find, newest, per_series

SEPARATOR = ".."
ENDS = ("latest", "pre")


class RangeError(VersionError):
    """A range spec that cannot be used; the message names the spec and the fix."""


@dataclass(frozen=True)
class ReleaseRange:
    low: str  # as written: a version, latest or pre
    high: str

    @property
    def pre(self) -> bool:
        return "pre" in (self.low, self.high)

    def __str__(self) -> str:
        return f"{self.low}{SEPARATOR}{self.high}"


def is_range(spec: str) -> bool:
    return SEPARATOR in spec


def parse_range(spec: str) -> ReleaseRange:
    """``20.0.0..latest`` → ``ReleaseRange("20.0.0", "latest")``; versions are normalised."""
    low, sep, high = (part.strip() for part in spec.partition(SEPARATOR))
    if not sep or not low or not high or SEPARATOR in high:
        raise RangeError(f"{spec!r}: a range is FIRST..LAST, e.g. 20.0.0..latest")
    ends = []
    for end in (low, high):
        if end in ENDS:
            ends.append(end)
            continue
        try:
            ends.append(str(Version(end)))
        except InvalidVersion:
            raise RangeError(f"{spec!r}: {end!r} is not a version (nor latest or pre)") from None
    return ReleaseRange(ends[0], ends[1])


def end_release(releases: Sequence[Release], end: str, package: str, option: str = "") -> Release:
    """The release an end names; a named version must be on the index. ``option`` (``--good``) starts the
    message of the error, when the end comes from one."""
    said = f"{option} {end}: " if option else ""
    if end in ENDS:
        found = newest(releases, pre=end == "pre")
        if found is None:
            kind = "release" if end == "pre" else "final release"
            raise RangeError(f"{said}{package} has no {kind} on the index")
        return found
    release = find(releases, end)
    if release is None:
        raise RangeError(f"{said}{package} {end} is not on the package index")
    return release


def expand(releases: Sequence[Release], wanted: ReleaseRange, every: str, package: str) -> list[Release]:
    """The releases a range runs, oldest first."""
    if every not in SERIES:
        raise RangeError(f"--tool-every {every}: expected one of {', '.join(SERIES)}")
    low = end_release(releases, wanted.low, package)
    high = end_release(releases, wanted.high, package)
    return per_series(between(releases, low, high, pre=wanted.pre), every)
