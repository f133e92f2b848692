"""Tool version axes: ``--tool virtualenv=latest,pre,20.26.6`` → the exact versions a regression run varies.

A tool (``[tools.NAME]`` in matrix.toml) is a PyPI package a scenario installs. A cell *uses* it when one
of its commands names the package as a word. ``latest`` and ``pre`` are resolved once per run from the
package index; with no index answering (or ``--offline``), the matrix's pinned ``fallback`` is used and
the run says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

from guideproof import cellvars
from guideproof.errors import UserError
from guideproof.matrix.model import Matrix, Tool
from guideproof.results.record import ToolVersion
from guideproof.scenario.model import Step

SPECIAL = ("latest", "pre")


@dataclass(frozen=True)
class ToolRequest:
    """One ``--tool NAME=SPEC,SPEC`` option: the specs as the user wrote them."""

    tool: Tool
    specs: tuple[str, ...]


def parse_requests(options: Sequence[str], matrix: Matrix) -> list[ToolRequest]:
    """``["virtualenv=latest,20.26.6"]`` → requests; unknown tools and bad versions are usage errors."""
    requests: dict[str, list[str]] = {}
    for option in options:
        name, eq, specs = option.partition("=")
        name = name.strip()
        if not eq or not name or not specs.strip():
            raise UserError(f"--tool {option!r}: expected NAME=VERSION[,VERSION...], e.g. --tool virtualenv=latest,pre")
        if name not in matrix.tools:
            known = ", ".join(matrix.tools) or "none"
            raise UserError(f"--tool {name}: not a tool of {matrix.path} (tools: {known})")
        for spec in (s.strip() for s in specs.split(",")):
            if not spec:
                raise UserError(f"--tool {option!r}: empty version")
            if spec not in SPECIAL:
                try:
                    Version(spec)
                except InvalidVersion:
                    raise UserError(
                        f"--tool {name}={spec}: not a version (use latest, pre or an exact version like 20.26.6)"
                    ) from None
            if spec not in requests.setdefault(name, []):
                requests[name].append(spec)
    return [ToolRequest(matrix.tools[name], tuple(specs)) for name, specs in requests.items()]


def pick(versions: Iterable[str], spec: str) -> str | None:
    """The highest final release (``latest``) or the highest release of any kind (``pre``)."""
    parsed = []
    for text in versions:
        try:
            parsed.append(Version(text))
        except InvalidVersion:
            continue  # legacy version strings on the index are not candidates
    if spec == "latest":
        parsed = [v for v in parsed if not v.is_prerelease and not v.is_devrelease]
    return str(max(parsed)) if parsed else None


def resolve(
    requests: Sequence[ToolRequest],
    available: Callable[[str], list[str]],
    offline: bool = False,
) -> list[ToolVersion]:
    """Exact versions for every request, without duplicates (``pre`` often equals ``latest``).

    ``available(package)`` lists the package's non-yanked versions on the index, raising OSError
    when the index cannot be reached.
    """
    resolved: list[ToolVersion] = []
    for request in requests:
        tool = request.tool
        index_versions: list[str] | None = None
        why_not = "--offline was given" if offline else ""
        seen: set[str] = set()
        for spec in request.specs:
            if spec not in SPECIAL:
                version, source, note = str(Version(spec)), "asked", ""
                if index_versions is None and not offline:
                    index_versions, why_not = _listing(available, tool.package)
                if index_versions is not None and version not in _normalized(index_versions):
                    raise UserError(f"--tool {tool.name}={spec}: {tool.package} {spec} is not on the package index")
            else:
                if index_versions is None and not why_not:
                    index_versions, why_not = _listing(available, tool.package)
                found = pick(index_versions, spec) if index_versions is not None else None
                if found:
                    version, source, note = found, "index", ""
                elif tool.fallback:
                    version, source = tool.fallback, "fallback"
                    note = f"{why_not or 'no release on the index'}: using the fallback pinned in matrix.toml"
                else:
                    raise UserError(
                        f"--tool {tool.name}={spec}: cannot resolve ({why_not or 'no release on the index'})"
                        " and matrix.toml pins no fallback"
                    )
            if version in seen:
                continue
            seen.add(version)
            resolved.append(ToolVersion(tool.name, spec, version, source, note))
    return resolved


def _normalized(versions: Iterable[str]) -> set[str]:
    out = set()
    for text in versions:
        try:
            out.add(str(Version(text)))
        except InvalidVersion:
            continue
    return out


def _listing(available: Callable[[str], list[str]], package: str) -> tuple[list[str] | None, str]:
    try:
        return available(package), ""
    except OSError as exc:
        return None, f"the package index did not answer ({exc})"


def uses(tool: Tool, steps: Iterable[Step]) -> bool:
    """Does any command name the tool's package (or one of its commands) as a word?"""
    words = "|".join(re.escape(w) for w in (tool.package, *tool.commands))
    pattern = re.compile(rf"(?<![\w.\-]){words}(?![\w\-])")
    return any(pattern.search(step.command) for step in steps)


def constraints_setup(pins: Sequence[tuple[str, str]], matrix: Matrix) -> str:
    """Shell lines that pin the cell's tool versions for pip, pipx and uv (run before the first step)."""
    if not pins:
        return ""
    lines = "\\n".join(f"{matrix.tools[name].package}=={version}" for name, version in pins)
    file, pip, uv = cellvars.CONSTRAINTS_FILE, cellvars.PIP_CONSTRAINT, cellvars.UV_CONSTRAINT
    return (
        f'{file}="$(mktemp "${{TMPDIR:-/tmp}}/harness-constraints.XXXXXX")"'
        f" && printf '{lines}\\n' >\"${file}\""
        f' && export {pip}="${file}" {uv}="${file}"'
        f" && unset {file}"
    )
