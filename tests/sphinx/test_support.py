"""Support windows: a platform past the end of its security support is said to be so on the results page and
in the verification lines; one still supported is never called ended. "Today" is the ``scenario_today`` config."""

from __future__ import annotations

from pathlib import Path

PAGES = {
    "page": "Page\n====\n\n.. scenario:: tier1/echo\n\nCited: :scenario-result:`tier1/echo`.\n",
    "results": "Results\n=======\n\n.. scenario-results::\n",
}
CELLS = [
    ("tier1/echo", {"platform": "debian-bookworm", "env": "venv"}, "passed", ""),
    ("tier1/echo", {"platform": "debian-trixie", "env": "venv"}, "passed", ""),
]
WINDOWS = {
    "debian-bookworm": "support = { security = 2026-07-12, lts = 2028-06-30 }",
    "debian-trixie": "support = { security = 2028-08-09, lts = 2030-06-30 }",
}


def _tree(docs, tmp_path: Path, today: str) -> Path:
    src = docs.make_tree(tmp_path, PAGES, {"tier1/echo": docs.echo}, docs.results_doc(CELLS))
    matrix = src / "scenarios" / "matrix.toml"
    text = matrix.read_text()
    for name, line in WINDOWS.items():
        header = f"[platforms.{name}]\n"
        text = text.replace(header, header + line + "\n")
    matrix.write_text(text)
    with (src / "conf.py").open("a") as conf:
        conf.write(f'scenario_today = "{today}"\n')
    return src


def test_a_platform_past_its_end_is_shown_so(docs, tmp_path: Path) -> None:
    result = docs.build(_tree(docs, tmp_path, "2028-07-01"), tmp_path / "out")
    assert result.status == 0, result.warnings
    ended = "Debian 12 no longer receives security updates (long-term support ended 2028-06-30)."
    page = result.text("page")
    assert page.count(ended) == 2, "the line under the snippet and the cited result both say so"
    results = result.text("results")
    assert "Security support on 2028-07-01: Debian 12 no longer receives security updates" in results
    assert "Debian 12 × venv (security support ended 2028-06-30) ✔ passed" in results
    assert "Debian 13 receives security updates until 2028-08-09, then long-term support until 2030-06-30." in results
    assert "Debian 13 × venv ✔ passed" in results
    assert 'class="support-ended"' in result.html("results")


def test_before_its_end_a_platform_is_not_called_ended(docs, tmp_path: Path) -> None:
    result = docs.build(_tree(docs, tmp_path, "2026-12-06"), tmp_path / "out")
    assert result.status == 0, result.warnings
    assert "no longer receives" not in result.text("page")
    results = result.text("results")
    assert "no longer receives" not in results
    assert "support ended" not in results.replace("regular security support ended", "")
    assert "Debian 12 receives security updates through long-term support until 2028-06-30" in results


def test_a_wrong_today_is_a_clear_error(docs, tmp_path: Path) -> None:
    result = docs.build(_tree(docs, tmp_path, "next tuesday"), tmp_path / "out")
    assert result.status != 0
    assert "scenario_today must be a date like 2026-12-06, not 'next tuesday'" in result.warnings


def test_the_platform_support_directive_lists_each_window(docs, tmp_path: Path) -> None:
    src = _tree(docs, tmp_path, "2028-07-01")
    (src / "support.rst").write_text("Support\n=======\n\n.. platform-support::\n")
    index = src / "index.rst"
    index.write_text(index.read_text() + "   support\n")
    result = docs.build(src, tmp_path / "out")
    assert result.status == 0, result.warnings
    text = result.text("support")
    assert "Debian 12 (bookworm): no longer receives security updates (long-term support ended 2028-06-30)." in text
    assert "Debian 13 (trixie): receives security updates until 2028-08-09" in text


def test_the_mutation_results_page_says_how_many_steps_are_checked(docs, tmp_path: Path) -> None:
    from guideproof.results.mutants import MutantRecord, MutationRun, ScenarioMutants, StepMutants, write_mutants

    killed = (MutantRecord("true", "killed", 5), MutantRecord("silent", "killed", 5))
    survived = (MutantRecord("true", "survived", ran=True), MutantRecord("silent", "survived"))
    steps = (
        StepMutants(4, "sudo apt-get update", "debian-bookworm", setup="refreshes apt's lists"),
        StepMutants(5, "echo hi", "debian-bookworm", mutants=killed),
        StepMutants(6, "pip lock -r requirements.txt", "debian-bookworm", mutants=survived),
    )
    run = MutationRun("2026-12-06T01:00:00+00:00", "2026-12-06T01:20:00+00:00", 1200.0, "docker", ("debian-bookworm",))
    run = MutationRun(
        **{**run.__dict__, "scenarios": (ScenarioMutants("tier1/echo", "x", "debian-bookworm", "", steps),)}
    )
    src = docs.make_tree(
        tmp_path, {"mutants": "Mutants\n=======\n\n.. mutation-results::\n"}, {"tier1/echo": docs.echo}
    )
    write_mutants(src / "mutants.json", run)
    with (src / "conf.py").open("a") as conf:
        conf.write('scenario_mutants = "mutants.json"\n')
    result = docs.build(src, tmp_path / "out")
    assert result.status == 0, result.warnings
    text = result.text("mutants")
    assert "1 of 2 steps checked, mutation run 2026-12-06: 4 mutants on debian-bookworm" in text
    assert "line 6, unchecked (`true`, `silent` survived): pip lock -r requirements.txt" in text
    assert "line 4, setup: refreshes apt's lists (sudo apt-get update)" in text
    assert "line 5" not in text


def test_the_tally_follows_the_results(docs, tmp_path: Path) -> None:
    pages = {"note": "Note\n====\n\n.. scenario-tally:: tier1/\n\n   the pages\n"}
    skipped = [("tier1/echo", {"platform": "debian-bookworm", "env": "venv"}, "skipped", "needs conda-forge")]
    src = docs.make_tree(
        tmp_path / "a", pages, {"tier1/echo": docs.echo, "tier1/two": docs.echo}, docs.results_doc(skipped)
    )
    result = docs.build(src, tmp_path / "a" / "out")
    assert result.status == 0, result.warnings
    assert "Nothing on the pages has been verified: the recorded run (2026-11-24) passed none of its 2" in result.text(
        "note"
    )
    passed = [("tier1/echo", {"platform": "debian-bookworm", "env": "venv"}, "passed", "")]
    src = docs.make_tree(
        tmp_path / "b", pages, {"tier1/echo": docs.echo, "tier1/two": docs.echo}, docs.results_doc(passed)
    )
    result = docs.build(src, tmp_path / "b" / "out")
    assert "1 of the 2 scenarios on the pages passed in the recorded run (2026-11-24)" in result.text("note")


def test_the_tally_takes_names_and_refuses_unknown_ones(docs, tmp_path: Path) -> None:
    pages = {"note": "Note\n====\n\n.. scenario-tally:: tier1/echo tier1/nope\n"}
    src = docs.make_tree(tmp_path, pages, {"tier1/echo": docs.echo}, docs.results_doc([]))
    result = docs.build(src, tmp_path / "out")
    assert result.status != 0 and "scenario tally: no scenario tier1/nope" in result.warnings
