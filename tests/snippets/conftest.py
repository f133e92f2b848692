"""Small Sphinx projects in tmp for the snippet tools: pages (rst or MyST), scenarios, a matrix."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import SMALL_MATRIX

CONF = """
extensions = {extensions!r}
scenario_dir = "scenarios"
scenario_results = []
"""
DEFAULT_EXTENSIONS = ["guideproof.sphinx", "myst_parser", "sphinx_design"]

HELLO = """
+++
title = "Hello"
platforms = ["host"]
+++
  $ echo hello
  hello
"""


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """The 1-based number of the ``nth`` line of ``text`` that contains ``needle``."""
    hits = [n for n, line in enumerate(textwrap.dedent(text).lstrip("\n").splitlines(), 1) if needle in line]
    assert len(hits) >= nth, f"{needle!r} occurs {len(hits)} times"
    return hits[nth - 1]


MakeDocs = Callable[..., Path]


@pytest.fixture
def make_docs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> MakeDocs:
    """Write a docs project under tmp (the working directory, so reported paths are ``docs/...``)."""
    monkeypatch.chdir(tmp_path)

    def make(
        pages: dict[str, str],
        scenarios: dict[str, str] | None = None,
        extensions: list[str] | None = None,
    ) -> Path:
        docs = tmp_path / "docs"
        (docs / "scenarios").mkdir(parents=True)
        conf = CONF.format(extensions=DEFAULT_EXTENSIONS if extensions is None else extensions)
        (docs / "conf.py").write_text(conf, encoding="utf-8")
        (docs / "scenarios" / "matrix.toml").write_text(SMALL_MATRIX, encoding="utf-8")
        for name, body in (scenarios or {}).items():
            (docs / "scenarios" / f"{name}.scenario").write_text(textwrap.dedent(body).lstrip("\n"), encoding="utf-8")
        names = [n.rsplit(".", 1)[0] for n in pages if not n.startswith("index.")]
        toctree = "\n".join(f"   {n}" for n in names)
        (docs / "index.rst").write_text(f"Index\n=====\n\n.. toctree::\n\n{toctree}\n", encoding="utf-8")
        for name, body in pages.items():
            path = docs / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(body).lstrip("\n"), encoding="utf-8")
        return docs

    return make
