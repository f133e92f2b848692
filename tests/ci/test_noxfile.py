"""The noxfile's scenario command line: a scenario path after ``--`` replaces the default tree."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def noxfile():
    pytest.importorskip("nox")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(ROOT)  # the noxfile reads pyproject.toml from the project root
        spec = importlib.util.spec_from_file_location("guideproof_noxfile", ROOT / "noxfile.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def in_root(monkeypatch):
    monkeypatch.chdir(ROOT)  # scenario paths are relative to the project root, as on nox's command line


class FakeVirtualenv:
    def __init__(self, location: str | None) -> None:
        self.location = location


class FakeSession:
    def __init__(self, posargs: list[str], venv: str | None = None) -> None:
        self.posargs = posargs
        self.runs: list[tuple[str, ...]] = []
        self.installs: list[tuple[str, ...]] = []
        self.virtualenv = FakeVirtualenv(venv)

    def install(self, *args: str) -> None:
        self.installs.append(args)

    def log(self, *args: object) -> None:
        pass

    def run(self, *args: str, **kwargs: object) -> None:
        self.runs.append(args)


def pytest_args(noxfile, *posargs: str) -> tuple[str, ...]:
    session = FakeSession(list(posargs))
    noxfile.scenarios(session)
    (argv,) = session.runs
    return argv


def test_default_is_the_whole_tree(noxfile):
    assert "scenarios/" in pytest_args(noxfile, "--platform", "debian-bookworm")


@pytest.mark.parametrize(
    "path", ["scenarios/tier1/pep668.scenario", "scenarios/tier1", "scenarios/tier1/pep668.scenario::pep668"]
)
def test_a_path_after_the_dashes_replaces_the_default(noxfile, path):
    argv = pytest_args(noxfile, path, "--platform", "debian-bookworm")
    assert "scenarios/" not in argv
    assert path in argv


def test_an_option_value_is_not_a_path(noxfile, tmp_path):
    results = tmp_path / "results.json"
    results.write_text("{}")
    assert "scenarios/" in pytest_args(noxfile, "--results", str(results), "--pip-cache", os.fspath(tmp_path))


def test_compare_exits_as_the_command_does(noxfile):
    # Issue 28 item 8: a file that cannot be compared (exit 2) is not "a cell newly fails" (exit 1).
    import nox.command

    class Failing(FakeSession):
        def run(self, *args: str, **kwargs: object) -> None:
            raise nox.command.CommandFailed("Returned code 2")

    with pytest.raises(SystemExit) as ended:
        noxfile.compare.func(Failing(["old.json", "wrong.json"]))
    assert ended.value.code == 2


def test_a_maintainers_run_reuses_snapshots_and_ci_starts_fresh(noxfile, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    assert "--reuse" in pytest_args(noxfile)
    assert pytest_args(noxfile, "--no-reuse").count("--reuse") == 0  # the maintainer's choice stands
    monkeypatch.setenv("CI", "true")
    assert "--reuse" not in pytest_args(noxfile)


def test_the_baselines_step_times_order_the_cells(noxfile):
    argv = pytest_args(noxfile)
    assert argv[argv.index("--timings-from") + 1] == "results/baseline.json"


def test_an_unchanged_environment_is_not_installed_again(noxfile, tmp_path):
    """The maintainer's loop skips pip when pyproject.toml and the requirements are as at the last install."""
    session = FakeSession([], venv=str(tmp_path))
    noxfile._install(session, "-e", ".")
    noxfile._install(session, "-e", ".")
    assert session.installs == [("-e", ".")]
    noxfile._install(session, "-e", ".[parallel]")  # other requirements: installed
    assert session.installs == [("-e", "."), ("-e", ".[parallel]")]
    fresh = FakeSession([], venv=str(tmp_path / "new"))
    (tmp_path / "new").mkdir()
    noxfile._install(fresh, "-e", ".[parallel]")
    assert fresh.installs == [("-e", ".[parallel]")]  # a new environment has no stamp
