"""The extension is configured from the adopting project's conf.py and assumes nothing about its layout."""

from __future__ import annotations

from pathlib import Path

PAGE = """
Page
====

.. scenario:: tier1/echo
"""

OPT_OUT_ONLY = """
Page
====

.. untested-snippet::
   :reason: no scenario directory yet

   $ echo hi
"""


def test_without_scenario_dir_the_directive_says_what_to_set(docs, tmp_path: Path) -> None:
    src = docs.make_tree(tmp_path, {"page": PAGE}, {"tier1/echo": docs.echo})
    (src / "conf.py").write_text('extensions = ["guideproof.sphinx"]\n')
    result = docs.build(src, tmp_path / "out")
    assert result.status != 0
    assert "page.rst:4: ERROR: scenario tier1/echo: conf.py does not set scenario_dir" in result.warnings


def test_a_project_with_opt_outs_only_needs_no_scenario_settings(docs, tmp_path: Path) -> None:
    src = docs.make_tree(tmp_path, {"page": OPT_OUT_ONLY}, {})
    (src / "conf.py").write_text('extensions = ["guideproof.sphinx"]\nhtml_theme = "furo"\n')
    result = docs.build(src, tmp_path / "out")
    assert result.status == 0, result.warnings
    assert "Not checked by any scenario: no scenario directory yet" in result.text("page")


def test_results_are_read_only_where_conf_py_says(docs, tmp_path: Path) -> None:
    cells = [("tier1/echo", {"platform": "debian-bookworm", "env": "venv"}, "passed", "")]
    src = docs.make_tree(tmp_path, {"page": PAGE}, {"tier1/echo": docs.echo}, docs.results_doc(cells))
    conf = (src / "conf.py").read_text().replace('scenario_results = ["results/*.json"]\n', "")
    (src / "conf.py").write_text(conf)
    (src.parent / "build").mkdir()
    docs.write_results(src.parent / "build", docs.results_doc(cells), name="scenarios.json")  # the old default
    assert "Not yet verified" in docs.build(src, tmp_path / "out").text("page")
    (src / "conf.py").write_text(conf + 'scenario_results = ["results/*.json"]\n')
    assert "Verified on 1 of 1 cells" in docs.build(src, tmp_path / "out2").text("page")
