"""Image recipes: the provisioning script is built from the container layout, and the tags are stable."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from guideproof.engines import cli as cli_mod
from guideproof.engines.cli import ContainerCLI, Done
from guideproof.engines.images import ImageBuilder, provisioning, recipe_digest
from guideproof.engines.layout import CA_DIR, USER, WORKDIR
from guideproof.errors import EngineError
from guideproof.matrix.model import Image, Platform, load_matrix

ROOT = Path(__file__).resolve().parents[2]
MATRIX = load_matrix(ROOT / "scenarios" / "matrix.toml")


def test_provisioning_creates_what_the_layout_names() -> None:
    script = provisioning(MATRIX.platform("debian-bookworm"))
    assert f"useradd --create-home --shell /bin/bash {USER}" in script
    assert f"install -d -o {USER} -g {USER} -m 0755 {WORKDIR}" in script
    assert f"mkdir -p {CA_DIR}" in script


def test_image_tags_change_only_with_the_recipe() -> None:
    """A changed recipe means new images (about 2.5 minutes for the three Debian ones): change it on purpose."""
    tags = {p.name: recipe_digest(p, "auto") for p in MATRIX.platforms if p.name.startswith("debian-")}
    assert tags == {
        "debian-bullseye": "a5bf7cc8e58d",
        "debian-bookworm": "3c5885477040",
        "debian-trixie": "9f58aebcf2ff",
    }
    assert recipe_digest(MATRIX.platform("debian-bookworm"), "debootstrap") != tags["debian-bookworm"]


def test_an_unknown_provisioning_recipe_is_named() -> None:
    platform = Platform("gentoo", "Gentoo", "gentoo", "container", image=Image(registry="gentoo", provision="gentoo"))
    with pytest.raises(EngineError, match="platform gentoo: no provisioning recipe for 'gentoo'"):
        provisioning(platform)


def test_a_cached_image_is_not_built_again(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []

    def run(argv, **kwargs):
        calls.append(list(argv))
        return Done(0, "")

    monkeypatch.setattr(cli_mod, "run", run)
    progress = io.StringIO()
    tag = ImageBuilder(ContainerCLI("docker")).ensure(MATRIX.platform("debian-bookworm"), progress)
    assert tag == "harness/debian-bookworm:3c5885477040"
    assert calls == [["docker", "image", "inspect", tag]]
    assert progress.getvalue() == f"image {tag}: cached\n"


def test_a_failing_command_is_one_error_with_its_output_tail(tmp_path: Path) -> None:
    script = tmp_path / "fails.sh"
    script.write_text("#!/bin/sh\necho first\necho 'the reason' >&2\nexit 3\n")
    script.chmod(0o755)
    with pytest.raises(EngineError, match=r"fails.sh' failed \(exit 3\): the reason"):
        cli_mod.run([str(script)])
    progress = io.StringIO()
    with pytest.raises(EngineError, match=r"failed \(exit 3\): first\nthe reason"):
        cli_mod.run([str(script)], progress=progress)
    assert progress.getvalue() == "    first\n    the reason\n"
    with pytest.raises(EngineError, match="did not finish within 0.5 s"):
        cli_mod.run(["sleep", "5"], timeout=0.5, progress=progress)
    with pytest.raises(EngineError, match="no-such-program-4f1c is not installed"):
        cli_mod.run(["no-such-program-4f1c"])
