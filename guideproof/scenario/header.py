"""The TOML header between the two ``+++`` lines, checked against the matrix.

Every key is checked where it is read: an unknown axis, a platform glob that matches no platform or an
unknown requirement is a :class:`FileError` at the key's line, so a run never starts on a typo.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path

from guideproof.errors import FileError
from guideproof.matrix.model import PLATFORM, Matrix
from guideproof.matrix.where import Where
from guideproof.scenario.model import XFail
from guideproof.tomlutil import key_line, toml_problem

KEYS = {"title", "axes", "platforms", "requires", "timeout", "xfail"}
DEFAULT_TIMEOUT = 300.0


@dataclass(frozen=True)
class Header:
    title: str
    axes: tuple[str, ...]
    platforms: tuple[str, ...]
    requires: tuple[str, ...]
    timeout: float
    xfails: tuple[XFail, ...]


def split_header(path: Path, lines: list[str]) -> tuple[list[str], int]:
    """Return the header's lines and the 1-based number of the first body line."""
    if not lines or lines[0].rstrip() != "+++":
        raise FileError(path, 1, "a scenario starts with a '+++' line, then a TOML header, then '+++'")
    for index in range(1, len(lines)):
        if lines[index].rstrip() == "+++":
            return lines[1:index], index + 2
    raise FileError(path, 1, "the header's closing '+++' line is missing")


def _strings(path: Path, line: int | None, key: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise FileError(path, line, f"'{key}' must be a list of strings")
    return tuple(value)


def read_header(path: Path, lines: list[str], matrix: Matrix) -> tuple[Header, int]:
    """The header of a scenario file's ``lines`` and the 1-based number of its first body line."""
    header, body_start = split_header(path, lines)
    return parse_header(path, header, matrix), body_start


def parse_header(path: Path, header: list[str], matrix: Matrix) -> Header:
    """Parse and check the header's TOML (``header``: the lines between the ``+++`` lines)."""
    try:
        data = tomllib.loads("\n".join(header))
    except tomllib.TOMLDecodeError as exc:
        raise FileError(path, *toml_problem(exc, 1, last_line=len(header) + 1)) from None

    def line_of(key: str) -> int | None:
        return key_line(header, key, offset=1)

    for key in data:
        if key not in KEYS:
            raise FileError(path, line_of(key), f"unknown header key {key!r} (known: {', '.join(sorted(KEYS))})")
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        raise FileError(path, line_of("title") or 2, "the header needs a 'title' (a non-empty string)")

    axes = _strings(path, line_of("axes"), "axes", data.get("axes", []))
    twice = next((axis for n, axis in enumerate(axes) if axis in axes[:n]), None)
    if twice is not None:
        raise FileError(path, line_of("axes"), f"axis {twice!r} is listed twice in 'axes'")
    known_axes = [a.name for a in matrix.axes]
    for axis in axes:
        if axis == PLATFORM:
            raise FileError(path, line_of("axes"), "'platform' always applies; do not list it in 'axes'")
        if axis not in known_axes:
            raise FileError(path, line_of("axes"), f"unknown axis {axis!r} (matrix axes: {', '.join(known_axes)})")

    platforms = _strings(path, line_of("platforms"), "platforms", data.get("platforms", ["*"]))
    if not platforms:
        raise FileError(
            path,
            line_of("platforms"),
            "'platforms' is empty, so the scenario never runs: name at least one"
            " platform (or leave the key out: every platform)",
        )
    glob = matrix.unmatched(PLATFORM, platforms)
    if glob is not None:
        names = ", ".join(p.name for p in matrix.platforms)
        raise FileError(path, line_of("platforms"), f"platform pattern {glob!r} matches no platform ({names})")

    requires = _strings(path, line_of("requires"), "requires", data.get("requires", []))
    known_reqs = [r.name for r in matrix.requirements]
    for req in requires:
        if req not in known_reqs:
            raise FileError(path, line_of("requires"), f"unknown requirement {req!r} (known: {', '.join(known_reqs)})")

    timeout = data.get("timeout", DEFAULT_TIMEOUT)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not math.isfinite(timeout) or timeout <= 0:
        raise FileError(path, line_of("timeout"), "'timeout' must be a positive, finite number of seconds")

    entries = data.get("xfail", [])
    if not isinstance(entries, list):
        raise FileError(path, line_of("xfail"), "'xfail' must be an array of tables ([[xfail]])")
    xfails = tuple(_xfail(path, header, matrix, axes, entry, n) for n, entry in enumerate(entries))
    return Header(
        title=title.strip(),
        axes=axes,
        platforms=platforms,
        requires=requires,
        timeout=float(timeout),
        xfails=xfails,
    )


def _xfail(path: Path, header: list[str], matrix: Matrix, axes: tuple[str, ...], entry: object, n: int) -> XFail:
    starts = [i + 2 for i, line in enumerate(header) if line.strip().startswith("[[xfail]]")]
    line = starts[n] if n < len(starts) else key_line(header, "xfail", offset=1)
    if not isinstance(entry, dict):
        raise FileError(path, line, "'xfail' must be an array of tables ([[xfail]])")
    bad = set(entry) - {"when", "reason", "link"}
    if bad:
        raise FileError(path, line, f"unknown xfail key {sorted(bad)[0]!r} (known: link, reason, when)")
    reason = entry.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise FileError(path, line, "an xfail needs a 'reason'")
    when = entry.get("when", {})
    if not isinstance(when, dict) or not when:
        raise FileError(path, line, "an xfail needs 'when', a table of axis = value or glob")
    for axis, glob in when.items():
        if axis != PLATFORM and axis not in axes:
            raise FileError(path, line, f"xfail names axis {axis!r}, which this scenario does not use")
        if not isinstance(glob, str) or matrix.unmatched(axis, [glob]) is not None:
            raise FileError(path, line, f"xfail value {glob!r} matches no value of axis {axis!r}")
    link = entry.get("link")
    if link is not None and (not isinstance(link, str) or not link.strip()):
        raise FileError(path, line, "an xfail's 'link' must be a string (the issue's URL)")
    return XFail(
        when=Where.of({axis: [glob] for axis, glob in when.items()}), reason=reason.strip(), link=link, line=line or 1
    )
