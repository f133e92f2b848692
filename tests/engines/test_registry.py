"""Engines by name, and their options declared once: the pytest plugin and the CLI add the same ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from guideproof.cli import parser
from guideproof.engines.container import ContainerEngine
from guideproof.engines.local import LocalEngine
from guideproof.engines.registry import engine_options, make_engine, select_engine
from guideproof.errors import EngineError


def test_every_engine_option_is_declared_once() -> None:
    flags = [o.flag for o in engine_options()]
    assert flags == ["--network", "--keep-containers", "--image-source", "--host-ca", "--pip-cache"]


def test_make_engine_reads_the_declared_options(tmp_path: Path) -> None:
    engine = make_engine("podman", {"network": "pasta", "keep_containers": True, "pip_cache": str(tmp_path)})
    assert isinstance(engine, ContainerEngine)
    assert (engine.name, engine.config.network, engine.keep, engine.pip_cache) == ("podman", "pasta", True, tmp_path)
    assert engine.image_builder is not None and engine.image_builder.source == "auto"
    local = make_engine("local", {})
    assert isinstance(local, LocalEngine) and local.image_builder is None


def test_unknown_engines_are_one_clear_error() -> None:
    with pytest.raises(EngineError, match="unknown engine 'vm' \\(choose from auto, local, docker, podman\\)"):
        make_engine("vm", {})
    with pytest.raises(EngineError, match="unknown engine 'vm'"):
        select_engine("vm")
    assert select_engine("local") == ("local", "engine: local (asked for with --engine local)", "")


def test_the_cli_takes_the_options_that_make_images() -> None:
    args = parser().parse_args(["images", "--image-source", "debootstrap", "--network", "pasta"])
    assert (args.image_source, args.network) == ("debootstrap", "pasta")
    with pytest.raises(SystemExit):
        parser().parse_args(["images", "--keep-containers"])


def test_the_plugin_offers_every_engine_option(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("-p", "guideproof.pytest_plugin", "--help")
    for option in engine_options():
        result.stdout.fnmatch_lines([f"*{option.flag}*"])
