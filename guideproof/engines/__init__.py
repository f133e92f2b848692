"""Engines run a cell's bash somewhere: on the host (local) or in a container (docker, podman)."""

from guideproof.engines.base import CellLabels, Engine
from guideproof.engines.select import EngineOptions, make_engine, select_engine

__all__ = ["CellLabels", "Engine", "EngineOptions", "make_engine", "select_engine"]
