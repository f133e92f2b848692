"""Where: the one glob check of axis values (conditions, xfails, --axis, --platform)."""

from __future__ import annotations

from guideproof.matrix.where import Where, first_unmatched, matches_any

CELL = {"platform": "debian-bookworm", "env": "venv-copies"}


def test_a_cell_matches_when_every_named_axis_matches() -> None:
    assert Where.of({"env": ["venv*"]}).matches(CELL)
    assert Where.of({"env": ["uv", "venv-copies"], "platform": ["debian-*"]}).matches(CELL)
    assert not Where.of({"env": ["venv"]}).matches(CELL)
    assert not Where.of({"env": ["venv*"], "platform": ["debian-trixie"]}).matches(CELL)


def test_an_axis_the_cell_lacks_and_the_empty_constraint_constrain_nothing() -> None:
    assert Where.of({"conda": ["pixi"]}).matches(CELL)
    assert Where().matches(CELL) and not Where()
    assert Where.of({"env": ["x"]}).axes == ("env",)


def test_globs_are_case_sensitive_and_checked_against_values() -> None:
    assert matches_any("venv", ["v*"]) and not matches_any("venv", ["V*"])
    assert first_unmatched(["venv", "uv"], ["v*", "u?", "conda"]) == "conda"
    assert first_unmatched(["venv"], ["*"]) is None
