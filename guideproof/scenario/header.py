"""The TOML header between the two ``+++`` lines, checked against the matrix."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

from guideproof.errors import ScenarioError
from guideproof.matrix.model import Matrix
from guideproof.scenario.model import XFail
from guideproof.tomlutil import key_line, toml_error

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
    key_lines: dict[str, int]


def split_header(path: Path, lines: list[str]) -> tuple[list[str], int]:
    """Return the header's lines and the 1-based number of the first body line."""
    if not lines or lines[0].rstrip() != "+++":
        raise ScenarioError(path, 1, "a scenario starts with a '+++' line, then a TOML header, then '+++'")
    for index in range(1, len(lines)):
        if lines[index].rstrip() == "+++":
            return lines[1:index], index + 2
    raise ScenarioError(path, 1, "the header's closing '+++' line is missing")


def _strings(path: Path, line: int | None, key: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ScenarioError(path, line, f"'{key}' must be a list of strings")
    return tuple(value)


def parse_header(path: Path, header: list[str], matrix: Matrix) -> Header:
    try:
        data = tomllib.loads("\n".join(header))
    except tomllib.TOMLDecodeError as exc:
        raise toml_error(path, 1, exc, last_line=len(header) + 1) from None

    def line_of(key: str) -> int | None:
        return key_line(header, key, offset=1)

    for key in data:
        if key not in KEYS:
            raise ScenarioError(path, line_of(key), f"unknown header key {key!r} (known: {', '.join(sorted(KEYS))})")
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ScenarioError(path, line_of("title") or 2, "the header needs a 'title' (a non-empty string)")

    axes = _strings(path, line_of("axes"), "axes", data.get("axes", []))
    known_axes = [a.name for a in matrix.axes]
    for axis in axes:
        if axis == "platform":
            raise ScenarioError(path, line_of("axes"), "'platform' always applies; do not list it in 'axes'")
        if axis not in known_axes:
            raise ScenarioError(path, line_of("axes"), f"unknown axis {axis!r} (matrix axes: {', '.join(known_axes)})")

    platforms = _strings(path, line_of("platforms"), "platforms", data.get("platforms", ["*"]))
    names = [p.name for p in matrix.platforms]
    for glob in platforms:
        if not any(fnmatchcase(n, glob) for n in names):
            raise ScenarioError(
                path, line_of("platforms"), f"platform pattern {glob!r} matches no platform ({', '.join(names)})"
            )

    requires = _strings(path, line_of("requires"), "requires", data.get("requires", []))
    known_reqs = [r.name for r in matrix.requirements]
    for req in requires:
        if req not in known_reqs:
            raise ScenarioError(
                path, line_of("requires"), f"unknown requirement {req!r} (known: {', '.join(known_reqs)})"
            )

    timeout = data.get("timeout", DEFAULT_TIMEOUT)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise ScenarioError(path, line_of("timeout"), "'timeout' must be a positive number of seconds")

    xfails = tuple(_xfail(path, header, matrix, axes, entry, n) for n, entry in enumerate(data.get("xfail", [])))
    return Header(
        title=title.strip(),
        axes=axes,
        platforms=platforms,
        requires=requires,
        timeout=float(timeout),
        xfails=xfails,
        key_lines={k: v for k in data if (v := line_of(k)) is not None},
    )


def _xfail(path: Path, header: list[str], matrix: Matrix, axes: tuple[str, ...], entry: object, n: int) -> XFail:
    starts = [i + 2 for i, line in enumerate(header) if line.strip().startswith("[[xfail]]")]
    line = starts[n] if n < len(starts) else key_line(header, "xfail", offset=1)
    if not isinstance(entry, dict):
        raise ScenarioError(path, line, "'xfail' must be an array of tables ([[xfail]])")
    bad = set(entry) - {"when", "reason", "link"}
    if bad:
        raise ScenarioError(path, line, f"unknown xfail key {sorted(bad)[0]!r} (known: link, reason, when)")
    reason = entry.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise ScenarioError(path, line, "an xfail needs a 'reason'")
    when = entry.get("when", {})
    if not isinstance(when, dict) or not when:
        raise ScenarioError(path, line, "an xfail needs 'when', a table of axis = value or glob")
    for axis, glob in when.items():
        if axis != "platform" and axis not in axes:
            raise ScenarioError(path, line, f"xfail names axis {axis!r}, which this scenario does not use")
        if not isinstance(glob, str) or not any(fnmatchcase(v, glob) for v in matrix.axis(axis).names):
            raise ScenarioError(path, line, f"xfail value {glob!r} matches no value of axis {axis!r}")
    link = entry.get("link")
    return XFail(when=dict(when), reason=reason.strip(), link=link, line=line or 1)
