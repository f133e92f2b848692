"""Tool versions a regression run varies: ``--tool virtualenv=latest,pre,20.26.6``, ranges, local builds.

A tool (``[tools.NAME]`` in matrix.toml) is a PyPI package a scenario installs. A cell *uses* it when one
of its commands names the package as a word. A spec is ``latest`` or ``pre`` (resolved once per run from the
package index; with no index answering, or ``--offline``, the matrix's pinned ``fallback`` is used and the run
says so), an exact version, a range ``FIRST..LAST`` (one release per series, see :mod:`guideproof.versions.compat`),
or a wheel or sdist given by path or URL (:mod:`guideproof.versions.artefacts`), copied into each cell.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from packaging.version import InvalidVersion, Version

from guideproof import cellvars
from guideproof.errors import UserError, VersionError
from guideproof.matrix.model import Matrix, Tool
from guideproof.results.record import ToolVersion
from guideproof.versions import artefacts as artefact_files
from guideproof.versions.compat import RangeError, expand, is_range, parse_range
from guideproof.versions.releases import Release, find, newest

SPECIAL = ("latest", "pre")
DOWNLOADS = Path("build/artefacts")  # where URLs given as --tool specs are downloaded (below the project root)


@dataclass(frozen=True)
class ToolRequest:
    """One ``--tool NAME=SPEC,SPEC`` option: the specs as the user wrote them."""

    tool: Tool
    specs: tuple[str, ...]


def parse_requests(options: Sequence[str], matrix: Matrix) -> list[ToolRequest]:
    """``["virtualenv=latest,20.26.6"]`` → requests; unknown tools and bad specs are usage errors."""
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
            _check_spec(name, spec)
            if spec not in requests.setdefault(name, []):
                requests[name].append(spec)
    return [ToolRequest(matrix.tools[name], tuple(specs)) for name, specs in requests.items()]


def _check_spec(name: str, spec: str) -> None:
    if spec in SPECIAL or artefact_files.is_artefact(spec):
        return
    if is_range(spec):
        try:
            parse_range(spec)
        except RangeError as exc:
            raise RangeError(f"--tool {name}={spec}: {exc}") from None
        return
    try:
        Version(spec)
    except InvalidVersion:
        raise VersionError(
            f"--tool {name}={spec}: not a version (use latest, pre, an exact version like 20.26.6, a range like"
            " 20.0.0..latest, or the path or URL of a wheel or sdist)"
        ) from None


@dataclass
class _Index:
    """One tool's releases on the index, asked for once and only when a spec needs them."""

    package: str
    releases_of: Callable[[str], list[Release]]
    offline: bool
    _releases: list[Release] | None = None
    why_not: str = ""
    _asked: bool = field(default=False)

    def releases(self) -> list[Release] | None:
        """None when the index cannot be asked (``why_not`` says why)."""
        if self.offline:
            self.why_not = "--offline was given"
            return None
        if not self._asked:
            self._asked = True
            try:
                self._releases = self.releases_of(self.package)
            except OSError as exc:
                self.why_not = f"the package index did not answer ({exc})"
        return self._releases


def resolve(
    requests: Sequence[ToolRequest],
    releases_of: Callable[[str], list[Release]],
    offline: bool = False,
    every: str = "minor",
    downloads: Path = DOWNLOADS,
    base: Path | None = None,
) -> list[ToolVersion]:
    """Exact versions for every request, in order and without duplicates (``pre`` often equals ``latest``).

    ``releases_of(package)`` lists the package's releases on the index, raising OSError when the index cannot
    be reached. ``every`` thins ranges (minor, patch, all); ``downloads`` receives URLs; relative paths are
    taken from ``base``.
    """
    resolved: list[ToolVersion] = []
    for request in requests:
        index = _Index(request.tool.package, releases_of, offline)
        seen: set[str] = set()
        for spec in request.specs:
            for version in _resolve_spec(request.tool, spec, index, every, downloads, base):
                if version.version not in seen:
                    seen.add(version.version)
                    resolved.append(version)
    return resolved


def _resolve_spec(
    tool: Tool, spec: str, index: _Index, every: str, downloads: Path, base: Path | None
) -> list[ToolVersion]:
    if spec in SPECIAL:
        return [_latest(tool, spec, index)]
    if artefact_files.is_artefact(spec):
        return [_artefact(tool, spec, index, downloads, base)]
    if is_range(spec):
        releases = index.releases()
        if releases is None:
            raise VersionError(f"--tool {tool.name}={spec}: a range needs the package index, and {index.why_not}")
        try:
            chosen = expand(releases, parse_range(spec), every, tool.package)
        except RangeError as exc:
            raise RangeError(f"--tool {tool.name}={spec}: {exc}") from None
        return [ToolVersion(tool.name, spec, str(r), "index", released=r.date) for r in chosen]
    version = str(Version(spec))
    releases = index.releases()
    if releases is None:
        return [ToolVersion(tool.name, spec, version, "asked")]
    release = find(releases, version)
    if release is None:
        raise VersionError(f"--tool {tool.name}={spec}: {tool.package} {spec} is not on the package index")
    note = "yanked on the index" if release.yanked else ""
    return [ToolVersion(tool.name, spec, version, "asked", note, released=release.date)]


def _latest(tool: Tool, spec: str, index: _Index) -> ToolVersion:
    releases = index.releases()
    found = newest(releases, pre=spec == "pre") if releases is not None else None
    if found is not None:
        return ToolVersion(tool.name, spec, str(found), "index", released=found.date)
    why = index.why_not or "no release on the index"
    if tool.fallback:
        return ToolVersion(
            tool.name, spec, tool.fallback, "fallback", f"{why}: using the fallback pinned in matrix.toml"
        )
    raise VersionError(f"--tool {tool.name}={spec}: cannot resolve ({why}) and matrix.toml pins no fallback")


def _artefact(tool: Tool, spec: str, index: _Index, downloads: Path, base: Path | None) -> ToolVersion:
    artefact = artefact_files.load(tool.name, tool.package, spec, downloads, base)
    releases = index.releases() or []
    note = ""
    if find(releases, artefact.version) is not None:
        # pip and uv would see two files of one version, ours in find-links and the index's: either may win.
        note = (
            f"{tool.package} {artefact.version} is also released on the index, so pip may install either file;"
            " give the build its own version (a local label such as +patched1) to be sure the cells run it"
        )
    source = "url" if spec.startswith(artefact_files.URL_SCHEMES) else "file"
    return ToolVersion(
        tool.name,
        spec,
        artefact.version,
        source,
        note,
        file=artefact.filename,
        sha256=artefact.sha256,
        path=str(artefact.path),
    )


def constraints_setup(pins: Sequence[tuple[str, str]], matrix: Matrix) -> str:
    """Shell text that pins the cell's tool versions for pip, pipx and uv (run before the first step)."""
    if not pins:
        return ""
    lines = "\\n".join(f"{matrix.tools[name].package}=={version}" for name, version in pins)
    file, pip, uv = cellvars.CONSTRAINTS_FILE, cellvars.PIP_CONSTRAINT, cellvars.UV_CONSTRAINT
    return (
        f'{file}="$(mktemp "${{TMPDIR:-/tmp}}/guideproof-constraints.XXXXXX")"'
        f" && printf '{lines}\\n' >\"${file}\""
        f' && export {pip}="${file}" {uv}="${file}"'
        f" && unset {file}"
    )


def artefacts_for(pins: Iterable[tuple[str, str]], versions: Iterable[ToolVersion]) -> list[ToolVersion]:
    """The local builds among a cell's pins: what the engine copies into the cell."""
    wanted = set(pins)
    return [v for v in versions if v.artefact and (v.tool, v.version) in wanted]


def tool_setup(
    pins: Sequence[tuple[str, str]], matrix: Matrix, artefacts: Sequence[ToolVersion], directory: str
) -> str:
    """Everything a cell runs before its first step for its tools: the local builds copied to ``directory``
    checked and offered through find-links, then every pin in the constraints file."""
    files = artefact_files.setup_command([(a.file, a.sha256) for a in artefacts], directory)
    pinned = constraints_setup(pins, matrix)
    return " && ".join(part for part in (files, pinned) if part)


def describe(versions: Sequence[ToolVersion], index: str, every: str = "minor") -> list[str]:
    """One line per ``--tool`` spec for the run's header: what it resolved to, and from where."""
    groups: dict[tuple[str, str], list[ToolVersion]] = {}
    for version in versions:
        groups.setdefault((version.tool, version.spec), []).append(version)
    lines = []
    for (tool, spec), group in groups.items():
        first = group[0]
        if is_range(spec):
            shown = ", ".join(v.version for v in group)
            lines.append(f"--tool {tool}={spec} → {len(group)} releases, one per {every} series, from {index}: {shown}")
            continue
        if first.artefact:
            where = f"{first.file}, sha256 {first.sha256[:12]}…, copied into each cell"
        else:
            where = {"index": f"from {index}", "asked": "as asked", "fallback": first.note}.get(first.source, "")
        note = f"; {first.note}" if first.note and first.source != "fallback" else ""
        lines.append(f"--tool {tool}={spec} → {first.version} ({where}{note})")
    return lines
