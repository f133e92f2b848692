"""An adopter's afternoon, end to end: the built wheel in a fresh virtual environment proves a small docs project.

The wheel is built from this checkout (sdist, then wheel, as ``nox -s build`` does) and installed with what a docs
project has (Sphinx, furo, sphinx-inline-tabs at this project's docs pins, and pytest) into a new venv. The project
lives in a temporary directory with its own conf.py, matrix (only the ``host`` platform) and scenario; nothing
refers to this repository. Those dependencies are downloaded once into build/wheelhouse/ (keyed by the requirement
list) and installed from there, so a rerun does not touch PyPI; the venv itself is new every run.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WHEELHOUSE = ROOT / "build" / "wheelhouse"
NOT_SOURCE = (".git", ".nox", "build", "*.egg-info", "__pycache__", ".*_cache", ".venv")
DOCS_PINS = ("sphinx", "docutils", "pygments", "furo", "sphinx-inline-tabs")

FILES = {
    "scenarios/matrix.toml": """
        [platforms.host]
        label = "This machine"
        kind = "host"
    """,
    "scenarios/hello.scenario": """
        +++
        title = "Say hello"
        +++
          $ echo hello
          hello
    """,
    "docs/conf.py": """
        project = "Adopter"
        extensions = ["guideproof.sphinx"]
        html_theme = "furo"
        scenario_dir = "../scenarios"
        scenario_results = ["../build/results/*.json"]
    """,
    "docs/index.rst": """
        Adopter
        =======

        Say hello:

        .. tab:: Unix/macOS

           .. scenario:: hello

        .. tab:: Windows

           .. untested-snippet::
              :reason: no Windows platform in this project's matrix

              > echo hello

        .. toctree::

           results

    """,
    "docs/results.rst": """
        Results
        =======

        .. scenario-results::
    """,
}


def _requirements() -> list[str]:
    """This project's docs pins (pyproject's ``docs`` dependency group, or docs/requirements.txt) and pytest."""
    groups = tomllib.loads((ROOT / "pyproject.toml").read_text()).get("dependency-groups", {})
    if "docs" in groups:
        lines = [r for r in groups["docs"] if isinstance(r, str)]
    else:
        lines = (ROOT / "docs" / "requirements.txt").read_text().splitlines()
    pins = [line.strip() for line in lines if line.split("==")[0].strip().lower() in DOCS_PINS]
    return [*pins, "pytest>=8"]


def _wheel_dependencies(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = archive.read(name).decode()
    return [
        line.removeprefix("Requires-Dist: ")
        for line in metadata.splitlines()
        if line.startswith("Requires-Dist: ") and "extra ==" not in line
    ]


def _run(args: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=600, **kwargs)


@dataclass
class Adopter:
    project: Path
    venv: Path

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """A command of the venv, in the project, with nothing of this checkout's environment leaking in."""
        env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV", "PYTEST_ADDOPTS"}}
        env["PATH"] = f"{self.venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        return _run([str(self.venv / "bin" / args[0]), *args[1:]], cwd=self.project, env=env)


@pytest.fixture(scope="module")
def adopter(tmp_path_factory: pytest.TempPathFactory) -> Adopter:
    base = tmp_path_factory.mktemp("adopter")
    # A copy without build artefacts: setuptools reads an old *.egg-info/SOURCES.txt and would ship what it lists.
    source = base / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    built = _run([sys.executable, "-m", "build", "--outdir", str(base / "dist"), str(source)])
    if built.returncode != 0 and "Could not find a version" in built.stdout + built.stderr:
        pytest.skip("PyPI is unreachable: the wheel's build backend (setuptools) cannot be installed")
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    [wheel] = (base / "dist").glob("guideproof-*.whl")

    requirements = sorted({*_requirements(), *_wheel_dependencies(wheel)})
    house = WHEELHOUSE / hashlib.sha256("\n".join(requirements).encode()).hexdigest()[:16]
    if not (house / ".complete").exists():
        got = _run([sys.executable, "-m", "pip", "download", "--quiet", "--dest", str(house), *requirements])
        if got.returncode != 0:
            pytest.skip(f"cannot download the docs dependencies into {house}: {got.stderr.strip()[-300:]}")
        (house / ".complete").write_text("\n".join(requirements) + "\n")

    venv = base / "venv"
    assert _run([sys.executable, "-m", "venv", "--without-pip", str(venv)]).returncode == 0
    pip = [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--quiet"]
    installed = _run([*pip, "--no-index", "--find-links", str(house), str(wheel), *requirements])
    assert installed.returncode == 0, installed.stderr[-3000:]

    project = base / "project"
    for name, text in FILES.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return Adopter(project, venv)


def test_installed_but_not_enabled_the_pytest_plugin_does_nothing(adopter: Adopter) -> None:
    help_text = adopter.run("pytest", "--help").stdout
    assert "--engine" not in help_text and "--update-expected" not in help_text
    collected = adopter.run("pytest", "scenarios", "--collect-only", "-q", "-p", "no:cacheprovider")
    assert collected.returncode == 5, collected.stdout  # pytest's "no tests collected"


@pytest.fixture(scope="module")
def ran(adopter: Adopter) -> subprocess.CompletedProcess[str]:
    return adopter.run(
        "pytest",
        "-p",
        "guideproof.pytest_plugin",
        "scenarios",
        "--engine",
        "local",
        "--results",
        "build/results/scenarios.json",
        "-p",
        "no:cacheprovider",
    )


def test_scenarios_run_with_the_local_engine(adopter: Adopter, ran: subprocess.CompletedProcess[str]) -> None:
    assert ran.returncode == 0, ran.stdout[-3000:]
    assert "1 passed" in ran.stdout
    results = json.loads((adopter.project / "build" / "results" / "scenarios.json").read_text())
    assert [(c["scenario"], c["cell"], c["outcome"]) for c in results["cells"]] == [
        ("hello", {"platform": "host"}, "passed")
    ]


def test_the_docs_build_strictly_with_the_verification_line(adopter: Adopter, ran) -> None:
    built = adopter.run("sphinx-build", "-W", "--keep-going", "-n", "-q", "-b", "html", "docs", "build/html")
    assert built.returncode == 0, built.stderr
    page = (adopter.project / "build" / "html" / "index.html").read_text()
    assert "Verified on 1 of 1 cells" in page
    assert ">Unix/macOS</label>" in page and ">Windows</label>" in page  # sphinx-inline-tabs
    assert "furo" in page
    assert (adopter.project / "build" / "html" / "_static" / "guideproof-scenarios.css").is_file()


def test_the_coverage_report_counts_the_scenario_and_the_opt_out(adopter: Adopter) -> None:
    report = adopter.run("guideproof", "coverage", "docs", "--format", "json", "--fail-under", "100")
    assert report.returncode == 0, report.stdout + report.stderr
    data = json.loads(report.stdout)
    assert data["total"] == {
        "snippets": 2,
        "scenario": 1,
        "opt_out": 1,
        "untested": 0,
        "untested_in_baseline": 0,
        "not_runnable": 0,
        "coverage_percent": 100.0,
    }
    statuses = [(s["tabs"], s["status"]) for s in data["snippets"]]
    assert statuses == [(["Unix/macOS"], "scenario"), (["Windows"], "opt-out")]
