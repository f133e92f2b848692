"""Readers see a named cell's recorded output under each command, never the scenario's patterns."""

from __future__ import annotations

import re
from pathlib import Path

from guideproof.matrix.model import load_matrix
from guideproof.scenario.digest import cell_digests
from guideproof.scenario.parser import load

SCENARIO = """
+++
title = "Versions"
platforms = ["debian-*"]
axes = ["env"]
+++
  $ python3 --version
  Python 3\\.\\d+\\.\\d+ (re)
#if platform=debian-bookworm
  $ openssl version
  OpenSSL \\d+\\.\\d+\\.\\d+\\S* +\\d+ \\w+ \\d{4} (re)
#else
  $ openssl version
  OpenSSL 3.* (glob)
#endif
"""
PAGE = "Page\n====\n\n.. scenario:: tier1/versions\n"
OUT = {
    ("debian-bookworm", "python3 --version"): ["Python 3.11.2"],
    ("debian-trixie", "python3 --version"): ["Python 3.13.5"],
    ("debian-bookworm", "openssl version"): ["OpenSSL 3.0.17 1 Jul 2025 (Library: OpenSSL 3.0.17 1 Jul 2025)"],
    ("debian-trixie", "openssl version"): ["OpenSSL 3.5.1 1 Jul 2025 (Library: OpenSSL 3.5.1 1 Jul 2025)"],
}


def recorded(src: Path, platforms=("debian-bookworm", "debian-trixie"), envs=("venv", "uv"), edit=None) -> dict:
    """Schema 3 results as a run of the scenario in ``src`` would write them (digests of the scenario as it is)."""
    matrix = load_matrix(src / "scenarios" / "matrix.toml")
    scenario = load(src / "scenarios" / "tier1" / "versions.scenario", src / "scenarios", matrix)
    cells = []
    for platform in platforms:
        for env in envs:
            values = {"platform": platform, "env": env}
            steps_sha256, parts_sha256 = cell_digests(scenario, values)
            steps = [
                {"line": s.line, "status": 0, "duration_s": 0.1, "output_sha256": "0" * 64, "shared": None}
                | {"output": OUT[(platform, s.command)], "output_cut": 0}
                for s in scenario.steps_for(values)
            ]
            cells.append(
                {"scenario": "tier1/versions", "cell": values, "outcome": "passed", "steps": steps}
                | {"steps_sha256": steps_sha256, "parts_sha256": parts_sha256, "finished": f"2026-12-0{len(cells) + 1}"}
            )
    run = {"engine": "docker", "started": "2026-12-01T10:00:00+00:00", "finished": "2026-12-05T10:00:00+00:00"}
    run |= {"host": "ci", "guideproof_version": "0.3.0", "state": "complete", "exit_status": 0}
    return {"schema": 3, "run": run, "cells": cells}


def visible_pre(html: str) -> list[str]:
    """The text of every <pre> outside a folded <details>."""
    body = re.sub(r"<details.*?</details>", "", html, flags=re.S)
    return [re.sub(r"<[^>]+>", "", pre) for pre in re.findall(r"<pre.*?</pre>", body, re.S)]


def test_each_tab_shows_its_own_cell_and_the_rest_the_newest_default_platform(docs, tmp_path: Path) -> None:
    src = docs.make_tree(tmp_path, {"page": PAGE}, {"tier1/versions": SCENARIO})
    docs.write_results(src, recorded(src))
    result = docs.build(src, tmp_path / "out")
    assert result.status == 0, result.warnings
    html = result.html("page")
    pres = visible_pre(html)
    # The block outside the tabs: Debian 13 (the newest default platform), venv (the axis's first value).
    assert "Python 3.13.5" in pres[0] and "\\d" not in pres[0]
    # Each tab: a cell of its own condition.
    assert "OpenSSL 3.0.17 1 Jul 2025" in pres[1] and "OpenSSL 3.5.1" in pres[2]
    assert not any("(re)" in p or "(glob)" in p or "\\d" in p for p in pres), pres
    text = result.text("page")
    assert "Output as recorded on Debian 13 × venv, 2026-12-03." in text
    assert "Output as recorded on Debian 12 × venv, 2026-12-01." in text
    # The expectation stays one click away for maintainers.
    assert "<summary>What the scenario checks (for maintainers)</summary>" in html
    assert "OpenSSL \\d+\\.\\d+\\.\\d+\\S* +\\d+ \\w+ \\d{4} (re)" in html.replace("&#92;", "\\")


def test_an_edited_scenario_shows_no_recorded_output_of_other_steps(docs, tmp_path: Path) -> None:
    src = docs.make_tree(tmp_path, {"page": PAGE}, {"tier1/versions": SCENARIO})
    docs.write_results(src, recorded(src))
    path = src / "scenarios" / "tier1" / "versions.scenario"
    path.write_text(path.read_text().replace("  $ python3 --version\n", "  $ python3 -VV\n"))
    result = docs.build(src, tmp_path / "out", strict=False)
    pres = visible_pre(result.html("page"))
    assert not any("3.13.5" in p or "3.0.17" in p for p in pres), "outputs of another version of the steps"
    assert any("‹output that varies›" in p for p in pres)
    assert "Outdated" in result.text("page")


def test_schema_2_results_render_as_before_with_placeholders(docs, tmp_path: Path) -> None:
    cells = [("tier1/versions", {"platform": "debian-trixie", "env": "venv"}, "passed", "")]
    src = docs.make_tree(tmp_path, {"page": PAGE}, {"tier1/versions": SCENARIO}, docs.results_doc(cells))
    result = docs.build(src, tmp_path / "out")
    assert result.status == 0, result.warnings
    pres = visible_pre(result.html("page"))
    assert "OpenSSL 3.…" in pres[2] and "‹output that varies›" in pres[1]
    assert "Verified on 1 of 1 cells, 2026-11-24: Debian 13 × venv." in result.text("page")


def test_a_skipped_cell_is_never_outdated_but_a_run_one_is(docs, tmp_path: Path) -> None:
    src = docs.make_tree(tmp_path, {"page": PAGE}, {"tier1/versions": SCENARIO})
    results = recorded(src, platforms=("debian-trixie",), envs=("venv",))
    skipped = {**results["cells"][0], "outcome": "skipped", "reason": "needs pypi", "steps": []}
    docs.write_results(src, {**results, "cells": [skipped]})
    path = src / "scenarios" / "tier1" / "versions.scenario"
    path.write_text(path.read_text().replace("  $ python3 --version\n", "  $ python3 -VV\n"))
    result = docs.build(src, tmp_path / "skipped")
    assert result.status == 0, result.warnings
    assert "Skipped on Debian 13 × venv: needs pypi." in result.text("page")
    docs.write_results(src, results)  # the same cell, run: the edit outdates it
    result = docs.build(src, tmp_path / "ran")
    assert result.status != 0 and "[scenario.outdated]" in result.warnings


def test_recorded_output_reads_as_a_terminal_shows_it_and_keeps_the_expectations_cut(write_scenario, matrix) -> None:
    from guideproof.results.record import CellRecord, StepRecord
    from guideproof.sphinx.outputs import Recorded, output_lines

    path = write_scenario(
        "  $ pip install x\n  ...\n  Successfully installed x-* (glob)\n  $ ldd y\n  \\tlib.so (esc)\n  ...\n"
        "  $ unchecked\n",
        dedent=False,
    )
    install, ldd, unchecked = load(path, path.parent, matrix).all_steps()
    lines = ("Collecting x", "Downloading x-1.0.whl (10 kB)", "\x1b[32mdone\x1b[0m", "Successfully installed x-1.0")
    steps = {
        install.line: StepRecord(install.line, 0, 0.1, "", output=lines),
        ldd.line: StepRecord(ldd.line, 0, 0.1, "", output=("\tlib.so => /lib/lib.so", "\tlibc.so.6")),
        unchecked.line: StepRecord(unchecked.line, 0, 0.1, "", output=("noise",)),
    }
    cell = CellRecord.from_json({"scenario": "s", "cell": {"platform": "host"}, "outcome": "passed"})
    recorded = Recorded(cell, "2026-12-05", steps)
    assert output_lines(install, recorded) == (["...", "Successfully installed x-1.0"], True)
    assert output_lines(ldd, recorded) == (["        lib.so => /lib/lib.so", "..."], True)
    assert output_lines(unchecked, recorded) == ([], False), "output the scenario does not check is not shown"
    assert output_lines(install, None) == (["...", "Successfully installed x-…"], False)
