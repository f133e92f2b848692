"""The plugin end to end with pytester, on small scenario trees and the local engine."""

from __future__ import annotations

import json
import textwrap

import pytest

from tests.conftest import SMALL_MATRIX

pytest_plugins = ["pytester"]
# The plugin is opt-in: every pytest run of scenarios names it.
PLUGIN = ("-p", "guideproof.pytest_plugin")


@pytest.fixture
def tree(pytester: pytest.Pytester):
    (pytester.path / "scenarios" / "tier1").mkdir(parents=True)
    (pytester.path / "scenarios" / "matrix.toml").write_text(SMALL_MATRIX)

    def add(name: str, text: str):
        path = pytester.path / "scenarios" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
        return path

    return add


GOOD = """
+++
title = "Good"
axes = ["env"]
+++
A note.
  $ echo hello
  hello
"""


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest(
        *PLUGIN, "scenarios", "--engine", "local", "-p", "no:cacheprovider", "-p", "no:xdist", *args
    )


def test_one_item_per_cell_with_readable_ids(pytester, tree):
    tree("tier1/good.scenario", GOOD)
    result = run(pytester, "--collect-only", "-q")
    result.stdout.fnmatch_lines(
        [
            "scenarios/tier1/good.scenario::good[[]host-venv[]]",
            "scenarios/tier1/good.scenario::good[[]host-venv-copies[]]",
            "scenarios/tier1/good.scenario::good[[]host-uv[]]",
        ]
    )


@pytest.mark.parametrize("collect_only", [True, False])
def test_collect_only_prepares_no_engine(pytester, tree, monkeypatch, collect_only):
    """Listing the cells builds no image and sweeps nothing (a container engine's ``prepare`` would build
    every platform's image first: minutes on a new machine); a run prepares its engine."""
    from guideproof.engines.local import LocalEngine

    prepared = []
    monkeypatch.setattr(LocalEngine, "prepare", lambda self, platforms: prepared.append(platforms))
    tree("tier1/good.scenario", GOOD)
    result = run(pytester, *(["--collect-only"] if collect_only else []), "-q", "--results", "out/r.json")
    assert result.ret == 0
    assert (prepared == []) == collect_only


def test_engine_line_is_printed(pytester, tree):
    tree("tier1/good.scenario", GOOD)
    run(pytester).stdout.fnmatch_lines(["scenarios: engine: local (asked for with --engine local)"])


def test_markers_and_axis_option_select_cells(pytester, tree):
    tree("tier1/good.scenario", GOOD)
    run(pytester, "-m", "env_venv_copies").assert_outcomes(passed=1, deselected=2)
    run(pytester, "--axis", "env=venv*").assert_outcomes(passed=2)
    run(pytester, "-k", "uv").assert_outcomes(passed=1, deselected=2)


def test_wrong_expectation_fails_with_diff_at_its_line(pytester, tree):
    tree("tier1/good.scenario", GOOD.replace("  hello\n", "  goodbye\n"))
    result = run(pytester, "--axis", "env=venv")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "output differs at scenarios/tier1/good.scenario:6 [[]host-venv[]]",
            "  $ echo hello",
            "--- expected (scenarios/tier1/good.scenario:6)",
            "-goodbye",
            "+hello",
        ]
    )
    assert "Traceback" not in result.stdout.str()


def test_malformed_file_is_a_collection_error_for_that_file_only(pytester, tree):
    tree("tier1/good.scenario", GOOD)
    tree("tier1/bad.scenario", "+++\ntitle = 'x'\n+++\n#if env=venv\n  $ true\n#endif\n")
    result = run(pytester, "--continue-on-collection-errors")
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(
        ["*scenarios/tier1/bad.scenario:4: #if on axis 'env', which this scenario does not use*"]
    )
    assert "Traceback" not in result.stdout.str()
    assert "guideproof/scenario" not in result.stdout.str()


def test_skips_carry_their_reason(pytester, tree):
    tree("tier1/root.scenario", "+++\ntitle = 'x'\n+++\n  $ sudo apt-get update\n")
    result = run(pytester, "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(
        [
            "SKIPPED  tier1/root[[]host[]]: needs root (sudo): the local engine never runs privileged*",
            "SKIPPED [[]1[]] scenarios/tier1/root.scenario:4: needs root (sudo)*",
        ]
    )


def test_scenario_for_other_platforms_is_a_visible_skip(pytester, tree):
    tree("tier1/debian.scenario", "+++\ntitle = 'x'\nplatforms = ['debian-*']\n+++\n  $ true\n")
    result = run(pytester, "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*no platform of this scenario (debian-*) runs on the local engine*"])


def test_xfail_and_xpass(pytester, tree):
    header = "+++\ntitle = 'x'\naxes = ['env']\n[[xfail]]\nwhen = { env = 'uv' }\nreason = 'known'\n+++\n"
    tree("tier1/fails.scenario", header + "  $ false\n")
    tree("tier1/passes.scenario", header + "  $ true\n")
    result = run(pytester)
    result.assert_outcomes(passed=2, failed=3, xfailed=1)
    result.stdout.fnmatch_lines(["*XPASS(strict): marked as a known failure at scenarios/tier1/passes.scenario:4*"])


def test_results_json_matches_schema(pytester, tree):
    tree("tier1/good.scenario", GOOD)
    tree("tier1/root.scenario", "+++\ntitle = 'Root'\n+++\n  $ sudo true\n")
    run(pytester, "--results", "out/r.json")
    data = json.loads((pytester.path / "out" / "r.json").read_text())
    assert data["schema"] == 3
    assert set(data["run"]) == {
        *("engine", "started", "finished", "host", "guideproof_version", "tools"),
        *("state", "exit_status", "stopped_by", "errors"),
    }
    assert (data["run"]["state"], data["run"]["exit_status"], data["run"]["errors"]) == ("complete", 0, [])
    assert data["run"]["engine"] == "local" and data["run"]["tools"] == []
    cells = {(c["scenario"], c["cell"].get("env")): c for c in data["cells"]}
    assert len(cells) == 4
    good = cells[("tier1/good", "venv")]
    assert good["cell"] == {"platform": "host", "env": "venv"} and good["tools"] == {}
    assert good["outcome"] == "passed" and good["title"] == "Good"
    assert good["file"] == "scenarios/tier1/good.scenario"
    assert good["versions"] == {"python": "3.99"}
    assert isinstance(good["duration_s"], float) and good["failed_line"] is None
    root = cells[("tier1/root", None)]
    assert root["outcome"] == "skipped" and "privileged" in root["reason"]
    for cell in data["cells"]:
        assert cell["outcome"] in {"passed", "failed", "skipped", "xfailed", "xpassed", "error"}


def test_collect_only_keeps_the_last_results(pytester, tree):
    tree("tier1/good.scenario", GOOD)
    run(pytester, "--results", "out/r.json").assert_outcomes(passed=3)
    before = (pytester.path / "out" / "r.json").read_text()
    result = run(pytester, "--results", "out/r.json", "--collect-only", "-q")
    assert (pytester.path / "out" / "r.json").read_text() == before
    assert "results:" not in result.stdout.str()


def test_update_expected_rewrites_the_file(pytester, tree):
    path = tree(
        "tier1/upd.scenario",
        "+++\ntitle = 'x'\n+++\n  $ printf 'v1\\nnew\\n'\n  v\\d (re)\n  old\n  $ false\n  [1]\n  $ echo z\n  y\n",
    )
    result = run(pytester, "--update-expected")
    result.assert_outcomes(failed=1)  # one run updates every failing command of the cell: the cell goes on
    assert path.read_text().splitlines()[4:] == ["  v\\d (re)", "  new", "  $ false", "  [1]", "  $ echo z", "  z"]
    result.stdout.fnmatch_lines(
        [
            "scenarios/tier1/upd.scenario:4: expected output updated",
            "  -  v\\d (re)",
            "  -  old",
            "  +  v\\d (re)",
            "  +  new",
            "scenarios/tier1/upd.scenario:9: expected output updated",
            "  -  y",
            "  +  z",
            "--update-expected changed 2 steps:",
            "  scenarios/tier1/upd.scenario:4: status 0 -> 0",
            "  scenarios/tier1/upd.scenario:9: status 0 -> 0",
        ]
    )
    again = run(pytester, "--update-expected")
    again.assert_outcomes(passed=1)
    again.stdout.fnmatch_lines(["--update-expected changed 0 steps"])


FAILS_NOW = "+++\ntitle = 'x'\n+++\n  $ echo ok\n  ok\n  $ test -e missing-file\n  $ echo last\n  old\n"


def test_update_expected_refuses_a_command_that_now_exits_1(pytester, tree):
    path = tree("tier1/fails.scenario", FAILS_NOW)
    result = run(pytester, "--update-expected")
    result.assert_outcomes(failed=1)
    assert path.read_text() == FAILS_NOW, "the file is left as it was"
    result.stdout.fnmatch_lines(
        [
            "--update-expected changed 0 steps",
            "*--update-expected REFUSED:",
            "*scenarios/tier1/fails.scenario:6: refused to write [[]1[]]: the command exits 1 where the scenario"
            " expects 0. A failing command is not an expectation*--accept-failures*",
            "*scenarios/tier1/fails.scenario: left unchanged (1 refused)",
        ]
    )
    accepted = run(pytester, "--update-expected", "--accept-failures")
    accepted.stdout.fnmatch_lines(
        [
            "--update-expected changed 2 steps:",
            "  scenarios/tier1/fails.scenario:6: status 0 -> 1 (a failure, accepted with --accept-failures)",
            "  scenarios/tier1/fails.scenario:7: status 0 -> 0",
        ]
    )
    assert path.read_text().splitlines()[5:] == ["  $ test -e missing-file", "  [1]", "  $ echo last", "  last"]
    run(pytester).assert_outcomes(passed=1)


def test_the_local_cell_directory_is_recorded_as_testtmp_and_reruns_green(pytester, tree):
    """The local engine's cell directory is random; recorded output and --update-expected write $TESTTMP."""
    path = tree(
        "tier1/paths.scenario",
        "+++\ntitle = 'x'\n+++\n  $ python3 -m venv .venv && command -v .venv/bin/python | xargs realpath -s\n"
        '  TODO\n  $ echo "$HOME" "$PWD"\n  TODO\n  $ test "$TESTTMP/home" = "$HOME"\n',
    )
    run(pytester, "--update-expected", "--results", "r.json").assert_outcomes(failed=1)
    lines = path.read_text().splitlines()
    assert lines[4] == "  $TESTTMP/home/work/.venv/bin/python", lines
    assert lines[6] == "  $TESTTMP/home $TESTTMP/home/work", lines
    for _ in range(2):
        run(pytester, "--results", "r.json").assert_outcomes(passed=1)
    (cell,) = json.loads((pytester.path / "r.json").read_text())["cells"]
    assert cell["steps"][1]["output"] == ["$TESTTMP/home $TESTTMP/home/work"]
    assert "guideproof-cell-" not in (pytester.path / "r.json").read_text()


def test_unknown_platform_is_one_clear_error(pytester, tree):
    tree("tier1/good.scenario", GOOD)
    result = run(pytester, "--platform", "fedora*")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--platform 'fedora*' matches no platform in*(host, debian-bookworm, debian-trixie)"])
    assert "Traceback" not in result.stderr.str()


def test_timeout_reports_the_line(pytester, tree):
    tree("tier1/slow.scenario", "+++\ntitle = 'x'\ntimeout = 1\n+++\n  $ sleep 30\n")
    result = run(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["timed out after 1 s at scenarios/tier1/slow.scenario:5 [[]host[]]"])


def test_the_plugin_is_opt_in(pytester, tree):
    """No pytest11 entry point: without ``-p guideproof.pytest_plugin`` scenario files are not collected."""
    tree("tier1/good.scenario", GOOD)
    result = pytester.runpytest("scenarios", "-p", "no:cacheprovider", "-p", "no:xdist", "--collect-only", "-q")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    assert "good.scenario" not in result.stdout.str()


def test_a_broken_matrix_is_one_clear_error(pytester, tree):
    tree("tier1/good.scenario", GOOD)
    matrix = pytester.path / "scenarios" / "matrix.toml"
    matrix.write_text(matrix.read_text() + '\n[tools.pip]\ndescription = "pip"\n')
    result = run(pytester)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*matrix.toml:*: tool pip: unknown key 'description'*"])
    assert "Traceback" not in result.stderr.str()
