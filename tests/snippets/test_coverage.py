"""Coverage figures per snippet, per page and overall, in three formats, and the command's exit status."""

from __future__ import annotations

import json

from guideproof.cli import main
from guideproof.snippets.coverage import Counts, Coverage, render_json, render_markdown, render_text
from guideproof.snippets.find import find_snippets
from tests.snippets.conftest import HELLO

COVERED = """
Covered
=======

.. scenario:: hello

.. untested-snippet::
   :reason: needs a GPU

   $ nvidia-smi
"""

MIXED = """
Mixed
=====

.. tab:: Unix/macOS

   .. code-block:: console

      $ echo untested

.. code-block:: bash

   echo also untested

.. code-blok:: console

   $ hidden by a typo
"""


def test_counts_and_percent():
    counts = Counts(scenario=2, opt_out=1, untested=1)
    assert (counts.total, counts.percent) == (4, 75.0)
    assert Counts().percent is None  # nothing to cover is not 100 %


def test_text_report(make_docs):
    docs = make_docs({"covered.rst": COVERED, "mixed.rst": MIXED}, scenarios={"hello": HELLO})
    report = Coverage.of(find_snippets(docs))
    assert render_text(report) == (
        "Read 3 pages of docs: 4 shell snippets on 2 pages:\n"
        "  docs/covered.rst:4  console   scenario hello\n"
        "  docs/covered.rst:6  console   opt-out: needs a GPU\n"
        "  docs/mixed.rst:6    console   [Unix/macOS]  untested\n"
        "  docs/mixed.rst:10   bash      untested\n"
        "\n"
        "Could not be parsed (a snippet may hide in them; fix these first):\n"
        '  docs/mixed.rst:14: Unknown directive type "code-blok". [docutils]\n'
        "\n"
        "Per page (covered = scenario + opt-out):\n"
        "  page              snippets  scenario  opt-out  untested  coverage  not runnable\n"
        "  docs/covered.rst         2         1        1         0   100.0 %             0\n"
        "  docs/mixed.rst           2         0        0         2     0.0 %             0\n"
        "  overall                  4         1        1         2    50.0 %             0\n"
        "\n"
        "Coverage: 50.0 % of 4 shell snippets are a scenario or a reasoned opt-out (1 scenario, 1 opt-out, "
        "2 untested); 1 block could not be parsed.\n"
    )


def test_json_and_markdown_reports(make_docs):
    docs = make_docs({"covered.rst": COVERED, "mixed.rst": MIXED}, scenarios={"hello": HELLO})
    report = Coverage.of(find_snippets(docs))
    data = json.loads(render_json(report))
    assert data["total"] == {
        "snippets": 4,
        "scenario": 1,
        "opt_out": 1,
        "untested": 2,
        "untested_in_baseline": 0,
        "not_runnable": 0,
        "coverage_percent": 50.0,
    }
    assert [(p["path"], p["coverage_percent"]) for p in data["pages"]] == [
        ("docs/covered.rst", 100.0),
        ("docs/mixed.rst", 0.0),
    ]
    assert data["snippets"][2] == {
        "path": "docs/mixed.rst",
        "line": 6,
        "page": "mixed",
        "language": "console",
        "tabs": ["Unix/macOS"],
        "prompted": True,
        "status": "untested",
        "key": data["snippets"][2]["key"],
        "in_baseline": False,
        "scenario": None,
        "reason": None,
        "first_line": "$ echo untested",
    }
    assert data["problems"] == [
        {"path": "docs/mixed.rst", "line": 14, "message": 'Unknown directive type "code-blok". [docutils]'}
    ]
    markdown = render_markdown(report)
    assert "| `docs/mixed.rst` | 2 | 0 | 0 | 2 | 0.0 % | 0 |" in markdown
    assert "| **overall** | 4 | 1 | 1 | 2 | 50.0 % | 0 |" in markdown
    assert '| `docs/mixed.rst:14` | Unknown directive type "code-blok". [docutils] |' in markdown


def test_fail_under_fails_below_it_and_on_a_block_that_could_not_be_parsed(make_docs, capsys):
    docs = make_docs({"covered.rst": COVERED}, scenarios={"hello": HELLO})
    assert main(["coverage", str(docs), "--fail-under", "100"]) == 0
    assert "Coverage: 100.0 % of 2 shell snippets" in capsys.readouterr().out
    (docs / "covered.rst").write_text(COVERED + "\n.. code-block:: console\n\n   $ echo untested\n")
    assert main(["coverage", str(docs), "--fail-under", "100"]) == 1
    assert "failed: coverage 66.7 % is below --fail-under 100 % (1 untested of 3 shell snippets)" in (
        capsys.readouterr().err
    )
    assert main(["coverage", str(docs), "--fail-under", "66"]) == 0
    assert main(["coverage", str(docs)]) == 0  # without --fail-under it only reports
    (docs / "covered.rst").write_text(COVERED + "\n.. code-blok:: console\n\n   $ hidden\n")
    assert main(["coverage", str(docs), "--fail-under", "0"]) == 1
    assert "failed: 1 block could not be parsed (listed in the report)" in capsys.readouterr().err


def test_scenarios_option_points_the_extension_at_another_directory(make_docs, tmp_path, capsys):
    docs = make_docs({"covered.rst": COVERED}, scenarios={})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "matrix.toml").write_text((docs / "scenarios" / "matrix.toml").read_text())
    (elsewhere / "hello.scenario").write_text(HELLO.lstrip("\n"))
    out = tmp_path / "report.json"
    status = main(["coverage", str(docs), "--scenarios", str(elsewhere), "--format", "json", "-o", str(out)])
    assert status == 0
    assert json.loads(out.read_text())["total"]["scenario"] == 1
    assert capsys.readouterr().out.startswith("Coverage: 100.0 % of 2 shell snippets")
