"""Load and validate ``matrix.toml``. Everything about platforms and axes lives in that file."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from guideproof.errors import ScenarioError
from guideproof.tomlutil import key_line, toml_error


@dataclass(frozen=True)
class AxisValue:
    name: str
    label: str  # short human label, used for docs tabs
    description: str = ""
    create: str | None = None  # for env-like axes: the command that creates an environment in this mode
    extra: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class Axis:
    name: str
    label: str
    description: str
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


@dataclass(frozen=True)
class Platform:
    name: str
    label: str
    family: str
    kind: str  # "host" (local engine) or "container"
    short: str = ""  # short label for verification lines, e.g. "Debian 12"
    image: Image = field(default_factory=Image)
    default: bool = True  # False: defined for users who can pull its image; runs only when selected

    @property
    def runs_on_containers(self) -> bool:
        return self.kind == "container"


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
    description: str = ""
    commands: tuple[str, ...] = ()  # command names that also mark a cell as using it (e.g. "cx")
    fallback: str | None = None  # pinned version used when the index cannot be asked


@dataclass(frozen=True)
class Matrix:
    path: Path
    platforms: tuple[Platform, ...]
    axes: tuple[Axis, ...]
    requirements: tuple[Requirement, ...]
    version_probe: str = ""
    tools: dict[str, Tool] = field(default_factory=dict, hash=False)

    def axis(self, name: str) -> Axis:
        if name == "platform":
            return self.platform_axis
        for axis in self.axes:
            if axis.name == name:
                return axis
        raise KeyError(name)

    @property
    def platform_axis(self) -> Axis:
        values = tuple(AxisValue(p.name, p.label) for p in self.platforms)
        return Axis("platform", "Platform", "The Linux distribution (or the host)", values)

    @property
    def axis_names(self) -> list[str]:
        return ["platform", *(a.name for a in self.axes)]

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


_PLATFORM_KEYS = {"label", "family", "kind", "short", "image", "default"}
_IMAGE_KEYS = {"registry", "debootstrap", "provision"}
_VALUE_KEYS = {"label", "description", "create"}
_TOOL_KEYS = {"package", "description", "commands", "fallback"}


def load_matrix(path: Path) -> Matrix:
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise toml_error(path, 0, exc) from None
    lines = text.splitlines()

    def fail(key: str, message: str) -> ScenarioError:
        return ScenarioError(path, key_line(lines, key), message)

    unknown = set(data) - {"platforms", "axes", "requirements", "versions", "tools"}
    if unknown:
        raise fail(sorted(unknown)[0], f"unknown table {sorted(unknown)[0]!r}")

    platforms = []
    for name, spec in data.get("platforms", {}).items():
        bad = set(spec) - _PLATFORM_KEYS
        if bad:
            raise fail(name, f"platform {name}: unknown key {sorted(bad)[0]!r}")
        kind = spec.get("kind", "container")
        if kind not in ("host", "container"):
            raise fail(name, f"platform {name}: kind must be 'host' or 'container', not {kind!r}")
        img = spec.get("image", {})
        if set(img) - _IMAGE_KEYS:
            raise fail(name, f"platform {name}: unknown image key {sorted(set(img) - _IMAGE_KEYS)[0]!r}")
        boot = img.get("debootstrap", {})
        image = Image(
            registry=img.get("registry"),
            debootstrap_suite=boot.get("suite"),
            debootstrap_mirror=boot.get("mirror", Image.debootstrap_mirror),
            provision=img.get("provision", spec.get("family", "debian")),
        )
        if kind == "container" and not (image.registry or image.debootstrap_suite):
            raise fail(name, f"platform {name}: a container platform needs image.registry or image.debootstrap")
        platforms.append(
            Platform(
                name=name,
                label=spec.get("label", name),
                family=spec.get("family", name),
                kind=kind,
                short=spec.get("short", spec.get("label", name)),
                image=image,
                default=spec.get("default", True),
            )
        )
    if not platforms:
        raise ScenarioError(path, None, "the matrix defines no platforms")

    axes = []
    for name, spec in data.get("axes", {}).items():
        if name == "platform":
            raise fail(name, "'platform' is built in; define platforms under [platforms]")
        values = []
        for vname, vspec in spec.get("values", {}).items():
            extra = {k: v for k, v in vspec.items() if k not in _VALUE_KEYS}
            values.append(
                AxisValue(vname, vspec.get("label", vname), vspec.get("description", ""), vspec.get("create"), extra)
            )
        if not values:
            raise fail(name, f"axis {name} has no values")
        axes.append(Axis(name, spec.get("label", name), spec.get("description", ""), tuple(values)))

    requirements = [
        Requirement(name, spec.get("description", name), spec.get("probe"))
        for name, spec in data.get("requirements", {}).items()
    ]
    tools = {}
    for name, spec in data.get("tools", {}).items():
        bad = set(spec) - _TOOL_KEYS
        if bad:
            raise fail(name, f"tool {name}: unknown key {sorted(bad)[0]!r}")
        tools[name] = Tool(
            name=name,
            package=spec.get("package", name),
            description=spec.get("description", ""),
            commands=tuple(spec.get("commands", ())),
            fallback=spec.get("fallback"),
        )
    return Matrix(
        tools=tools,
        path=path,
        platforms=tuple(platforms),
        axes=tuple(axes),
        requirements=tuple(requirements),
        version_probe=data.get("versions", {}).get("probe", ""),
    )
