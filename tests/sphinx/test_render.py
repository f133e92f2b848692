"""The scenario directive: what a reader sees, and what they do not."""

from __future__ import annotations

from pathlib import Path

SWITCHING = """
+++
title = "Make an environment"
axes = ["env"]
+++
This prose line is a note for maintainers.
#part make
#if env=venv,venv-copies
  $ python3 -m venv .venv
#elif env=uv
  $ uv venv .venv
  Using CPython 3.11.2 (re)
#else
  $ true
#endif
#hidden
  $ echo secret-setup-step
  secret-setup-step
#endhidden
#part use
  $ .venv/bin/python -c 'print("in " + "venv")'
  in venv
  $ ls .venv/bin/python*
  .venv/bin/python* (glob)
  $ python3 -c 'import sys
  > sys.exit(3)'
  ...
  [3]
"""

PAGE = """
Page
====

.. scenario:: tier1/make
"""


def build_one(docs, tmp_path: Path, page: str = PAGE, results: dict | None = None, **scenarios: str):
    src = docs.make_tree(tmp_path, {"page": page}, {"tier1/make": SWITCHING, **scenarios}, results)
    result = docs.build(src, tmp_path / "out")
    assert result.status == 0, result.warnings
    return result


def test_switch_becomes_tabs_labelled_from_the_matrix(docs, tmp_path: Path) -> None:
    html = build_one(docs, tmp_path).html("page")
    labels = [label for label in ("venv / venv --copies", "uv venv", "Other") if f">{label}</label>" in html]
    assert labels == ["venv / venv --copies", "uv venv", "Other"]
    assert html.count('class="tab-set') == 1


def test_hidden_steps_and_prose_are_not_rendered(docs, tmp_path: Path) -> None:
    text = build_one(docs, tmp_path).text("page")
    assert "python3 -m venv .venv" in text
    assert "secret-setup-step" not in text
    assert "note for maintainers" not in text


def reader_text(result, page: str) -> str:
    """The page's text without what is folded away for maintainers (the expectation)."""
    import html
    import re

    body = re.sub(r"<details.*?</details>", "", result.html(page), flags=re.S)
    article = re.search(r"<article.*?</article>", body, re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", article.group(0) if article else body)))


def test_markers_removed_and_ellipsis_kept(docs, tmp_path: Path) -> None:
    result = build_one(docs, tmp_path)
    text = reader_text(result, "page")
    assert "Using CPython 3.11.2" in text  # a (re) line without metacharacters reads as it is
    assert "(re)" not in text and "(glob)" not in text
    assert ".venv/bin/python…" in text, "a glob's wildcard is a marked placeholder without a recorded run"
    assert "No recorded output to show here" in text
    assert "> sys.exit(3)'" in text
    assert "..." in text
    assert "[3]" not in text


def test_part_selects_only_its_steps(docs, tmp_path: Path) -> None:
    page = PAGE + "   :part: use\n"
    build_result = build_one(docs, tmp_path, page)
    text = build_result.text("page")
    assert 'print("in " + "venv")' in text
    assert "python3 -m venv" not in text
    assert "tab-set" not in build_result.html("page")


def test_unknown_part_fails_the_build(docs, tmp_path: Path) -> None:
    src = docs.make_tree(tmp_path, {"page": PAGE + "   :part: nope\n"}, {"tier1/make": SWITCHING})
    result = docs.build(src, tmp_path / "out")
    assert result.status != 0
    assert "has no part 'nope'" in result.warnings


def test_no_results_says_not_yet_verified(docs, tmp_path: Path) -> None:
    result = build_one(docs, tmp_path)
    assert "Not yet verified" in result.text("page")
    assert "Verified on" not in result.text("page")


def test_results_give_counts_dates_and_failures(docs, tmp_path: Path) -> None:
    cells = [
        ("tier1/make", {"platform": p, "env": e}, "passed", "")
        for p in ("debian-bookworm", "debian-trixie")
        for e in ("venv", "venv-copies")
    ]
    cells.append(("tier1/make", {"platform": "debian-trixie", "env": "uv"}, "failed", "output differs at line 12"))
    cells.append(("tier1/make", {"platform": "debian-bookworm", "env": "uv"}, "skipped", "needs pypi"))
    cells.append(("other/echo", {"platform": "debian-trixie", "env": "uv"}, "passed", ""))
    text = build_one(docs, tmp_path, results=docs.results_doc(cells), **{"other/echo": docs.echo}).text("page")
    assert "Verified on 4 of 6 cells, 2026-11-24: Debian 12, Debian 13 × venv, venv --copies." in text
    assert "Failed on Debian 13 × uv venv: output differs at line 12." in text
    assert "Skipped on Debian 12 × uv venv: needs pypi." in text
    assert "Not yet verified" not in text


def test_an_incomplete_run_is_said_to_be_one(docs, tmp_path: Path) -> None:
    cells = [
        ("tier1/make", {"platform": "debian-trixie", "env": "venv"}, "passed", ""),
        (
            "tier1/make",
            {"platform": "debian-trixie", "env": "uv"},
            "error",
            "not run: the run was interrupted (SIGTERM)",
        ),
    ]
    results = docs.results_doc(cells)
    results["run"].update(state="interrupted", exit_status=2, stopped_by="SIGTERM")
    text = build_one(docs, tmp_path, results=results).text("page")
    assert "Verified on 1 of 2 cells, 2026-11-24, in an incomplete run (the run was interrupted (SIGTERM)):" in text
    assert "Could not run (error) on Debian 13 × uv venv: not run: the run was interrupted (SIGTERM)." in text


def test_xfail_is_a_known_failure_not_a_pass(docs, tmp_path: Path) -> None:
    cells = [("tier1/make", {"platform": "debian-trixie", "env": "uv"}, "xfailed", "uv bug 123")]
    text = build_one(docs, tmp_path, results=docs.results_doc(cells)).text("page")
    assert "Not verified: 0 of 1 cells passed, 2026-11-24." in text
    assert "Known failure (xfail) on Debian 13 × uv venv: uv bug 123." in text
    assert "Verified on" not in text


def test_cells_are_named_in_matrix_order(docs, tmp_path: Path) -> None:
    cells = [
        ("tier1/make", {"platform": "debian-trixie", "env": "uv"}, "passed", ""),
        ("tier1/make", {"platform": "debian-trixie", "env": "venv"}, "passed", ""),
        ("tier1/make", {"platform": "debian-bookworm", "env": "uv"}, "passed", ""),
    ]
    text = build_one(docs, tmp_path, results=docs.results_doc(cells)).text("page")
    assert "Verified on 3 of 3 cells, 2026-11-24: Debian 12 × uv venv; Debian 13 × venv; Debian 13 × uv venv." in text


def test_new_results_file_rebuilds_scenario_pages(docs, tmp_path: Path) -> None:
    src = docs.make_tree(tmp_path, {"page": PAGE, "other": "Other\n=====\n\nNo scenario.\n"}, {"tier1/make": SWITCHING})
    assert "Not yet verified" in docs.build(src, tmp_path / "out").text("page")
    cells = [("tier1/make", {"platform": "debian-trixie", "env": "uv"}, "passed", "")]
    docs.write_results(src, docs.results_doc(cells))
    result = docs.build(src, tmp_path / "out", fresh=False)
    assert result.status == 0, result.warnings
    assert "Verified on 1 of 1 cells, 2026-11-24: Debian 13 × uv venv." in result.text("page")


def test_exact_output_lines_show_as_a_terminal_would(write_scenario, matrix) -> None:
    from guideproof.scenario.parser import load
    from guideproof.sphinx.render import console_text

    path = write_scenario(
        "  $ progress\n  50%\\r100% (esc)\n  \\x1b[32mok\\x1b[0m\\tdone (esc)\n  $ printf end\n  end (no-eol)\n"
        "  $ true\n  (no output)\n  $ echo '$ not a prompt'\n  \\x24 not a prompt (esc)\n",
        dedent=False,
    )
    steps = load(path, path.parent, matrix).all_steps()
    assert console_text(steps).splitlines() == [
        "$ progress",
        "100%",
        "ok      done",
        "$ printf end",
        "end",
        "$ true",
        "$ echo '$ not a prompt'",
        "$ not a prompt",
    ]
