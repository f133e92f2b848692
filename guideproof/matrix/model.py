"""``matrix.toml`` as data: platforms, axes, requirements, the versions probe and the tools.

Everything about platforms and axes lives in that file; this module only reads and checks it. Each table
has its own small loader, and one helper rejects unknown keys, so a typo in the file is an error naming
its line rather than a setting silently ignored.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import tomllib
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from guideproof.errors import FileError
from guideproof.matrix.where import Where, first_unmatched, matches_any
from guideproof.tomlutil import key_line, toml_problem

PLATFORM = "platform"  # the built-in axis: every cell has a platform
Values = tuple[tuple[str, str], ...]  # (("platform", name), (axis, value), ...): one cell's place in the matrix
T = TypeVar("T")


@dataclass(frozen=True)
class AxisValue:
    name: str
    label: str  # short human label: the docs' tab titles and verification lines


@dataclass(frozen=True)
class Axis:
    name: str
    values: tuple[AxisValue, ...]

    def value(self, name: str) -> AxisValue:
        for value in self.values:
            if value.name == name:
                return value
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [v.name for v in self.values]


@dataclass(frozen=True)
class Image:
    registry: str | None = None  # e.g. "debian:bookworm" (optionally pinned by digest)
    debootstrap_suite: str | None = None
    debootstrap_mirror: str = "http://deb.debian.org/debian"
    provision: str = "debian"  # which provisioning recipe applies (see guideproof.engines.images)
    # The bootstrapped system's APT sources: these components in the release, -updates and -security pockets
    # (security from ``debootstrap_security``; None: the Debian mirror's -security twin).
    debootstrap_components: tuple[str, ...] = ("main",)
    debootstrap_security: str | None = None
    # A debootstrap that knows the suite, and its keyring: Debian packages of the release ``debootstrap_tools``
    # (downloaded and verified by apt), the keyring file ``debootstrap_keyring`` taken from package
    # ``debootstrap_keyring_package``. None: the host's debootstrap and its default keyring.
    debootstrap_tools: str | None = None
    debootstrap_keyring_package: str | None = None
    debootstrap_keyring: str | None = None


@dataclass(frozen=True)
class Support:
    """A platform's security-support window, from its distribution's own announcements.

    ``security``: the day regular security support ends (for Ubuntu, standard security maintenance);
    ``lts``: the day long-term support ends (Debian LTS; for Ubuntu, ESM), when there is one. A date is the
    last day of that support: on the day after it, the release no longer gets those updates.
    """

    security: dt.date
    lts: dt.date | None = None

    @property
    def end(self) -> dt.date:
        """The last day the release gets security updates at all."""
        return self.lts or self.security

    def ended(self, today: dt.date) -> bool:
        return today > self.end

    def in_lts(self, today: dt.date) -> bool:
        """Past regular security support, still in long-term support."""
        return self.lts is not None and self.security < today <= self.lts

    def describe(self, today: dt.date) -> str:
        """Where the release stands on ``today``, in words."""
        if self.ended(today):
            which = "long-term support" if self.lts else "security support"
            return f"no longer receives security updates ({which} ended {self.end.isoformat()})"
        if self.in_lts(today):
            assert self.lts is not None
            return (
                f"receives security updates through long-term support until {self.lts.isoformat()}"
                f" (regular security support ended {self.security.isoformat()})"
            )
        more = f", then long-term support until {self.lts.isoformat()}" if self.lts else ""
        return f"receives security updates until {self.security.isoformat()}{more}"


@dataclass(frozen=True)
class Platform:
    name: str
    label: str
    family: str
    kind: str  # "host" (local engine) or "container"
    short: str = ""  # short label for verification lines, e.g. "Debian 12"
    image: Image = field(default_factory=Image)
    default: bool = True  # False: defined for users who can pull its image; runs only when selected
    requires: tuple[str, ...] = ()  # requirements every cell on it has (e.g. its distribution's archive)
    support: Support | None = None  # security-support window; None: not given (the host, a rolling release)

    def ended(self, today: dt.date) -> bool:
        """Is the platform past the end of its security support on ``today``?"""
        return self.support is not None and self.support.ended(today)


@dataclass(frozen=True)
class Requirement:
    name: str
    description: str
    probe: str | None = None  # "url:<https URL>" checked once per run; None: decided by the engine/options


@dataclass(frozen=True)
class Tool:
    """A PyPI package whose version a regression run varies (``--tool NAME=latest,pre,X``)."""

    name: str
    package: str
    commands: tuple[str, ...] = ()  # command names that also mark a cell as using it (e.g. "cx")
    fallback: str | None = None  # pinned version used when the index cannot be asked

    def named_in(self, commands: Iterable[str]) -> bool:
        """Does one of ``commands`` name the tool's package (or one of its commands) as a word?"""
        words = "|".join(re.escape(w) for w in (self.package, *self.commands))
        pattern = re.compile(rf"(?<![\w.\-]){words}(?![\w\-])")
        return any(pattern.search(command) for command in commands)


@dataclass(frozen=True)
class Matrix:
    path: Path
    platforms: tuple[Platform, ...]
    axes: tuple[Axis, ...]
    requirements: tuple[Requirement, ...]
    version_probe: str = ""
    tools: dict[str, Tool] = field(default_factory=dict, hash=False)

    def axis(self, name: str) -> Axis:
        """An axis by name; ``platform`` is the built-in axis of the platforms."""
        if name == PLATFORM:
            return self.platform_axis
        for axis in self.axes:
            if axis.name == name:
                return axis
        raise KeyError(name)

    @property
    def platform_axis(self) -> Axis:
        return Axis(PLATFORM, tuple(AxisValue(p.name, p.label) for p in self.platforms))

    @property
    def axis_names(self) -> list[str]:
        return [PLATFORM, *(a.name for a in self.axes)]

    def values_matching(self, axis: str, globs: Iterable[str]) -> list[str]:
        """The values of ``axis`` that match one of ``globs``, in matrix order."""
        patterns = list(globs)
        return [name for name in self.axis(axis).names if matches_any(name, patterns)]

    def unmatched(self, axis: str, globs: Iterable[str]) -> str | None:
        """The first glob that matches no value of ``axis`` (a typo to report), or None."""
        return first_unmatched(self.axis(axis).names, globs)

    def combinations(
        self, platforms: Iterable[Platform], globs: Sequence[str], axes: Sequence[str], where: Where
    ) -> list[tuple[Platform, Values]]:
        """Each of ``platforms`` that one of ``globs`` names, with each combination of the values of ``axes``
        (in matrix order) that ``where`` matches: a scenario's ``platforms`` and ``axes`` narrowed by a
        selection, the places of its cells."""
        values = [self.axis(name).names for name in axes]
        found = []
        for platform in platforms:
            if not matches_any(platform.name, globs):
                continue
            for combo in itertools.product(*values):
                place = ((PLATFORM, platform.name), *zip(axes, combo, strict=True))
                if where.matches(dict(place)):
                    found.append((platform, place))
        return found

    def platform(self, name: str) -> Platform:
        for platform in self.platforms:
            if platform.name == name:
                return platform
        known = ", ".join(p.name for p in self.platforms)
        raise KeyError(f"unknown platform {name!r} (known: {known})")

    def requirement(self, name: str) -> Requirement:
        for req in self.requirements:
            if req.name == name:
                return req
        raise KeyError(name)


TABLES = ("platforms", "axes", "requirements", "versions", "tools")
_PLATFORM_KEYS = ("label", "family", "kind", "short", "image", "default", "requires", "support")
_SUPPORT_KEYS = ("security", "lts")
_IMAGE_KEYS = ("registry", "debootstrap", "provision")
_DEBOOTSTRAP_KEYS = ("suite", "mirror", "security", "components", "tools", "keyring-package", "keyring")
_AXIS_KEYS = ("values",)
_VALUE_KEYS = ("label",)
_REQUIREMENT_KEYS = ("description", "probe")
_VERSIONS_KEYS = ("probe",)
_TOOL_KEYS = ("package", "commands", "fallback")


@dataclass(frozen=True)
class _Source:
    """The file being loaded: where each error points."""

    path: Path
    lines: list[str]

    def fail(self, key: str | None, message: str) -> FileError:
        return FileError(self.path, key_line(self.lines, key) if key else None, message)

    def fail_within(self, table: str, key: str, message: str) -> FileError:
        """An error at ``key``'s line inside the table named ``table`` (at the table when not found)."""
        start = key_line(self.lines, table)
        if start is None:
            return FileError(self.path, None, message)
        found = key_line(self.lines[start:], key, offset=start)
        return FileError(self.path, found or start, message)

    def table(self, value: object, what: str, at: str) -> dict[str, Any]:
        """``value`` as a TOML table; else an error at ``at``'s line."""
        if not isinstance(value, dict):
            raise self.fail(at, f"{what} must be a table")
        return value

    def check_keys(self, table: Mapping[str, Any], allowed: Collection[str], what: str, at: str | None) -> None:
        """The one unknown-key check: every table of the file goes through it."""
        unknown = sorted(set(table) - set(allowed))
        if unknown:
            known = ", ".join(allowed)
            raise self.fail(at or unknown[0], f"{what}unknown key {unknown[0]!r} (known: {known})")


def load_matrix(path: Path) -> Matrix:
    """Read and check ``matrix.toml``; every problem is a :class:`FileError` naming the file and line."""
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise FileError(path, *toml_problem(exc)) from None
    src = _Source(path, text.splitlines())
    src.check_keys(data, TABLES, "", None)
    platforms = _each(src, data, "platforms", _platform)
    if not platforms:
        raise FileError(path, None, "the matrix defines no platforms")
    requirements = tuple(_each(src, data, "requirements", _requirement))
    known = [r.name for r in requirements]
    for platform in platforms:
        for name in platform.requires:
            if name not in known:
                raise src.fail(
                    platform.name, f"platform {platform.name}: unknown requirement {name!r} (known: {', '.join(known)})"
                )
    versions = src.table(data.get("versions", {}), "[versions]", "versions")
    src.check_keys(versions, _VERSIONS_KEYS, "[versions]: ", "versions")
    return Matrix(
        path=path,
        platforms=tuple(platforms),
        axes=tuple(_each(src, data, "axes", _axis)),
        requirements=requirements,
        version_probe=versions.get("probe", ""),
        tools={tool.name: tool for tool in _each(src, data, "tools", _tool)},
    )


def _each(src: _Source, data: dict[str, Any], table: str, load: Callable[[_Source, str, dict[str, Any]], T]) -> list[T]:
    """Load every ``[table.NAME]`` with ``load``."""
    entries = src.table(data.get(table, {}), f"[{table}]", table)
    return [load(src, name, src.table(spec, f"{table}.{name}", name)) for name, spec in entries.items()]


def _platform(src: _Source, name: str, spec: dict[str, Any]) -> Platform:
    src.check_keys(spec, _PLATFORM_KEYS, f"platform {name}: ", name)
    kind = spec.get("kind", "container")
    if kind not in ("host", "container"):
        raise src.fail(name, f"platform {name}: kind must be 'host' or 'container', not {kind!r}")
    image = _image(src, name, spec)
    if kind == "container" and not (image.registry or image.debootstrap_suite):
        raise src.fail(name, f"platform {name}: a container platform needs image.registry or image.debootstrap")
    requires = spec.get("requires", [])
    if not isinstance(requires, list) or not all(isinstance(r, str) for r in requires):
        raise src.fail(name, f"platform {name}: requires must be a list of requirement names")
    return Platform(
        name=name,
        label=spec.get("label", name),
        family=spec.get("family", name),
        kind=kind,
        short=spec.get("short", spec.get("label", name)),
        image=image,
        default=spec.get("default", True),
        requires=tuple(requires),
        support=_support(src, name, spec),
    )


def _support(src: _Source, name: str, spec: dict[str, Any]) -> Support | None:
    """``support = { security = 2026-06-10, lts = 2028-06-30 }``: TOML dates, ``lts`` optional."""
    if "support" not in spec:
        return None
    where = f"platform {name}: support"
    table = spec["support"]
    if not isinstance(table, dict):
        shape = "{ security = YYYY-MM-DD, lts = YYYY-MM-DD }"
        raise src.fail_within(name, "support", f"{where} must be a table: {shape}")
    unknown = sorted(set(table) - set(_SUPPORT_KEYS))
    if unknown:
        raise src.fail_within(name, "support", f"{where}: unknown key {unknown[0]!r} (known: security, lts)")
    dates: dict[str, dt.date] = {}
    for key in _SUPPORT_KEYS:
        value = table.get(key)
        if value is None:
            if key == "security":
                raise src.fail_within(name, "support", f"{where}: 'security' is required (the end of security support)")
            continue
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            raise src.fail_within(
                name, "support", f"{where}: {key} must be a TOML date like 2026-06-10 (unquoted), not {value!r}"
            )
        dates[key] = value
    lts = dates.get("lts")
    if lts is not None and lts < dates["security"]:
        raise src.fail_within(name, "support", f"{where}: lts ({lts}) ends before security ({dates['security']})")
    return Support(dates["security"], lts)


def _image(src: _Source, name: str, spec: dict[str, Any]) -> Image:
    img = src.table(spec.get("image", {}), f"platform {name}: image", name)
    src.check_keys(img, _IMAGE_KEYS, f"platform {name}: image: ", name)
    boot = src.table(img.get("debootstrap", {}), f"platform {name}: image.debootstrap", name)
    src.check_keys(boot, _DEBOOTSTRAP_KEYS, f"platform {name}: image.debootstrap: ", name)
    tools = [boot.get(key) for key in ("tools", "keyring-package", "keyring")]
    if any(tools) and not all(tools):
        raise src.fail(name, f"platform {name}: image.debootstrap: tools, keyring-package and keyring go together")
    return Image(
        registry=img.get("registry"),
        debootstrap_suite=boot.get("suite"),
        debootstrap_mirror=boot.get("mirror", Image.debootstrap_mirror),
        provision=img.get("provision", spec.get("family", "debian")),
        debootstrap_components=tuple(boot.get("components", Image.debootstrap_components)),
        debootstrap_security=boot.get("security"),
        debootstrap_tools=tools[0],
        debootstrap_keyring_package=tools[1],
        debootstrap_keyring=tools[2],
    )


def _axis(src: _Source, name: str, spec: dict[str, Any]) -> Axis:
    if name == PLATFORM:
        raise src.fail(name, "'platform' is built in; define platforms under [platforms]")
    src.check_keys(spec, _AXIS_KEYS, f"axis {name}: ", name)
    values = []
    for vname, vspec in src.table(spec.get("values", {}), f"axis {name}: values", name).items():
        vspec = src.table(vspec, f"axis {name}: value {vname}", vname)
        src.check_keys(vspec, _VALUE_KEYS, f"axis {name}, value {vname}: ", vname)
        values.append(AxisValue(vname, vspec.get("label", vname)))
    if not values:
        raise src.fail(name, f"axis {name} has no values")
    return Axis(name, tuple(values))


def _requirement(src: _Source, name: str, spec: dict[str, Any]) -> Requirement:
    src.check_keys(spec, _REQUIREMENT_KEYS, f"requirement {name}: ", name)
    return Requirement(name, spec.get("description", name), spec.get("probe"))


def _tool(src: _Source, name: str, spec: dict[str, Any]) -> Tool:
    src.check_keys(spec, _TOOL_KEYS, f"tool {name}: ", name)
    return Tool(
        name=name,
        package=spec.get("package", name),
        commands=tuple(spec.get("commands", ())),
        fallback=spec.get("fallback"),
    )
