"""Gradual adoption: Windows blocks reported, a baseline of known-untested snippets, a page opt-out, warn mode."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from guideproof.cli import main
from guideproof.snippets.coverage import Coverage, render_text
from guideproof.snippets.find import find_snippets
from guideproof.sphinx.blocks import block_key, normalise

TABBED = """
Install
=======

.. tab:: Unix/macOS

   .. code-block:: bash

      python3 -m venv .venv

.. tab:: Windows

   .. code-block:: bat

      py -m venv .venv

.. code-block:: console

   $ echo hi
   hi

.. code-block:: powershell

   Write-Host hi
"""

OPTED_OUT = """
:guideproof-untested: needs a PyPI account

Upload
======

.. code-block:: bash

   twine upload dist/*
"""


def _build(docs: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sphinx", "-q", "-W", "-E", "-b", "html", str(docs), str(out)],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(Path(__file__).parents[2]), "PATH": "/usr/bin:/bin"},
    )


def test_the_key_ignores_indent_trailing_spaces_and_blank_lines_but_not_text_or_tab():
    assert normalise("\n   a  \n     b\n\n") == "a\n  b"
    assert block_key("  echo hi  \n", "Unix") == block_key("echo hi", "Unix")
    assert block_key("echo hi", "Unix") != block_key("echo ho", "Unix")
    assert block_key("echo hi", "Unix") != block_key("echo hi", "Windows")


def test_windows_blocks_are_listed_as_not_runnable_with_counts_per_page(make_docs):
    docs = make_docs({"install.rst": TABBED, "upload.rst": OPTED_OUT})
    report = Coverage.of(find_snippets(docs))
    text = render_text(report)
    assert text.startswith("Read 3 pages of docs: 3 shell snippets on 2 pages, 2 blocks not runnable on this matrix")
    assert "Not runnable on this matrix (Windows shells; reported, not counted):" in text
    assert "  docs/install.rst:12  bat       [Windows]\n" in text
    assert "  docs/install.rst:21  powershell\n" in text
    assert "  docs/install.rst         2         0        0         2     0.0 %             2\n" in text
    assert report.total.total == 3 and report.total.not_runnable == 2  # not in the coverage figure
    # The page opt-out: every untested block of the page is accounted for, with the page's reason.
    assert "  docs/upload.rst:6    bash      opt-out: needs a PyPI account\n" in text


def test_baseline_command_writes_checks_and_names_what_is_new(make_docs, capsys):
    docs = make_docs({"install.rst": TABBED})
    assert main(["baseline", str(docs)]) == 2  # no baseline yet: says to write one
    assert main(["baseline", str(docs), "--update"]) == 0
    out = capsys.readouterr().out
    assert "wrote docs/untested-baseline.json: 2 untested snippets on 1 pages" in out
    assert "scenario_untested_baseline = 'untested-baseline.json'" in out
    data = json.loads((docs / "untested-baseline.json").read_text())
    assert [e["first_line"] for e in data["pages"]["install"]] == ["python3 -m venv .venv", "$ echo hi"]
    assert data["pages"]["install"][0]["tab"] == "Unix/macOS"
    assert main(["baseline", str(docs)]) == 0
    # Lines moved (text added above) keep the keys; a new untested block fails, named by file:line.
    page = docs / "install.rst"
    page.write_text(page.read_text().replace("Install\n=======\n", "Install\n=======\n\nIntro.\n\n"))
    assert main(["baseline", str(docs)]) == 0
    page.write_text(page.read_text() + "\n.. code-block:: bash\n\n   echo new\n")
    capsys.readouterr()
    assert main(["baseline", str(docs)]) == 1
    err = capsys.readouterr().err
    assert "1 untested snippets are not in the baseline:\n  docs/install.rst:28  bash  echo new\n" in err
    assert "failed: test them" in err
    # Coverage tells known from new.
    report = Coverage.of(find_snippets(docs), baseline=docs / "untested-baseline.json")
    assert "untested (in the baseline)" in render_text(report)
    assert "of which 2 in the baseline and 1 new" in render_text(report)


def test_strict_build_fails_only_on_new_untested_snippets_and_warn_mode_never_fails(make_docs, tmp_path):
    docs = make_docs({"install.rst": TABBED, "upload.rst": OPTED_OUT})
    assert "install.rst:6: WARNING: shell snippet (bash)" in _build(docs, tmp_path / "a").stderr
    assert main(["baseline", str(docs), "--update"]) == 0
    conf = docs / "conf.py"
    conf.write_text(conf.read_text() + 'scenario_untested_baseline = "untested-baseline.json"\n')
    built = _build(docs, tmp_path / "b")
    assert built.returncode == 0, built.stderr  # the tabbed block's key holds in the HTML build too
    page = docs / "install.rst"
    page.write_text(page.read_text() + "\n.. code-block:: bash\n\n   echo new\n")
    built = _build(docs, tmp_path / "c")
    assert built.returncode == 1
    assert built.stderr.count("WARNING: shell snippet") == 1 and "install.rst:25" in built.stderr
    conf.write_text(conf.read_text() + 'scenario_untested = "warn"\n')
    built = _build(docs, tmp_path / "d")
    assert built.returncode == 0, built.stderr


def test_untested_snippet_keeps_a_script_as_bash(make_docs, tmp_path):
    page = """
    Page
    ====

    .. untested-snippet::
       :reason: needs a GPU

       nvidia-smi

    .. untested-snippet::
       :reason: needs a GPU

       $ nvidia-smi
    """
    docs = make_docs({"page.rst": page})
    tree = find_snippets(docs)
    assert [s.language for s in tree.snippets] == ["bash", "console"]


def test_extract_says_what_it_left_out_and_why_and_a_windows_tab_gets_a_clear_answer(make_docs, capsys):
    docs = make_docs({"install.rst": TABBED})
    out = docs.parent / "install.scenario"
    assert main(["extract", str(docs / "install.rst"), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "(2 left out)" in captured.out
    assert (
        'left out docs/install.rst:12: a bat block in tab "Windows": not runnable on this matrix (its cells run a '
        "POSIX shell)" in captured.err
    )
    assert "left out docs/install.rst:21: a powershell block: not runnable on this matrix" in captured.err
    # The Windows tab is known (it used to be "no tab titled 'Windows'"): its bat block is left out, said why.
    assert main(["extract", str(docs / "install.rst"), "--tab", "Windows"]) == 0
    err = capsys.readouterr().err
    assert 'docs/install.rst:12: a bat block in tab "Windows": not runnable on this matrix' in err
    assert 'docs/install.rst:6: tab "Unix/macOS": the tab "Windows" of the same set is used' in err
    # A page whose chosen snippets are all Windows ones: nothing to extract, and why.
    only = TABBED.split(".. code-block:: console")[0].replace(".. tab:: Unix/macOS", ".. tab:: Linux")
    (docs / "install.rst").write_text(only)
    assert main(["extract", str(docs / "install.rst"), "--tab", "Windows"]) == 2
    assert "nothing to extract, every snippet is left out" in capsys.readouterr().err
