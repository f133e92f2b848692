"""What a run says about itself: bad files, a bad --results path, cells that could not run, no engine at all."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest

from tests.conftest import SMALL_MATRIX

pytest_plugins = ["pytester"]
PLUGIN = ("-p", "guideproof.pytest_plugin")
GOOD = "+++\ntitle = 'Good'\nplatforms = ['host']\n+++\n  $ echo hello\n  hello\n"


@pytest.fixture
def tree(pytester: pytest.Pytester):
    (pytester.path / "scenarios" / "tier1").mkdir(parents=True)
    (pytester.path / "scenarios" / "matrix.toml").write_text(SMALL_MATRIX)

    def add(name: str, text: str | bytes) -> Path:
        path = pytester.path / "scenarios" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text).lstrip("\n"))
        return path

    return add


def run(pytester: pytest.Pytester, *args: str, engine: str = "local") -> pytest.RunResult:
    return pytester.runpytest(
        *PLUGIN, "scenarios", "--engine", engine, "-p", "no:cacheprovider", "-p", "no:xdist", *args
    )


def results(pytester: pytest.Pytester, name: str = "out/r.json") -> dict:
    return json.loads((pytester.path / name).read_text())


def test_unreadable_and_malformed_files_are_each_one_error_and_the_rest_runs(pytester, tree):
    tree("tier1/good.scenario", GOOD)
    tree("tier1/binary.scenario", b"\xff\xfe\x00\x01 not text")
    tree("tier1/requires.scenario", "+++\ntitle = 'x'\nrequires = 5\n+++\n  $ true\n")
    (pytester.path / "scenarios" / "tier1" / "folder.scenario").mkdir()
    (pytester.path / "scenarios" / "tier1" / "dangling.scenario").symlink_to("/nonexistent/target")
    result = run(pytester, "--results", "out/r.json")
    out = result.stdout.str()
    assert "INTERNALERROR" not in out and "Traceback" not in out
    result.assert_outcomes(passed=1, errors=3)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    for message in (
        "tier1/binary.scenario:1: not UTF-8 text: byte 0xff at column 1",
        "tier1/requires.scenario:3: 'requires' must be a list of strings",
        "tier1/folder.scenario: a directory named like a scenario file",
        "tier1/dangling.scenario: cannot be read (a dangling symlink)",
    ):
        assert message in out, message
    data = results(pytester)
    assert [c["scenario"] for c in data["cells"]] == ["tier1/good"]
    assert data["run"]["state"] == "complete" and data["run"]["exit_status"] == 1
    files = sorted(Path(e["file"]).name for e in data["run"]["errors"])
    assert files == ["binary.scenario", "dangling.scenario", "folder.scenario", "requires.scenario"]


def test_a_bad_results_path_stops_the_run_before_any_cell(pytester, tree):
    tree("tier1/good.scenario", GOOD)
    (pytester.path / "adir").mkdir()
    (pytester.path / "blocker").write_text("a file where a directory should be")
    for path, why in (("adir", "a directory; name a file"), ("blocker/r.json", "cannot write there")):
        result = run(pytester, "--results", path)
        assert result.ret == pytest.ExitCode.USAGE_ERROR, path
        result.stderr.fnmatch_lines([f"*--results *{path}: {why}*"])
        assert "passed" not in result.stdout.str() and "Traceback" not in result.stderr.str()
    assert not list(pytester.path.rglob("*.tmp")) and not list(pytester.path.rglob("*.check"))


def test_the_results_file_says_running_while_cells_run(pytester, tree):
    tree("tier1/good.scenario", GOOD)
    pytester.makeconftest(
        """
        import json, pathlib
        SEEN = []
        def pytest_runtest_call(item):
            SEEN.append(json.loads(pathlib.Path("out/r.json").read_text()))
        def pytest_sessionfinish(session):
            pathlib.Path("seen.json").write_text(json.dumps(SEEN))
        """
    )
    (pytester.path / "out").mkdir()
    (pytester.path / "out" / "r.json").write_text('{"an": "old run that would look current"}')
    run(pytester, "--results", "out/r.json").assert_outcomes(passed=1)
    [during] = json.loads((pytester.path / "seen.json").read_text())
    assert during["run"]["state"] == "running" and during["run"]["exit_status"] is None
    [cell] = during["cells"]
    assert cell["outcome"] == "error" and cell["reason"].startswith("not run: the run did not finish")
    assert results(pytester)["run"]["state"] == "complete"


def test_an_exception_in_guideproof_leaves_an_error_record(pytester, tree):
    tree("tier1/good.scenario", GOOD)
    pytester.makeconftest(
        """
        import pytest
        from guideproof.engines.local import LocalEngine
        def boom(*args, **kwargs):
            raise RuntimeError("boom")
        PATCH = pytest.MonkeyPatch()  # undone at the end: pytester runs in this very interpreter
        def pytest_configure(config):
            PATCH.setattr(LocalEngine, "open_cell", boom)
        def pytest_unconfigure(config):
            PATCH.undo()
        """
    )
    result = run(pytester, "--results", "out/r.json")
    result.assert_outcomes(failed=1)
    [cell] = results(pytester)["cells"]
    assert cell["outcome"] == "error" and cell["reason"] == "guideproof failed: RuntimeError: boom"
    assert "Traceback" in cell["detail"]


def test_a_run_in_which_no_selected_cell_could_run_is_not_green(pytester, tree):
    tree("tier1/net.scenario", "+++\ntitle = 'x'\nplatforms = ['host']\nrequires = ['pypi']\n+++\n  $ true\n")
    result = run(pytester, "--offline", "--results", "out/r.json")
    result.assert_outcomes(skipped=1)
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    result.stdout.fnmatch_lines(["NOTHING RAN: none of the 1 selected cells could run*"])
    assert results(pytester)["run"]["exit_status"] == 5


def test_no_container_engine_is_said_first_and_last_and_fails_the_run(pytester, tree):
    tree("tier1/good.scenario", GOOD)
    tree("tier1/debian.scenario", "+++\ntitle = 'x'\nplatforms = ['debian-*']\n+++\n  $ true\n")
    pytester.makeconftest(
        """
        import pytest
        from guideproof.engines.cli import ContainerCLI
        PATCH = pytest.MonkeyPatch()
        def missing(self):
            return f"{self.program} is not installed: install it, or use --engine local"
        def pytest_configure(config):
            PATCH.setattr(ContainerCLI, "problem", missing)
        def pytest_unconfigure(config):
            PATCH.undo()
        """
    )
    result = run(pytester, "--results", "out/r.json", engine="auto")
    lines = result.stdout.lines
    header = [line for line in lines if line.startswith("scenarios: ")]
    assert header[0].startswith("scenarios: NO CONTAINER ENGINE ANSWERED: docker is not installed")
    last = [line for line in lines if line.startswith("NO CONTAINER ENGINE ANSWERED")]
    assert last and "Start Docker (or Podman)" in last[0]
    result.assert_outcomes(passed=1, failed=2)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    errors = [c for c in results(pytester)["cells"] if c["outcome"] == "error"]
    assert sorted(c["cell"]["platform"] for c in errors) == ["debian-bookworm", "debian-trixie"]
    assert all(c["reason"].startswith("no container engine answered (docker is not installed") for c in errors)


def test_a_file_left_by_a_killed_run_is_recognised(tmp_path):
    from guideproof.results.compare import incomplete
    from guideproof.results.store import load_results

    path = tmp_path / "r.json"
    run_info = {"engine": "local", "started": "s", "finished": "", "host": "h", "harness_version": "0.2.0"}
    cell = {"scenario": "s", "cell": {"platform": "host"}, "outcome": "error", "reason": "not run: the run did..."}
    path.write_text(
        json.dumps({"schema": 2, "run": {**run_info, "state": "running", "exit_status": None}, "cells": [cell]})
    )
    assert incomplete(load_results(path)) == [
        "the run did not finish (killed, or still going on)",
        "1 cells did not run to their end",
    ]
    assert os.path.exists(path)


def test_no_reuse_undoes_an_earlier_reuse(pytester):
    from guideproof.pytest_plugin.state import settings

    for args, reuse in [((), False), (("--reuse",), True), (("--reuse", "--no-reuse"), False)]:
        assert settings(pytester.parseconfig(*PLUGIN, *args)).reuse is reuse, args


def test_cells_start_longest_first_by_an_earlier_runs_step_times(pytester, tree):
    tree("tier1/a-quick.scenario", GOOD)
    tree("tier1/b-slow.scenario", GOOD.replace("  $ echo hello\n  hello\n", "  $ sleep 0.6\n"))
    collected = ["scenarios/tier1/a-quick.scenario::a-quick[host]", "scenarios/tier1/b-slow.scenario::b-slow[host]"]
    first = run(pytester, "--collect-only", "-q", "--results", "none-yet.json")
    first.stdout.fnmatch_lines([collected[0].replace("[", "[[]"), collected[1].replace("[", "[[]")])
    run(pytester, "--results", "earlier.json").assert_outcomes(passed=2)
    again = run(pytester, "--collect-only", "-q", "--results", "none-yet.json", "--timings-from", "earlier.json")
    again.stdout.fnmatch_lines([collected[1].replace("[", "[[]"), collected[0].replace("[", "[[]")])
    # The --results file of the last run counts too, without --timings-from.
    last = run(pytester, "--collect-only", "-q", "--results", "earlier.json")
    last.stdout.fnmatch_lines([collected[1].replace("[", "[[]"), collected[0].replace("[", "[[]")])
