"""matrix.toml: the real one loads; every table rejects unknown keys, naming the file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from guideproof.errors import FileError
from guideproof.matrix.model import load_matrix
from tests.conftest import SMALL_MATRIX

ROOT = Path(__file__).resolve().parents[2]


def test_the_projects_matrix_loads() -> None:
    matrix = load_matrix(ROOT / "scenarios" / "matrix.toml")
    assert [a.name for a in matrix.axes] == ["env", "conda"]
    assert matrix.axis("env").value("venv-copies").label == "venv --copies"
    assert matrix.platform("debian-bookworm").short == "Debian 12"
    assert matrix.axis_names[0] == "platform" and "host" in matrix.axis("platform").names
    assert matrix.values_matching("env", ["venv*"]) == ["venv", "venv-copies"]
    assert matrix.unmatched("platform", ["debian-*", "gentoo"]) == "gentoo"
    assert matrix.unmatched("platform", ["debian-*"]) is None


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("[colours]\nred = 1\n", "unknown key 'colours'"),
        ('[platforms.host2]\nkind = "host"\nflavour = "x"\n', "platform host2: unknown key 'flavour'"),
        ('[platforms.d2]\nimage = { registry = "x", size = 1 }\n', "platform d2: image: unknown key 'size'"),
        ('[axes.env.values.conda]\nlabel = "x"\ncreate = "conda create"\n', "value conda: unknown key 'create'"),
        ('[axes.env]\ndescription = "the env"\n', "axis env: unknown key 'description'"),
        ('[tools.pip]\ndescription = "pip"\n', "tool pip: unknown key 'description'"),
        ('[requirements.gpu]\nprobe = "url:x"\ncount = 2\n', "requirement gpu: unknown key 'count'"),
        ('[platforms.bad]\nkind = "vm"\n', "kind must be 'host' or 'container'"),
        ("[platforms.d3]\n", "a container platform needs image.registry or image.debootstrap"),
    ],
)
def test_a_mistake_is_named_at_its_line(tmp_path: Path, extra: str, message: str) -> None:
    path = tmp_path / "matrix.toml"
    path.write_text(SMALL_MATRIX + "\n" + extra)
    with pytest.raises(FileError) as info:
        load_matrix(path)
    assert message in str(info.value)
    assert str(info.value).startswith(f"{path}:"), "the error names the file and line"


def test_a_table_that_is_not_one(tmp_path: Path) -> None:
    path = tmp_path / "matrix.toml"
    path.write_text('axes = 3\n[platforms.host]\nkind = "host"\n')
    with pytest.raises(FileError, match=r"matrix.toml:1: \[axes\] must be a table"):
        load_matrix(path)


def test_invalid_toml_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "matrix.toml"
    path.write_text('[platforms.host]\nkind = "host\n')
    with pytest.raises(FileError, match=r"matrix.toml:2: invalid TOML"):
        load_matrix(path)
