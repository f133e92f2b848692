"""matrix.toml: the real one loads; every table rejects unknown keys, naming the file and line."""

from __future__ import annotations

import datetime as dt
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


def test_the_projects_debian_platforms_carry_their_support_windows() -> None:
    matrix = load_matrix(ROOT / "scenarios" / "matrix.toml")
    bullseye = matrix.platform("debian-bullseye")
    assert bullseye.support is not None and bullseye.support.end == dt.date(2026, 8, 31)
    assert not bullseye.ended(dt.date(2026, 8, 31)), "the date is the last day of support"
    assert bullseye.ended(dt.date(2026, 9, 1))
    bookworm = matrix.platform("debian-bookworm")
    assert bookworm.support is not None and bookworm.support.in_lts(dt.date(2026, 12, 6))
    assert not matrix.platform("host").ended(dt.date(2100, 1, 1)), "no window given: never called ended"


@pytest.mark.parametrize(
    ("support", "message"),
    [
        ('support = { security = "2026-06-10" }', "security must be a TOML date like 2026-06-10"),
        ("support = { lts = 2028-06-30 }", "'security' is required"),
        ("support = { security = 2026-06-10, esm = 2030-01-01 }", "unknown key 'esm'"),
        ("support = { security = 2026-06-10, lts = 2025-01-01 }", "lts (2025-01-01) ends before security"),
        ("support = 2026-06-10", "support must be a table"),
        ("support = { security = 2026-06-10T10:00:00 }", "must be a TOML date"),
    ],
)
def test_a_wrong_support_window_is_named_at_its_line(tmp_path: Path, support: str, message: str) -> None:
    path = tmp_path / "matrix.toml"
    text = SMALL_MATRIX + '\n[platforms.d9]\nlabel = "D9"\nimage = { registry = "x" }\n' + support + "\n"
    path.write_text(text)
    with pytest.raises(FileError) as info:
        load_matrix(path)
    line = text.splitlines().index(support) + 1
    assert str(info.value).startswith(f"{path}:{line}: "), str(info.value)
    assert message in str(info.value)
