"""Shared fixtures: a small matrix and a way to write scenario files."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from guideproof.matrix.model import Matrix, load_matrix

SMALL_MATRIX = """
[platforms.host]
label = "This machine"
kind = "host"

[platforms.debian-bookworm]
label = "Debian 12"
family = "debian"
image = { registry = "debian:bookworm", debootstrap = { suite = "bookworm" } }

[platforms.debian-trixie]
label = "Debian 13"
family = "debian"
image = { debootstrap = { suite = "trixie" } }

[axes.env.values.venv]
label = "venv"
[axes.env.values.venv-copies]
label = "venv --copies"
[axes.env.values.uv]
label = "uv venv"

[requirements.root]
description = "sudo"
[requirements.network]
description = "downloads"
[requirements.pypi]
description = "PyPI"
probe = "url:https://pypi.invalid/simple/"

[versions]
probe = "echo python=3.99"

[tools.virtualenv]
package = "virtualenv"
fallback = "20.30.0"

[tools.conda-express]
package = "conda-express"
commands = ["cx"]
"""


@pytest.fixture
def matrix_path(tmp_path: Path) -> Path:
    path = tmp_path / "matrix.toml"
    path.write_text(SMALL_MATRIX)
    return path


@pytest.fixture
def matrix(matrix_path: Path) -> Matrix:
    return load_matrix(matrix_path)


@pytest.fixture
def write_scenario(tmp_path: Path) -> Callable[..., Path]:
    def write(body: str, name: str = "demo.scenario", header: str = 'title = "Demo"', dedent: bool = True) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        text = textwrap.dedent(body).lstrip("\n") if dedent else body
        path.write_text(f"+++\n{header}\n+++\n{text}")
        return path

    return write
