"""Shell snippets must come from scenarios, or be marked untested with a reason (and listed)."""

from __future__ import annotations

from pathlib import Path

SCENARIO = """
+++
title = "Echo"
+++
  $ echo hi
  hi
"""


def test_plain_console_block_fails_the_build(docs, tmp_path: Path) -> None:
    page = """
    Page
    ====

    .. code-block:: console

       $ pip install requests
    """
    result = docs.build(docs.make_tree(tmp_path, {"page": page}, {"echo": SCENARIO}), tmp_path / "out")
    assert result.status != 0
    assert "page.rst:4: WARNING: shell snippet (console) is not backed by a scenario" in result.warnings


def test_bash_and_highlight_default_blocks_are_caught(docs, tmp_path: Path) -> None:
    page = """
    Page
    ====

    .. code-block:: bash

       ls

    .. highlight:: sh

    ::

       ls -l
    """
    result = docs.build(docs.make_tree(tmp_path, {"page": page}, {"echo": SCENARIO}), tmp_path / "out")
    assert result.status != 0
    assert "(bash) is not backed" in result.warnings
    assert "(sh) is not backed" in result.warnings


def test_scenarios_and_other_languages_pass(docs, tmp_path: Path) -> None:
    page = """
    Page
    ====

    .. scenario:: echo

    .. code-block:: text

       $ not a shell snippet, just text

    .. code-block:: toml

       key = "value"
    """
    result = docs.build(docs.make_tree(tmp_path, {"page": page}, {"echo": SCENARIO}), tmp_path / "out")
    assert result.status == 0, result.warnings
    assert "$ echo hi" in result.text("page")


def test_untested_snippet_passes_and_is_listed(docs, tmp_path: Path) -> None:
    snippets = """
    Snippets
    ========

    .. untested-snippet::
       :reason: needs a GPU, which no platform has

       $ nvidia-smi
    """
    listing = """
    Listing
    =======

    .. untested-snippets::
    """
    pages = {"snippets": snippets, "listing": listing}
    result = docs.build(docs.make_tree(tmp_path, pages, {"echo": SCENARIO}), tmp_path / "out")
    assert result.status == 0, result.warnings
    assert "$ nvidia-smi" in result.text("snippets")
    assert "Not checked by any scenario: needs a GPU, which no platform has" in result.text("snippets")
    listed = result.text("listing")
    assert "snippets, line 4 — $ nvidia-smi: needs a GPU, which no platform has" in listed
    assert 'href="snippets.html#untested-snippet-0"' in result.html("listing")


def test_untested_snippet_without_reason_fails(docs, tmp_path: Path) -> None:
    page = """
    Page
    ====

    .. untested-snippet::

       $ nvidia-smi
    """
    result = docs.build(docs.make_tree(tmp_path, {"page": page}, {"echo": SCENARIO}), tmp_path / "out")
    assert result.status != 0
    assert "untested-snippet needs a :reason:" in result.warnings


def test_snippet_list_follows_other_pages(docs, tmp_path: Path) -> None:
    listing = "Listing\n=======\n\n.. untested-snippets::\n"
    src = docs.make_tree(tmp_path, {"listing": listing, "snippets": "Snippets\n========\n"}, {"echo": SCENARIO})
    assert "No untested snippets" in docs.build(src, tmp_path / "out").text("listing")
    snippet = "\n.. untested-snippet::\n   :reason: needs a GPU\n\n   $ nvidia-smi\n"
    with (src / "snippets.rst").open("a", encoding="utf-8") as f:
        f.write(snippet)
    result = docs.build(src, tmp_path / "out", fresh=False)
    assert result.status == 0, result.warnings
    assert "$ nvidia-smi: needs a GPU" in result.text("listing")
