"""The project's own docs build with warnings as errors (what ``nox -s docs`` runs)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from sphinx.cmd.build import build_main

REPO = Path(__file__).resolve().parents[2]


def test_docs_build_strictly(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SCENARIO_RESULTS", str(tmp_path / "no-results" / "*.json"))
    warnings = tmp_path / "warnings.txt"
    args = ["-q", "-E", "-W", "--keep-going", "-n", "-b", "html", "-w", str(warnings)]
    status = build_main([*args, str(REPO / "docs"), str(tmp_path / "html")])
    assert status == 0, warnings.read_text(encoding="utf-8")
    results = (tmp_path / "html" / "results.html").read_text(encoding="utf-8")
    assert "No results yet" in results
    running = (tmp_path / "html" / "maintainers" / "running.html").read_text(encoding="utf-8")
    assert "untested-snippets" in running


def _pages_naming_the_checkout(results: Path, out: Path, monkeypatch) -> list[str]:
    monkeypatch.setenv("SCENARIO_RESULTS", str(results))
    assert build_main(["-q", "-E", "-b", "html", str(REPO / "docs"), str(out)]) == 0
    return [p.relative_to(out).as_posix() for p in out.rglob("*.html") if str(REPO) in p.read_text(encoding="utf-8")]


def test_no_page_shows_a_path_of_the_build_machine(tmp_path: Path, monkeypatch) -> None:
    """Built with the baseline's results, no page names this checkout's absolute path (reasons included)."""
    leaks = _pages_naming_the_checkout(REPO / "results" / "baseline.json", tmp_path / "html", monkeypatch)
    assert not leaks, f"pages naming {REPO}: {leaks}"


def test_a_reason_naming_the_checkout_is_found(tmp_path: Path, monkeypatch) -> None:
    """The check above can fail: a skip reason carrying the machine's path (as the channel's once did) shows up."""
    import json

    doc = json.loads((REPO / "results" / "baseline.json").read_text(encoding="utf-8"))
    cell = next(c for c in doc["cells"] if c["scenario"] == "tier2/local-channel-install")
    cell.update(outcome="skipped", reason=f"needs local-channel: no local channel at {REPO}/build/channel")
    results = tmp_path / "leaky.json"
    results.write_text(json.dumps(doc), encoding="utf-8")
    assert "results.html" in _pages_naming_the_checkout(results, tmp_path / "html", monkeypatch)


def _scenario_names() -> set[str]:
    root = REPO / "scenarios"
    return {p.relative_to(root).with_suffix("").as_posix() for p in root.rglob("*.scenario")}


SHOWN = re.compile(r"^\s*\.\. scenario:: (\S+)", re.M)
CITED = re.compile(r":scenario-result:`([^`]+)`")
# Scenarios that prove guideproof, not advice: shown on the maintainers' pages, never in the guide.
MAINTAINERS_ONLY = {"tier2/local-channel-install", "tier2/conda-forge-install"}


def _pages(folder: str) -> dict[str, str]:
    return {p.relative_to(REPO).as_posix(): p.read_text(encoding="utf-8") for p in (REPO / folder).rglob("*.rst")}


def test_landing_page_lists_exactly_the_scenarios() -> None:
    """The landing list, docs/index.rst, names every scenario once, and nothing that is not a scenario."""
    listed = CITED.findall((REPO / "docs" / "index.rst").read_text(encoding="utf-8"))
    names = _scenario_names()
    assert not names - set(listed), f"docs/index.rst does not list: {sorted(names - set(listed))}"
    assert not set(listed) - names, f"docs/index.rst lists scenarios that do not exist: {sorted(set(listed) - names)}"
    twice = sorted(n for n in set(listed) if listed.count(n) > 1)
    assert not twice, f"docs/index.rst lists these more than once: {twice}"


def test_every_scenario_is_shown_on_a_page() -> None:
    """Each scenario backs a page: the guide shows it, or (guideproof's own proofs only) a maintainers' page does."""
    guide = {n for text in _pages("docs/guide").values() for n in SHOWN.findall(text)}
    maintainers = {n for text in _pages("docs/maintainers").values() for n in SHOWN.findall(text)}
    names = _scenario_names()
    missing = {n for n in names - MAINTAINERS_ONLY if n not in guide}
    assert not missing, f"no guide page shows: {sorted(missing)}"
    assert maintainers >= MAINTAINERS_ONLY, f"no maintainers' page shows: {sorted(MAINTAINERS_ONLY - maintainers)}"
    assert not MAINTAINERS_ONLY & guide, f"own proofs shown in the guide: {sorted(MAINTAINERS_ONLY & guide)}"


def test_pages_name_only_existing_scenarios() -> None:
    """A renamed or removed scenario fails here with the page that still names it (the build says it too)."""
    names = _scenario_names()
    stale = {
        (page, n)
        for page, text in _pages("docs").items()
        for n in SHOWN.findall(text) + CITED.findall(text)
        if n.removesuffix(".scenario") not in names
    }
    assert not stale, f"pages name scenarios that do not exist: {sorted(stale)}"


def test_tier2_pages_that_show_conda_forge_scenarios_say_so_at_the_top() -> None:
    """A page showing a scenario that needs conda-forge opens with a note saying it may be skipped."""
    needs = {n for n in _scenario_names() if "conda-forge" in _requires(n)}
    for page, text in _pages("docs/guide/tier2").items():
        if set(SHOWN.findall(text)) & needs:
            head = text.split("\n\n", 3)[:3]
            assert any(".. note::" in block for block in head), f"{page} shows conda-forge scenarios without a note"


def _requires(name: str) -> list[str]:
    text = (REPO / "scenarios" / f"{name}.scenario").read_text(encoding="utf-8")
    header = text.split("+++")[1]
    return tomllib.loads(header).get("requires", [])


# Plumbing that belongs in #hidden steps, never in a command a reader sees.
PLUMBING = {
    ">/dev/null": re.compile(r">\s*/dev/null"),
    "apt-get -qq": re.compile(r"\s-qq\b"),
    "| grep -c": re.compile(r"\|\s*grep\s+(-\w*\s+)*-c\b"),
    "test ... && echo": re.compile(r"\btest\b.*&&\s*echo|\[\s.*\]\s*&&\s*echo"),
}


def _plumbing(root: Path) -> list[str]:
    """``file:line: what: command`` for every visible command under ``root`` that carries plumbing."""
    from guideproof.matrix.model import load_matrix
    from guideproof.scenario.model import Step, Switch
    from guideproof.scenario.parser import load

    matrix = load_matrix(REPO / "scenarios" / "matrix.toml")
    found = []
    for path in sorted(root.rglob("*.scenario")):
        steps = []
        for item in load(path, root, matrix).items:
            if isinstance(item, Switch):
                steps += [i for b in item.branches for i in b.items if isinstance(i, Step)]
            elif isinstance(item, Step):
                steps.append(item)
        for step in steps:
            for what, pattern in PLUMBING.items():
                if not step.hidden and pattern.search(step.command):
                    found.append(f"{path.relative_to(root)}:{step.line}: {what}: {step.command.splitlines()[0]}")
    return found


def test_visible_commands_carry_no_checking_plumbing() -> None:
    """What a page shows is what a reader types: output checks and silencing go into #hidden steps."""
    found = _plumbing(REPO / "scenarios")
    assert not found, "visible commands with checking plumbing:\n" + "\n".join(found)


def test_plumbing_check_finds_visible_plumbing_and_not_hidden(tmp_path: Path) -> None:
    body = (
        '+++\ntitle = "x"\n+++\n'
        "  $ sudo apt-get install -y -qq curl >/dev/null\n"
        "#hidden\n  $ ls | grep -c x\n  0\n  [1]\n#endhidden\n"
        "  $ test -d x && echo yes\n  yes\n"
    )
    (tmp_path / "bad.scenario").write_text(body, encoding="utf-8")
    found = _plumbing(tmp_path)
    assert [f.split(": ")[1] for f in found] == [">/dev/null", "apt-get -qq", "test ... && echo"]
    assert found[0].startswith("bad.scenario:4:")
