"""Sessions: scenarios (the main job), tests, lint, images, docs, docs-live, bench, channel, regression, compare."""

from __future__ import annotations

import os

import nox

nox.options.sessions = ["tests", "lint"]
nox.options.reuse_existing_virtualenvs = True

PYTHON = "3.11"
TEST_DEPS = ["pytest>=8", "pytest-xdist>=3.5", "playwright==1.65.2"]
DOCS_DEPS = ["-r", "docs/requirements.txt", "-e", "."]


def workers() -> str:
    """Cells mostly wait on apt and pip downloads: two workers per core, at most 8 (override: HARNESS_WORKERS)."""
    return os.environ.get("HARNESS_WORKERS") or str(min(8, 2 * (os.cpu_count() or 1)))


@nox.session(python=PYTHON)
def scenarios(session: nox.Session) -> None:
    """Run every scenario across the matrix: nox -s scenarios -- [pytest options, e.g. --platform debian-bookworm]."""
    session.install("-e", ".", "pytest-xdist>=3.5")
    session.run("pytest", "scenarios/", "-n", workers(), "-p", "no:cacheprovider", "-rs", *session.posargs)


@nox.session(python=PYTHON)
def images(session: nox.Session) -> None:
    """Build (or reuse) the platform images: nox -s images -- [--platform GLOB] [--rebuild]."""
    session.install("-e", ".")
    session.run("python", "-m", "harness", "images", *session.posargs)


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The harness's own test suite."""
    session.install(*DOCS_DEPS, *TEST_DEPS)
    session.run("pytest", "tests/", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    session.install(*DOCS_DEPS, "ruff", "mypy", "pytest", "nox", "types-docutils", "types-Pygments")
    session.run("ruff", "check", "harness", "tests", "benchmarks", "noxfile.py")
    session.run("ruff", "format", "--check", "harness", "tests", "benchmarks", "noxfile.py")
    session.run("mypy", "harness")


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
        "harness/sphinx",
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
    session.install("-e", ".", "py-rattler-build==0.73.0")
    session.run("python", "-W", "ignore::DeprecationWarning", "-m", "harness.channel.build", *session.posargs)
