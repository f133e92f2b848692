"""Pick the engine: asked for by name, or ``auto`` (Docker if it answers, else Podman if it works, else local)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from guideproof.engines.base import Engine
from guideproof.engines.container import ContainerConfig, ContainerEngine, engine_problem
from guideproof.engines.local import LocalEngine
from guideproof.errors import EngineError

ENGINES = ("auto", "local", "docker", "podman")


@dataclass(frozen=True)
class EngineOptions:
    network: str = "host"
    keep_containers: bool = False
    image_source: str = "auto"
    host_ca: str | None = None  # a path, "none", or None for "find the host's bundle"
    pip_cache: Path | None = None
    extra_create_args: tuple[str, ...] = field(default_factory=tuple)


def make_engine(name: str, options: EngineOptions) -> Engine:
    """Build the engine called ``name`` without probing (workers use the controller's choice)."""
    if name == "local":
        return LocalEngine()
    if name in ("docker", "podman"):
        config = ContainerConfig(
            cli=name,
            network=options.network,
            create_args=options.extra_create_args,
        )
        return ContainerEngine(
            config,
            keep=options.keep_containers,
            image_source=options.image_source,
            host_ca=options.host_ca,
            pip_cache=options.pip_cache,
        )
    raise EngineError(f"unknown engine {name!r} (choose from {', '.join(ENGINES)})")


def select_engine(name: str, options: EngineOptions) -> tuple[str, str]:
    """Return the engine name to use and one line saying which and why. Raises EngineError with the fix."""
    if name == "local":
        return "local", "engine: local (asked for with --engine local)"
    if name in ("docker", "podman"):
        problem = engine_problem(name)
        if problem:
            raise EngineError(problem)
        return name, f"engine: {name} (asked for with --engine {name})"
    if name != "auto":
        raise EngineError(f"unknown engine {name!r} (choose from {', '.join(ENGINES)})")
    reasons = []
    for candidate in ("docker", "podman"):
        problem = engine_problem(candidate)
        if problem is None:
            return candidate, f"engine: {candidate} (--engine auto: its daemon answers)"
        reasons.append(problem.split("\n")[0])
    return "local", "engine: local (--engine auto found no container engine: " + "; ".join(reasons) + ")"
