"""The layering of docs/maintainers/architecture.rst is kept by lint-imports (contracts in pyproject.toml):
the real tree keeps every contract, and a deliberate upward import breaks one."""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(where: Path) -> subprocess.CompletedProcess[str]:
    if not LINT_IMPORTS.exists():
        pytest.fail(f"lint-imports is not installed next to {sys.executable}: pip install import-linter")
    env = {**os.environ, "PYTHONPATH": str(where)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=where, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """The package and its contracts, in a directory of their own (the checkout is never touched)."""
    shutil.copytree(ROOT / "guideproof", tmp_path / "guideproof", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_tree_keeps_every_contract(copy: Path) -> None:
    done = lint_imports(copy)
    assert done.returncode == 0, done.stdout + done.stderr
    assert " 0 broken" in done.stdout


def test_an_upward_import_breaks_the_contracts(copy: Path) -> None:
    store = copy / "guideproof" / "results" / "store.py"
    store.write_text(store.read_text() + "\nimport guideproof.engines  # noqa: E402, F401\n")
    done = lint_imports(copy)
    assert done.returncode != 0
    assert "results is a leaf: it imports nothing of guideproof but errors" in done.stdout
    assert "guideproof.results.store -> guideproof.engines" in done.stdout
    # the docs build reaches the results store: it would load Docker code
    assert "Building the docs loads no Docker code" in done.stdout


def test_a_package_without_a_layer_breaks_the_contract(copy: Path) -> None:
    (copy / "guideproof" / "newface").mkdir()
    (copy / "guideproof" / "newface" / "__init__.py").write_text('"""A package nobody placed."""\n')
    done = lint_imports(copy)
    assert done.returncode != 0
    assert "guideproof.newface" in done.stdout


def loaded(*modules: str) -> list[str]:
    """The guideproof.engines modules that importing ``modules`` loads, in a fresh interpreter."""
    code = (
        f"import sys; import {', '.join(modules)}; "
        "print('\\n'.join(m for m in sys.modules if m.startswith('guideproof.engines')))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_the_docs_and_compare_load_no_engine() -> None:
    assert loaded("guideproof.sphinx", "guideproof.results.compare") == []
    # the check can fail: the runner does load the engines
    assert "guideproof.engines.container" not in loaded("guideproof.results.store")
    assert "guideproof.engines.base" in loaded("guideproof.run.runner")


def page_layers(text: str) -> list[str]:
    """The first column of the layer block under "The layers" on the architecture page, top to bottom."""
    section = text.split("The layers\n----------", 1)[1]
    block = section.split(".. code-block:: text\n\n", 1)[1]
    lines = itertools.takewhile(lambda line: line.startswith("   ") or not line, block.splitlines())
    return [re.split(r"\s{2,}", line.strip())[0] for line in lines if line.strip()]


def contract_layers(pyproject: str) -> list[str]:
    """The layers of the ``layers`` contract, without ``__main__`` (the page starts at ``cli``)."""
    contracts = tomllib.loads(pyproject)["tool"]["importlinter"]["contracts"]
    (layers,) = [c["layers"] for c in contracts if c["id"] == "layers"]
    return [layer for layer in layers if layer != "__main__"]


def test_the_page_lists_the_layers_of_the_contract() -> None:
    page = (ROOT / "docs" / "maintainers" / "architecture.rst").read_text()
    assert page_layers(page) == contract_layers((ROOT / "pyproject.toml").read_text())


def test_a_layer_missing_from_the_page_is_seen() -> None:
    page = (ROOT / "docs" / "maintainers" / "architecture.rst").read_text()
    contract = contract_layers((ROOT / "pyproject.toml").read_text())
    assert page_layers(page.replace("snippets | regress ", "snippets           ")) != contract
    assert page_layers(page.replace("   plan | versions ", "   plan            ")) != contract
