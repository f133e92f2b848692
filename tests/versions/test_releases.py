"""Releases from a PEP 691 page, and the ranges bisect and compat choose from them."""

from __future__ import annotations

import pytest
from packaging.version import Version

from guideproof.versions.compat import RangeError, expand, parse_range
from guideproof.versions.releases import Release, between, find, newest, parse_project, per_series

PAGE = {
    "meta": {"api-version": "1.1"},
    "files": [
        {"filename": "virtualenv-20.0.0-py2.py3-none-any.whl", "yanked": False, "upload-time": "2020-02-10T09:36:14Z"},
        {"filename": "virtualenv-20.0.0.tar.gz", "yanked": False, "upload-time": "2020-02-10T09:36:17Z"},
        {"filename": "virtualenv-20.0.1-py2.py3-none-any.whl", "yanked": False},
        {"filename": "virtualenv-20.0.22-py2.py3-none-any.whl", "yanked": "bad setuptools configuration"},
        {"filename": "virtualenv-20.0.22.tar.gz", "yanked": "bad setuptools configuration"},
        {"filename": "virtualenv-20.1.0-py2.py3-none-any.whl", "yanked": "one file yanked"},
        {"filename": "virtualenv-20.1.0.tar.gz", "yanked": False},
        {"filename": "virtualenv-20.2.0b1-py3-none-any.whl", "yanked": False},
        {"filename": "virtualenv-20.2.0-py3-none-any.whl", "yanked": False},
        {"filename": "virtualenv-20.2.1.post1-py3-none-any.whl", "yanked": False},
        {"filename": "virtualenv-1.0.win32.exe", "yanked": False},
    ],
}


@pytest.fixture
def releases() -> list[Release]:
    return parse_project(PAGE)


def test_a_release_is_yanked_only_when_all_its_files_are(releases):
    by_version = {str(r): r for r in releases}
    assert list(by_version) == ["20.0.0", "20.0.1", "20.0.22", "20.1.0", "20.2.0b1", "20.2.0", "20.2.1.post1"]
    assert by_version["20.0.22"].yanked
    assert not by_version["20.1.0"].yanked
    assert by_version["20.0.0"].date == "2020-02-10"
    assert by_version["20.0.1"].uploaded is None


def test_newest_and_find(releases):
    assert str(newest(releases)) == "20.2.1.post1"
    assert str(newest(releases[:5], pre=True)) == "20.2.0b1"
    assert str(newest(releases[:5])) == "20.1.0"
    assert find(releases, "20.0.22") is not None
    assert find(releases, "9.9") is None


def test_between_skips_yanked_and_pre_releases_but_keeps_the_ends(releases):
    low, high = find(releases, "20.0.0"), find(releases, "20.2.0")
    assert [str(r) for r in between(releases, low, high)] == ["20.0.0", "20.0.1", "20.1.0", "20.2.0"]
    assert [str(r) for r in between(releases, high, low, pre=True)] == [
        "20.0.0",
        "20.0.1",
        "20.1.0",
        "20.2.0b1",
        "20.2.0",
    ]
    yanked = find(releases, "20.0.22")
    assert str(between(releases, yanked, high)[0]) == "20.0.22"  # named by the user: kept


def test_one_release_per_series(releases):
    finals = [r for r in releases if not r.yanked and r.final]
    assert [str(r) for r in per_series(finals, "minor")] == ["20.0.1", "20.1.0", "20.2.1.post1"]
    assert [str(r) for r in per_series(finals, "patch")] == ["20.0.0", "20.0.1", "20.1.0", "20.2.0", "20.2.1.post1"]
    assert per_series(finals, "all") == finals
    with pytest.raises(ValueError, match="every must be one of"):
        per_series(finals, "major")


def test_ranges(releases):
    assert str(parse_range("20.0..latest")) == "20.0..latest"
    assert [str(r) for r in expand(releases, parse_range("20.0.0..latest"), "minor", "virtualenv")] == [
        "20.0.1",
        "20.1.0",
        "20.2.1.post1",
    ]
    assert str(expand(releases, parse_range("20.0.0..pre"), "all", "virtualenv")[-2]) == "20.2.0"
    for bad, message in (("20.0.0..", "a range is FIRST..LAST"), ("x..latest", "'x' is not a version")):
        with pytest.raises(RangeError, match=message):
            parse_range(bad)
    with pytest.raises(RangeError, match="virtualenv 19.0.0 is not on the package index"):
        expand(releases, parse_range("19.0.0..latest"), "minor", "virtualenv")
    with pytest.raises(RangeError, match="--tool-every major"):
        expand(releases, parse_range("20.0.0..latest"), "major", "virtualenv")


def test_versions_compare_as_pep_440(releases):
    assert find(releases, "20.0.0").version == Version("20.0")
