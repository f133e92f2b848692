"""The run builds the local conda channel when a selected scenario needs it, instead of skipping those cells."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from guideproof.pytest_plugin import channel as channel_mod
from guideproof.pytest_plugin.channel import build_if_needed
from tests.conftest import SMALL_MATRIX

pytest_plugins = ["pytester"]

LOCAL = '\n[requirements.local-channel]\ndescription = "the local channel"\nprobe = "local:channel"\n'
NEEDS = "+++\ntitle = 'x'\nplatforms = ['host']\nrequires = ['local-channel']\n+++\n"


def fake_build(recipes: Path, out: Path, force: bool = False) -> None:
    (out / "linux-64").mkdir(parents=True, exist_ok=True)
    (out / "linux-64" / "repodata.json").write_text(json.dumps({"packages.conda": {}}))
    (out / "built-from").write_text(str(recipes))


def test_the_channel_is_built_when_missing_and_otherwise_says_why(tmp_path, monkeypatch):
    recipes, out = tmp_path / "channel", tmp_path / "build" / "channel"
    recipes.mkdir()
    monkeypatch.setattr(channel_mod, "build_channel", fake_build)
    assert build_if_needed(recipes, out) is None
    assert (out / "built-from").read_text() == str(recipes)

    def missing(*args, **kwargs):
        raise ModuleNotFoundError("No module named 'rattler_build'")

    monkeypatch.setattr(channel_mod, "build_channel", missing)
    why = build_if_needed(recipes, tmp_path / "other")
    assert why is not None and "py-rattler-build is not installed" in why and "nox -s scenarios installs it" in why
    assert "nox -s channel" in (build_if_needed(tmp_path / "no-recipes", tmp_path / "none") or "")


def test_a_run_needing_the_channel_builds_and_serves_it(pytester: pytest.Pytester):
    scenarios = pytester.path / "scenarios"
    (scenarios / "channel" / "greet").mkdir(parents=True)
    (scenarios / "channel" / "greet" / "recipe.yaml").write_text("package: {name: greet}\n")
    (scenarios / "matrix.toml").write_text(SMALL_MATRIX + LOCAL)
    (scenarios / "local.scenario").write_text(NEEDS + '  $ curl -s "$LOCAL_CHANNEL/linux-64/repodata.json"\n')
    pytester.makeconftest(
        """
        import json
        import pytest
        from guideproof.pytest_plugin import channel
        def fake_build(recipes, out, force=False):
            (out / "linux-64").mkdir(parents=True, exist_ok=True)
            (out / "linux-64" / "repodata.json").write_text(json.dumps({"packages.conda": {}}))
        PATCH = pytest.MonkeyPatch()  # undone at the end: pytester runs in this very interpreter
        def pytest_configure(config):
            PATCH.setattr(channel, "build_channel", fake_build)
        def pytest_unconfigure(config):
            PATCH.undo()
        """
    )
    result = pytester.runpytest(
        "-p", "guideproof.pytest_plugin", "scenarios", "--engine", "local", "-p", "no:xdist", "-rs"
    )
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["scenarios: local channel served at http://127.0.0.1:*"])
    assert (pytester.path / "build" / "channel" / "linux-64" / "repodata.json").is_file()
