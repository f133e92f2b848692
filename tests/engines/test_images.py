"""Image recipes: the provisioning script is built from the container layout, and the tags are stable."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from guideproof.engines import cli as cli_mod
from guideproof.engines import images as images_mod
from guideproof.engines.cli import ContainerCLI, Done
from guideproof.engines.images import ImageBuilder, provisioning, recipe, recipe_digest
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
    tags = {p.name: recipe_digest(p, "auto") for p in MATRIX.platforms if p.name.startswith(("debian-", "ubuntu-"))}
    assert tags == {
        "debian-bullseye": "daa55dc6ba9b",
        "debian-bookworm": "203b21e0cec0",
        "debian-trixie": "04501f634159",
        "ubuntu-22.04": "2a011cda1034",
        "ubuntu-24.04": "04e858d7782f",
        "debian-testing": "69b7e73f6a20",
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
    assert tag == "guideproof/debian-bookworm:203b21e0cec0"
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


def test_ubuntu_images_have_universe_and_the_updates_and_security_pockets() -> None:
    """debootstrap writes `main` only; an Ubuntu install has universe (python3-venv, pipx) and the pockets."""
    text = recipe(MATRIX.platform("ubuntu-24.04"), "auto")
    components = "main restricted universe multiverse"
    assert f"deb http://archive.ubuntu.com/ubuntu noble {components}\n" in text
    assert f"deb http://archive.ubuntu.com/ubuntu noble-updates {components}\n" in text
    assert f"deb http://security.ubuntu.com/ubuntu noble-security {components}\n" in text
    assert "tools trixie ubuntu-keyring /usr/share/keyrings/ubuntu-archive-keyring.gpg" in text
    assert "jammy-security" in recipe(MATRIX.platform("ubuntu-22.04"), "auto")


def test_ubuntu_is_bootstrapped_with_debians_newer_debootstrap_and_keyring(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The tools come from Debian's archive through apt (a private sources list signed by the host's Debian
    keyring: apt checks them), are unpacked with dpkg-deb, and debootstrap runs from there with the keyring."""
    calls: list[tuple[list[str], dict]] = []

    def run(argv, **kwargs):
        calls.append((list(argv), kwargs))
        if argv[:1] == ["apt-get"] and "download" in argv:
            (kwargs["cwd"] / "debootstrap_1.0.141_all.deb").write_text("")
        return Done(0, "")

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(images_mod, "run_command", run)
    monkeypatch.setattr(images_mod.os, "geteuid", lambda: 0)
    monkeypatch.setattr(ImageBuilder, "_import", lambda self, rootfs, tag: None)
    platform = MATRIX.platform("ubuntu-24.04")
    progress = io.StringIO()

    def rootfs_written(argv, **kwargs):
        calls.append((list(argv), kwargs))
        (Path(argv[-2]) / "etc/apt").mkdir(parents=True)
        return Done(0, "")

    tools = images_mod.debootstrap_tools(platform.image, progress)
    assert tools == tmp_path / "guideproof" / "debootstrap-trixie" / "root"
    apt = tmp_path / "guideproof" / "debootstrap-trixie" / "apt"
    sources = (apt / "sources.list").read_text()
    assert sources == (
        "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main\n"
    )
    update, download, unpack = (argv for argv, _ in calls)
    assert update[0] == "apt-get" and f"-oDir::Etc::sourcelist={apt / 'sources.list'}" in update
    assert update[-1] == "update" and download[-3:] == ["download", "debootstrap", "ubuntu-keyring"]
    assert unpack[:2] == ["dpkg-deb", "-x"] and unpack[-1] == str(tools)
    assert not any("sha256" in " ".join(argv) for argv, _ in calls)  # apt verifies; nothing typed by hand
    calls.clear()
    assert images_mod.debootstrap_tools(platform.image, progress) == tools  # unpacked once, then reused
    assert calls == []

    monkeypatch.setattr(images_mod, "run_command", rootfs_written)
    ImageBuilder(ContainerCLI("docker"), image_source="debootstrap")._debootstrap(platform, progress)
    (argv, kwargs), *_ = calls
    assert argv[0] == str(tools / "usr/sbin/debootstrap")
    assert argv[1] == f"--keyring={tools / 'usr/share/keyrings/ubuntu-archive-keyring.gpg'}"
    assert argv[-3:-1] == ["noble", argv[-2]] and argv[-1] == "http://archive.ubuntu.com/ubuntu"
    assert kwargs["env"]["DEBOOTSTRAP_DIR"] == str(tools / "usr/share/debootstrap")
