"""The local channel without pytest: build (when py-rattler-build is installed) and serving."""

from __future__ import annotations

import importlib.util
import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from guideproof.channel.build import build_channel, recipes_digest
from guideproof.channel.serve import ChannelServer, channel_digest, channel_problem, shown_path, stable_port

ROOT = Path(__file__).resolve().parents[2]
RECIPES = ROOT / "scenarios" / "channel"


def fake_channel(tmp_path: Path) -> Path:
    (tmp_path / "linux-64").mkdir()
    (tmp_path / "linux-64" / "repodata.json").write_text(json.dumps({"packages.conda": {"x-1-0.conda": {}}}))
    return tmp_path


@pytest.mark.skipif(importlib.util.find_spec("rattler_build") is None, reason="py-rattler-build is not installed")
def test_build_indexes_both_packages_and_skips_when_unchanged(tmp_path: Path) -> None:
    out = tmp_path / "channel"
    first = build_channel(RECIPES, out)
    assert first.built
    names = {r["name"] for r in json.loads((out / "linux-64" / "repodata.json").read_text())["packages.conda"].values()}
    assert names == {"libgreet", "greet-cli"}
    assert not build_channel(RECIPES, out).built


def test_digest_changes_with_a_recipe(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "recipe.yaml").write_text("package: {name: a}\n")
    before = recipes_digest(tmp_path)
    (tmp_path / "a" / "recipe.yaml").write_text("package: {name: b}\n")
    assert recipes_digest(tmp_path) != before


def test_digest_changes_with_a_recipe_s_source_but_not_with_a_readme_beside_the_recipes(tmp_path: Path) -> None:
    (tmp_path / "a" / "src").mkdir(parents=True)
    (tmp_path / "a" / "recipe.yaml").write_text("package: {name: a}\n")
    (tmp_path / "a" / "src" / "a.c").write_text("int a;\n")
    before = recipes_digest(tmp_path)
    (tmp_path / "README.md").write_text("what these recipes are for\n")
    assert recipes_digest(tmp_path) == before
    (tmp_path / "a" / "src" / "a.c").write_text("int a = 1;\n")
    assert recipes_digest(tmp_path) != before


def test_server_serves_repodata(tmp_path: Path) -> None:
    with ChannelServer(fake_channel(tmp_path)) as server:
        assert server.url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(f"{server.url}/linux-64/repodata.json", timeout=5) as response:  # noqa: S310
            assert "x-1-0.conda" in json.load(response)["packages.conda"]


def test_channel_problem_says_how_to_build(tmp_path: Path) -> None:
    assert "nox -s channel" in (channel_problem(tmp_path) or "")
    assert channel_problem(fake_channel(tmp_path)) is None


def test_channel_problem_names_no_absolute_path_of_the_machine(tmp_path: Path) -> None:
    """The reason is a skip reason on public pages: the directory as the user gave it, never the machine's path."""
    missing = tmp_path / "build" / "channel"
    assert str(tmp_path) not in (channel_problem(missing) or "")
    reason = channel_problem(missing, shown_path("build/channel")) or ""
    assert "no local channel in build/channel " in reason and str(tmp_path) not in reason
    absolute = channel_problem(missing, shown_path(str(missing))) or ""
    assert "channel (the --local-channel-dir)" in absolute and str(tmp_path) not in absolute


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - a local test server
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_steady_url_is_the_same_from_run_to_run_and_serves_under_its_digest(tmp_path: Path) -> None:
    channel = fake_channel(tmp_path)
    with ChannelServer.steady(channel) as first:
        url = first.url
    with ChannelServer.steady(channel) as second:
        assert second.url == url
        assert url.rsplit("/", 1)[-1] == channel_digest(channel)[:16]
        assert f":{stable_port(channel)}/" in url
        assert _get(f"{url}/linux-64/repodata.json") == 200
        root = url.rsplit("/", 1)[0]
        assert _get(f"{root}/linux-64/repodata.json") == 404  # only under the prefix
        assert _get(f"{root}/{'0' * 16}/linux-64/repodata.json") == 404


def test_steady_url_changes_with_the_channel_content(tmp_path: Path) -> None:
    channel = fake_channel(tmp_path)
    before = channel_digest(channel)
    (channel / "linux-64" / "repodata.json").write_text(json.dumps({"packages.conda": {"x-2-0.conda": {}}}))
    assert channel_digest(channel) != before


def test_steady_falls_back_to_an_ephemeral_port_when_its_own_is_taken(tmp_path: Path) -> None:
    channel = fake_channel(tmp_path)
    with ChannelServer(channel, port=stable_port(channel)), ChannelServer.steady(channel) as other:
        assert f":{stable_port(channel)}/" not in other.url
        assert _get(f"{other.url}/linux-64/repodata.json") == 200
