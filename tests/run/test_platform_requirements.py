"""A platform's own requirement (Ubuntu's archive): with it unreachable (simulated, no network needed) the cells
of that platform are skipped with the reason, never failed and never run; the other platforms' cells are not."""

from __future__ import annotations

from pathlib import Path

import pytest

from guideproof.engines.local import LocalEngine
from guideproof.engines.runid import RunId
from guideproof.errors import FileError
from guideproof.matrix.model import load_matrix
from guideproof.matrix.where import Where
from guideproof.plan.cells import cells_for
from guideproof.results.record import Outcome
from guideproof.run.requirements import Requirements
from guideproof.run.runner import Runtime, run_cell
from guideproof.scenario.parser import load

ROOT = Path(__file__).resolve().parents[2]
MATRIX = load_matrix(ROOT / "scenarios" / "matrix.toml")
UBUNTU = [p for p in MATRIX.platforms if p.name.startswith("ubuntu-")]
ARCHIVE = "http://archive.ubuntu.com/ubuntu/"


def ubuntu_unreachable(url: str) -> str | None:
    return "Temporary failure in name resolution" if url.startswith(ARCHIVE) else None


class NoEngine(LocalEngine):
    """An engine that fails the test if a cell gets as far as opening a place to run."""

    def open_cell(self, *args, **kwargs):
        raise AssertionError("a cell whose platform requirement is unmet must not run")


def test_the_ubuntu_platforms_are_default_and_need_ubuntus_archive() -> None:
    assert [p.name for p in UBUNTU] == ["ubuntu-22.04", "ubuntu-24.04"]
    for platform in UBUNTU:
        assert platform.default and platform.kind == "container"
        assert platform.requires == ("ubuntu-archive",)
        assert MATRIX.requirement("ubuntu-archive").probe == f"url:{ARCHIVE}dists/noble/Release"
    assert not MATRIX.platform("debian-testing").default


def test_ubuntu_cells_skip_with_the_reason_when_its_archive_does_not_answer(tmp_path: Path) -> None:
    path = tmp_path / "demo.scenario"
    path.write_text('+++\ntitle = "T"\nplatforms = ["debian-bookworm", "ubuntu-*"]\n+++\nA note.\n  $ true\n')
    scenario = load(path, tmp_path, MATRIX)
    requirements = Requirements(MATRIX, NoEngine(), offline=False, probe=ubuntu_unreachable)
    runtime = Runtime(MATRIX, NoEngine(), requirements, RunId.new("test"))
    cells = cells_for(scenario, MATRIX, UBUNTU, Where.of({}))
    assert len(cells) == 2
    for cell in cells:
        record = run_cell(scenario, cell, runtime).record
        assert record.outcome == Outcome.SKIPPED
        assert record.reason == (
            f"needs ubuntu-archive: {ARCHIVE}dists/noble/Release is not reachable from this machine "
            "(Temporary failure in name resolution)"
        )
    # The Debian platform's cells do not need Ubuntu's archive; an answering archive skips nothing.
    assert requirements.unmet(scenario.requires, platform=MATRIX.platform("debian-bookworm")) is None
    answering = Requirements(MATRIX, NoEngine(), offline=False, probe=lambda url: None)
    assert all(answering.unmet(scenario.requires, platform=p) is None for p in UBUNTU)


def test_a_platform_requiring_an_unknown_requirement_is_an_error_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "matrix.toml"
    path.write_text('[platforms.u]\nimage = { registry = "u" }\nrequires = ["archive"]\n')
    with pytest.raises(FileError, match=r"matrix.toml:1: platform u: unknown requirement 'archive'"):
        load_matrix(path)
