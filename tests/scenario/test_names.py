"""A scenario's name, computed in one place, and the one walk that finds scenario files and their matrix."""

from __future__ import annotations

from pathlib import Path

from guideproof.scenario.discover import find_matrix, scenario_files
from guideproof.scenario.names import scenario_name, scenario_path


def test_names_are_paths_below_the_root_without_the_suffix(tmp_path: Path) -> None:
    path = tmp_path / "tier1" / "venv-basics.scenario"
    assert scenario_name(path, tmp_path) == "tier1/venv-basics"
    assert scenario_path("tier1/venv-basics", tmp_path) == path
    assert scenario_path("tier1/venv-basics.scenario", tmp_path) == path
    assert scenario_name(Path("/elsewhere/x.scenario"), tmp_path) == "x"


def test_the_walk_finds_each_file_once_and_its_matrix(tmp_path: Path) -> None:
    (tmp_path / "matrix.toml").write_text("")
    for name in ("tier2/b.scenario", "tier1/a.scenario", "tier1/notes.md"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    a = tmp_path / "tier1" / "a.scenario"
    found = scenario_files([tmp_path, a, tmp_path / "missing.scenario"])
    assert found == [a, tmp_path / "tier2" / "b.scenario"]
    assert find_matrix(a) == find_matrix(tmp_path) == tmp_path / "matrix.toml"
    assert find_matrix(Path("/")) is None
