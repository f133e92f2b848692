"""compare and merge on crafted results files, through the functions and ``python -m guideproof``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from guideproof.results import compare as compare_module
from guideproof.results.store import Results
from guideproof.results.store import merge_results as merge_typed


def compare(old, new, partial=False):
    return compare_module.compare(Results.from_json(old), Results.from_json(new), partial=partial)


def merge_results(documents):
    return merge_typed([Results.from_json(d) for d in documents]).to_json()


def cell(scenario, outcome, reason="", tools=None, **axes):
    return {
        "scenario": scenario,
        "cell": {"platform": axes.pop("platform", "debian-bookworm"), **axes},
        "tools": tools or {},
        "outcome": outcome,
        "reason": reason,
    }


def doc(*cells, engine="docker", started="2026-11-24T10:00:00+00:00", tools=()):
    run = {
        "engine": engine,
        "started": started,
        "finished": started,
        "host": "ci",
        "harness_version": "0.1.0",
        "tools": list(tools),
    }
    return {"run": run, "cells": list(cells)}


BASELINE = doc(
    cell("tier1/venv-basics", "passed", env="virtualenv"),
    cell("tier1/venv-basics", "passed", env="venv"),
    cell("tier1/always-copy", "passed"),
    cell("tier1/pep668", "failed", "known breakage"),
    cell("tier1/old", "passed"),
)


def guideproof(*args, cwd: Path):
    return subprocess.run([sys.executable, "-m", "guideproof", *args], cwd=cwd, capture_output=True, text=True)


def test_a_new_failure_is_named_and_fails_the_comparison():
    new = doc(
        cell(
            "tier1/venv-basics",
            "failed",
            "output differs at x.scenario:40",
            {"virtualenv": "21.15.11"},
            env="virtualenv",
        ),
        cell("tier1/venv-basics", "passed", tools={"virtualenv": "20.26.6"}, env="virtualenv"),
    )
    result = compare(BASELINE, new)
    assert result.failed
    [change] = result.newly_failing
    assert (change.scenario, change.cell, change.tools, change.old, change.new) == (
        "tier1/venv-basics",
        "debian-bookworm-virtualenv",
        "virtualenv==21.15.11",
        "passed",
        "failed",
    )
    assert result.unchanged == 1
    assert {c.scenario for c in result.disappeared} == {
        "tier1/venv-basics",
        "tier1/always-copy",
        "tier1/pep668",
        "tier1/old",
    }


def test_no_new_failure_passes_even_with_old_failures_and_changes():
    new = doc(
        cell("tier1/venv-basics", "passed", env="virtualenv"),
        cell("tier1/venv-basics", "skipped", "needs pypi", env="venv"),
        cell("tier1/always-copy", "passed"),
        cell("tier1/pep668", "failed", "known breakage"),
        cell("tier1/new", "passed"),
    )
    result = compare(BASELINE, new)
    assert not result.failed
    assert [c.scenario for c in result.newly_skipped] == ["tier1/venv-basics"]
    assert [c.scenario for c in result.appeared] == ["tier1/new"]
    assert [c.scenario for c in result.disappeared] == ["tier1/old"]
    assert result.unchanged == 3  # pep668 failed before and still fails: not new


def test_newly_passing_and_appeared_failing():
    new = doc(cell("tier1/pep668", "passed"), cell("tier1/brand-new", "error", "engine died"))
    result = compare(BASELINE, new)
    assert [c.scenario for c in result.newly_passing] == ["tier1/pep668"]
    assert result.failed, "a cell that appears failing is a failure nobody has seen"


def test_pinned_old_cells_are_matched_by_their_pins_first():
    old = doc(
        cell("s", "passed", tools={"virtualenv": "20.26.6"}),
        cell("s", "failed", tools={"virtualenv": "21.0.0"}),
    )
    new = doc(cell("s", "failed", tools={"virtualenv": "20.26.6"}), cell("s", "failed", tools={"virtualenv": "21.0.0"}))
    result = compare(old, new)
    assert [c.tools for c in result.newly_failing] == ["virtualenv==20.26.6"]
    # a third version has two candidates and no exact one: it appeared
    third = compare(old, doc(cell("s", "passed", tools={"virtualenv": "22.0.0"})))
    assert [c.tools for c in third.appeared] == ["virtualenv==22.0.0"]


def test_cli_exit_status_text_and_markdown(tmp_path):
    (tmp_path / "old.json").write_text(json.dumps(BASELINE))
    bad = doc(
        cell("tier1/always-copy", "failed", "exit status 2, expected 0 at a.scenario:9", {"virtualenv": "21.15.11"})
    )
    (tmp_path / "new.json").write_text(json.dumps(bad))
    got = guideproof("compare", "old.json", "new.json", "--markdown", "out/report.md", cwd=tmp_path)
    assert got.returncode == 1, got.stdout + got.stderr
    assert "newly failing (1):" in got.stdout
    assert "  tier1/always-copy  [virtualenv==21.15.11]" in got.stdout
    assert "    debian-bookworm: failed (was passed): exit status 2, expected 0 at a.scenario:9" in got.stdout
    assert "RESULT: something newly fails" in got.stdout
    markdown = (tmp_path / "out" / "report.md").read_text()
    assert "**Something newly fails.**" in markdown
    assert "| `tier1/always-copy` | virtualenv==21.15.11 | `debian-bookworm` | failed (was passed) |" in markdown

    (tmp_path / "same.json").write_text(json.dumps(BASELINE))
    same = guideproof("compare", "old.json", "same.json", cwd=tmp_path)
    assert same.returncode == 0 and "RESULT: nothing newly fails" in same.stdout


def test_partial_run_counts_the_cells_it_did_not_run_and_still_fails(tmp_path):
    new = doc(cell("tier1/always-copy", "failed", "exit status 2", {"virtualenv": "20.26.6"}))
    result = compare(BASELINE, new, partial=True)
    assert result.failed and result.disappeared == [] and result.not_run == 4
    (tmp_path / "old.json").write_text(json.dumps(BASELINE))
    (tmp_path / "new.json").write_text(json.dumps(new))
    got = guideproof("compare", "old.json", "new.json", "--partial", "--markdown", "r.md", cwd=tmp_path)
    assert got.returncode == 1
    assert "disappeared (" not in got.stdout
    assert "0 unchanged, 4 old cells not in this partial run" in got.stdout
    assert "4 old cells not in this partial run." in (tmp_path / "r.md").read_text()


def test_cli_unusable_input_is_one_line(tmp_path):
    (tmp_path / "junk.json").write_text('{"cells": []}')
    got = guideproof("compare", "missing.json", "junk.json", cwd=tmp_path)
    assert got.returncode == 2
    assert got.stderr == "error: missing.json: no such results file\n"
    got = guideproof("compare", "junk.json", "junk.json", cwd=tmp_path)
    assert got.returncode == 3 and "junk.json: not a results file" in got.stderr and "Traceback" not in got.stderr


def test_merge_shards_keeps_pinned_cells_apart_and_combines_runs(tmp_path):
    shard_a = doc(
        cell("s", "passed", platform="debian-bookworm"),
        started="2026-11-24T10:00:00+00:00",
        tools=[{"tool": "virtualenv", "spec": "latest", "version": "21.15.11", "source": "index", "note": ""}],
    )
    shard_b = doc(
        cell("s", "failed", platform="debian-trixie"),
        cell("s", "passed", platform="debian-trixie", tools={"virtualenv": "20.26.6"}),
        engine="podman",
        started="2026-11-24T09:00:00+00:00",
        tools=[{"tool": "virtualenv", "spec": "latest", "version": "21.15.11", "source": "index", "note": ""}],
    )
    merged = merge_results([shard_a, shard_b])
    assert [(c["cell"]["platform"], c["tools"]) for c in merged["cells"]] == [
        ("debian-bookworm", {}),
        ("debian-trixie", {}),
        ("debian-trixie", {"virtualenv": "20.26.6"}),
    ]
    assert merged["run"]["engine"] == "docker,podman"
    assert merged["run"]["started"] == "2026-11-24T09:00:00+00:00"
    assert len(merged["run"]["tools"]) == 1
    # the same cell in a later shard wins
    rerun = doc(cell("s", "passed", platform="debian-trixie"))
    again = merge_results([merged, rerun])
    assert [c["outcome"] for c in again["cells"]] == ["passed", "passed", "passed"]

    for name, data in (("a.json", shard_a), ("b.json", shard_b)):
        (tmp_path / name).write_text(json.dumps(data))
    got = guideproof("merge", "-o", "out/merged.json", "a.json", "b.json", cwd=tmp_path)
    assert got.returncode == 0, got.stderr
    assert "merged 2 result files (3 cells)" in got.stdout
    assert json.loads((tmp_path / "out" / "merged.json").read_text())["cells"] == merged["cells"]
