"""A visible command that names a variable only guideproof sets fails the docs build, at the scenario's line."""

from __future__ import annotations

from pathlib import Path

VISIBLE = """
+++
title = "Create an environment from the run's channel"
+++
  $ sudo apt-get update
  $ cx create -y -n demo -c "$CONDA_CHANNEL" ipython
"""

HIDDEN = """
+++
title = "Create an environment from conda-forge"
+++
#hidden
  $ printf 'channel_alias: %s\\n' "${CONDA_CHANNEL%/conda-forge}" > ~/.condarc
#endhidden
  $ cx create -y -n demo -c conda-forge ipython
"""

PAGE = "Page\n=======\n\n.. scenario:: tier2/demo\n"


def test_a_visible_guideproof_variable_fails_the_build(docs, tmp_path: Path) -> None:
    src = docs.make_tree(tmp_path, {"page": PAGE}, {"tier2/demo": VISIBLE})
    result = docs.build(src, tmp_path / "out")
    assert result.status != 0
    assert "scenarios/tier2/demo.scenario:5" in result.warnings
    assert "CONDA_CHANNEL" in result.warnings and "#hidden" in result.warnings


def test_the_same_variable_in_a_hidden_step_builds(docs, tmp_path: Path) -> None:
    src = docs.make_tree(tmp_path, {"page": PAGE}, {"tier2/demo": HIDDEN})
    result = docs.build(src, tmp_path / "out")
    assert result.status == 0, result.warnings
    assert "-c conda-forge ipython" in result.text("page")
    assert "CONDA_CHANNEL" not in result.html("page")


def test_a_visible_guideproof_variable_in_a_tab_fails_too(docs, tmp_path: Path) -> None:
    body = (
        '+++\ntitle = "Tabs"\naxes = ["env"]\n+++\n#if env=venv\n  $ python3 -m venv .venv\n'
        '#else\n  $ pip install -c "$PIP_CONSTRAINT" virtualenv\n#endif\n'
    )
    src = docs.make_tree(tmp_path, {"page": PAGE}, {"tier2/demo": body})
    result = docs.build(src, tmp_path / "out")
    assert result.status != 0
    assert "scenarios/tier2/demo.scenario:8" in result.warnings and "PIP_CONSTRAINT" in result.warnings
