"""Local builds and URLs as tool versions: checked, hashed, downloaded once, verified again in the cell."""

from __future__ import annotations

import hashlib
import subprocess

import pytest

from guideproof.versions.artefacts import ArtefactError, is_artefact, load, setup_command
from tests.versions.fake_index import FakeIndex, FakeRelease, make_wheel


@pytest.fixture
def wheel(tmp_path):
    return make_wheel(tmp_path / "dist", "virtualenv", "20.26.7.dev1+patched", {"virtualenv/__init__.py": ""})


def test_specs_that_name_files_or_urls():
    assert is_artefact("dist/virtualenv-1.0-py3-none-any.whl")
    assert is_artefact("virtualenv-1.0.tar.gz")
    assert is_artefact("https://files.example/virtualenv-1.0-py3-none-any.whl")
    assert not is_artefact("20.26.6")
    assert not is_artefact("latest")
    assert not is_artefact("20.0.0..latest")


def test_a_local_wheel_is_read_from_its_name_and_hashed(wheel, tmp_path):
    artefact = load("virtualenv", "virtualenv", "dist/" + wheel.name, tmp_path / "dl", base=tmp_path)
    assert artefact.version == "20.26.7.dev1+patched"
    assert artefact.sha256 == hashlib.sha256(wheel.read_bytes()).hexdigest()
    assert artefact.kind == "wheel"
    assert artefact.path == wheel


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing/virtualenv-1.0-py3-none-any.whl", None, "no such file"),
        ("uv-1.0-py3-none-any.whl", b"PK", "uv-1.0-py3-none-any.whl is a build of uv, not of virtualenv"),
        ("virtualenv-1.0-py3-none-any.whl", b"not a zip", "is not a zip archive, so not a wheel"),
        ("virtualenv.whl", b"PK", "not a wheel or sdist file name"),
    ],
)
def test_unusable_artefacts_are_refused_with_the_reason(tmp_path, name, content, message):
    if content is not None:
        (tmp_path / name).write_bytes(content)
    with pytest.raises(ArtefactError, match=f"--tool virtualenv={name}: .*{message}"):
        load("virtualenv", "virtualenv", name, tmp_path / "dl", base=tmp_path)


def test_a_url_is_downloaded_once_and_its_sha256_fragment_checked(wheel, tmp_path):
    with FakeIndex({"virtualenv": [FakeRelease("20.26.7.dev1+patched", wheel=wheel)]}) as index:
        url = index.url.replace("/simple", f"/files/{wheel.name}")
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        artefact = load("virtualenv", "virtualenv", f"{url}#sha256={digest}", tmp_path / "dl")
        assert artefact.path == tmp_path / "dl" / wheel.name
        assert artefact.sha256 == digest
        with pytest.raises(ArtefactError, match=f"the file's SHA-256 is {digest}, the URL says 00"):
            load("virtualenv", "virtualenv", f"{url}#sha256=00", tmp_path / "dl2")
        with pytest.raises(ArtefactError, match="could not download it"):
            load("virtualenv", "virtualenv", url.replace(wheel.name, "virtualenv-9-py3-none-any.whl"), tmp_path / "x")


def test_the_cell_setup_checks_the_copy_and_points_pip_and_uv_at_it(wheel, tmp_path):
    artefact = load("virtualenv", "virtualenv", str(wheel), tmp_path / "dl")
    setup = setup_command([(artefact.filename, artefact.sha256)], str(wheel.parent))
    show = ' && echo "$PIP_FIND_LINKS|$UV_FIND_LINKS"'
    env = {"PATH": "/usr/bin:/bin", "PIP_FIND_LINKS": "/opt/wheels"}
    done = subprocess.run(["bash", "-c", setup + show], capture_output=True, text=True, env=env)
    assert done.stdout == f"{wheel.parent} /opt/wheels|{wheel.parent}\n", done.stderr
    wheel.write_bytes(wheel.read_bytes() + b"tampered")
    done = subprocess.run(["bash", "-c", setup + show], capture_output=True, text=True, env=env)
    assert done.returncode != 0
    assert "do not match their SHA-256" in done.stdout
    assert setup_command([], "/x") == ""
