"""--tool: parsing, resolving latest/pre against an index (fake and real), which cells use a tool, the pins."""

from __future__ import annotations

import subprocess

import pytest

from guideproof.errors import UserError
from guideproof.matrix.selection import Selection
from guideproof.plan.cells import Planner, cells_for
from guideproof.results.record import ToolVersion
from guideproof.scenario.parser import load
from guideproof.versions.index import project_releases
from guideproof.versions.releases import parse_project
from guideproof.versions.tools import constraints_setup, describe, parse_requests, resolve, tool_setup

VERSIONS = ["20.26.6", "20.30.0", "21.0.0", "21.1.0rc1", "21.1.0.dev3", "not-a-version"]


def index(versions=VERSIONS, yanked=()):
    """A fake index: each version one wheel uploaded on 2024-01-DD, in the order given."""
    files = [
        {
            "filename": f"virtualenv-{v}-py3-none-any.whl",
            "yanked": v in yanked,
            "upload-time": f"2024-01-{i + 1:02}T00:00Z",
        }
        for i, v in enumerate(versions)
    ]
    return lambda package: parse_project({"files": files})


def unreachable(package):
    raise OSError("Name or service not known")


def test_resolve_keeps_order_and_drops_duplicates(matrix):
    requests = parse_requests(["virtualenv=latest,pre,20.26.6", "virtualenv=latest"], matrix)
    got = resolve(requests, index())
    assert [(r.spec, r.version, r.source) for r in got] == [
        ("latest", "21.0.0", "index"),
        ("pre", "21.1.0rc1", "index"),
        ("20.26.6", "20.26.6", "asked"),
    ]
    # pre is latest when no pre-release is newer: one cell, not two identical ones
    same = resolve(parse_requests(["virtualenv=latest,pre"], matrix), index(["20.26.6", "21.0.0"]))
    assert [r.version for r in same] == ["21.0.0"]


def test_unreachable_index_uses_the_pinned_fallback_and_says_so(matrix):
    got = resolve(parse_requests(["virtualenv=latest"], matrix), unreachable)
    assert got == [
        ToolVersion(
            "virtualenv",
            "latest",
            "20.30.0",
            "fallback",
            "the package index did not answer (Name or service not known): using the fallback pinned in matrix.toml",
        )
    ]
    offline = resolve(parse_requests(["virtualenv=pre"], matrix), index(), offline=True)
    assert (offline[0].version, offline[0].source) == ("20.30.0", "fallback")
    assert "--offline" in offline[0].note


def test_no_fallback_and_no_index_is_a_clear_error(matrix):
    with pytest.raises(UserError, match="conda-express=latest: cannot resolve .* pins no fallback"):
        resolve(parse_requests(["conda-express=latest"], matrix), unreachable)


def test_an_exact_version_missing_from_the_index_is_an_error(matrix):
    with pytest.raises(UserError, match="virtualenv 99.0.0 is not on the package index"):
        resolve(parse_requests(["virtualenv=99.0.0"], matrix), index())
    # offline, an exact version is taken as asked: pip will say if it does not exist
    assert resolve(parse_requests(["virtualenv=99.0.0"], matrix), unreachable, offline=True)[0].version == "99.0.0"


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("virtualenv", "expected NAME=VERSION"),
        ("virtualenv=", "expected NAME=VERSION"),
        ("pipenv=latest", "pipenv: not a tool of .*matrix.toml \\(tools: virtualenv, conda-express\\)"),
        ("virtualenv=newest", "virtualenv=newest: not a version"),
        ("virtualenv=latest,,pre", "empty version"),
        ("virtualenv=20.0..", "a range is FIRST..LAST"),
    ],
)
def test_bad_options_are_named(matrix, option, message):
    with pytest.raises(UserError, match=message):
        parse_requests([option], matrix)


def test_real_index_resolves_virtualenv(matrix):
    """Against the real index: latest is a final release the index lists; offline falls back to the pin."""
    try:
        listed = [str(r.version) for r in project_releases("virtualenv") if not r.yanked]
    except OSError as exc:
        pytest.skip(f"the package index is not reachable here: {exc}")
    assert "20.26.6" in listed
    latest = resolve(parse_requests(["virtualenv=latest,20.26.6"], matrix), project_releases)
    assert latest[0].source == "index" and latest[0].version in listed
    assert not any(c.isalpha() for c in latest[0].version), latest[0].version
    assert latest[1].version == "20.26.6"
    assert project_releases("no-such-project-guideproof-test-4f1c") == []


def test_which_cells_use_a_tool(matrix, write_scenario):
    path = write_scenario(
        """
        #if env=venv
          $ python3 -m venv .venv
        #elif env=venv-copies
          $ pip install virtualenvwrapper
        #else
          $ pipx install virtualenv
        #endif
          $ cx --help
        """,
        header='title = "Demo"\naxes = ["env"]',
    )
    scenario = load(path, path.parent, matrix)
    virtualenv, cx = matrix.tools["virtualenv"], matrix.tools["conda-express"]
    by_env = {
        c.axis_values["env"]: [s.command for s in scenario.steps_for(c.axis_values)]
        for c in cells_for(scenario, matrix, matrix.platforms)
    }
    assert not virtualenv.named_in(by_env["venv"])
    assert not virtualenv.named_in(by_env["venv-copies"]), "virtualenvwrapper is another package"
    assert virtualenv.named_in(by_env["uv"])
    assert cx.named_in(by_env["venv"]), "a tool's command marks its use too"

    versions = resolve(parse_requests(["virtualenv=20.26.6,21.0.0"], matrix), index(["20.26.6", "21.0.0"]))
    _scenario, _matrix, named = Planner(Selection(("host",))).plan(path, versions=versions)
    assert [c.id for _, c in named] == ["host-uv-virtualenv==20.26.6", "host-uv-virtualenv==21.0.0"]
    assert [name for name, _ in named] == [f"{path.stem}[{c.id}]" for _, c in named]


def test_constraints_setup_pins_pip_and_uv(matrix, tmp_path):
    setup = constraints_setup([("virtualenv", "20.26.6"), ("conda-express", "26.9.4")], matrix)
    script = f'{setup}\necho "$PIP_CONSTRAINT" "$UV_CONSTRAINT"; cat "$PIP_CONSTRAINT"'
    out = subprocess.run(["bash", "-c", script], env={"TMPDIR": str(tmp_path)}, capture_output=True, text=True)
    first, *lines = out.stdout.splitlines()
    pip, uv = first.split()
    assert pip == uv and pip.startswith(str(tmp_path))
    assert lines == ["virtualenv==20.26.6", "conda-express==26.9.4"]
    assert constraints_setup([], matrix) == ""


def test_a_range_runs_one_release_per_series_with_release_dates(matrix):
    versions = ["20.0.0", "20.0.1", "20.1.0", "20.1.1", "20.2.0rc1", "20.2.0", "20.3.0"]
    fake = index(versions, yanked=("20.1.1",))
    got = resolve(parse_requests(["virtualenv=20.0.0..20.2.0"], matrix), fake)
    assert [(v.version, v.released, v.spec) for v in got] == [
        ("20.0.1", "2024-01-02", "20.0.0..20.2.0"),
        ("20.1.0", "2024-01-03", "20.0.0..20.2.0"),  # 20.1.1 is yanked
        ("20.2.0", "2024-01-06", "20.0.0..20.2.0"),
    ]
    every = resolve(parse_requests(["virtualenv=20.0.0..latest"], matrix), fake, every="all")
    assert [v.version for v in every] == ["20.0.0", "20.0.1", "20.1.0", "20.2.0", "20.3.0"]
    assert describe(got, "https://pypi.org/simple") == [
        "--tool virtualenv=20.0.0..20.2.0 → 3 releases, one per minor series, from https://pypi.org/simple:"
        " 20.0.1, 20.1.0, 20.2.0"
    ]
    with pytest.raises(UserError, match="a range needs the package index, and --offline was given"):
        resolve(parse_requests(["virtualenv=20.0.0..latest"], matrix), fake, offline=True)


def test_a_local_wheel_is_a_version_of_its_own_and_its_cells_get_it(matrix, tmp_path):
    from tests.versions.fake_index import make_wheel

    wheel = make_wheel(tmp_path, "virtualenv", "21.0.1.dev3+g1a2b3c", {"virtualenv/__init__.py": ""})
    (got,) = resolve(parse_requests([f"virtualenv={wheel}"], matrix), index(["21.0.0"]))
    assert (got.version, got.source, got.file, got.note) == ("21.0.1.dev3+g1a2b3c", "file", wheel.name, "")
    assert len(got.sha256) == 64 and got.path == str(wheel)
    assert describe([got], "x")[0].startswith(f"--tool virtualenv={wheel} → 21.0.1.dev3+g1a2b3c ({wheel.name}, sha256")
    same = make_wheel(tmp_path / "same", "virtualenv", "21.0.0", {"virtualenv/__init__.py": ""})
    (clash,) = resolve(parse_requests([f"virtualenv={same}"], matrix), index(["21.0.0"]))
    assert "also released on the index, so pip may install either file" in clash.note
    with pytest.raises(UserError, match="is a build of uv, not of virtualenv"):
        resolve(parse_requests([f"virtualenv={make_wheel(tmp_path, 'uv', '1.0')}"], matrix), index())
    setup = tool_setup([("virtualenv", got.version)], matrix, [got], str(tmp_path))
    script = f'{setup}\necho "$PIP_FIND_LINKS"; cat "$PIP_CONSTRAINT"'
    out = subprocess.run(
        ["bash", "-c", script], env={"TMPDIR": str(tmp_path), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True
    )
    assert out.stdout.splitlines() == [str(tmp_path), "virtualenv==21.0.1.dev3+g1a2b3c"], out.stderr
