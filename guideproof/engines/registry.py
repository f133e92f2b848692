"""The engines by name: choose one (``auto`` probes: Docker if it answers, else Podman, else local) and make it.

Choosing probes the host (:func:`select_engine`, once, in the controller); making builds the chosen engine
from its options without probing (:func:`make_engine`, also in each xdist worker).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from guideproof.engines.base import Engine, EngineOption
from guideproof.engines.cli import ContainerCLI
from guideproof.engines.container import ContainerEngine
from guideproof.engines.local import LocalEngine
from guideproof.errors import EngineError

AUTO = "auto"
ENGINES: dict[str, type[Engine]] = {"local": LocalEngine, "docker": ContainerEngine, "podman": ContainerEngine}
CHOICES = (AUTO, *ENGINES)
CONTAINER_ENGINES = tuple(name for name, cls in ENGINES.items() if cls is ContainerEngine)


def engine_options() -> list[EngineOption]:
    """Every option some engine declares, each once (docker and podman share theirs)."""
    found: dict[str, EngineOption] = {}
    for cls in ENGINES.values():
        for option in cls.options:
            found.setdefault(option.flag, option)
    return list(found.values())


def option_values(get: Callable[[str], Any], options: list[EngineOption] | None = None) -> dict[str, Any]:
    """The values of the engines' options, read with ``get(dest)`` (pytest's ``getoption``, an argparse namespace)."""
    return {option.dest: get(option.dest) for option in options or engine_options()}


def make_engine(name: str, values: Mapping[str, Any]) -> Engine:
    """Build the engine called ``name`` without probing (workers use the controller's choice)."""
    if name not in ENGINES:
        raise EngineError(f"unknown engine {name!r} (choose from {', '.join(CHOICES)})")
    defaults = {option.dest: option.default for option in ENGINES[name].options}
    return ENGINES[name].from_options(name, {**defaults, **values})


class EngineChoice(NamedTuple):
    name: str
    line: str  # which engine and why, for the run's header
    missing: str = ""  # with --engine auto and no container engine answering: what each said, and the fixes


def select_engine(name: str) -> EngineChoice:
    """Which engine to use and one line saying why. Raises EngineError with the fix."""
    if name == "local":
        return EngineChoice("local", "engine: local (asked for with --engine local)")
    if name in CONTAINER_ENGINES:
        problem = ContainerCLI(name).problem()
        if problem:
            raise EngineError(problem)
        return EngineChoice(name, f"engine: {name} (asked for with --engine {name})")
    if name != AUTO:
        raise EngineError(f"unknown engine {name!r} (choose from {', '.join(CHOICES)})")
    problems = []
    for candidate in CONTAINER_ENGINES:
        problem = ContainerCLI(candidate).problem()
        if problem is None:
            return EngineChoice(candidate, f"engine: {candidate} (--engine auto: its daemon answers)")
        problems.append(problem.split("\n")[0])
    reasons = "; ".join(problems)
    return EngineChoice("local", f"engine: local (--engine auto found no container engine: {reasons})", missing=reasons)
