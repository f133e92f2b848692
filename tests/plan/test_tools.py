"""--tool: parsing, resolving latest/pre against an index (fake and real), which cells use a tool, the pins."""

from __future__ import annotations

import subprocess

import pytest

from guideproof.errors import UserError
from guideproof.plan.cells import cells_for, with_tool_versions
from guideproof.plan.index import available_versions
from guideproof.plan.tools import constraints_setup, parse_requests, pick, resolve, uses
from guideproof.results.record import ToolVersion
from guideproof.scenario.parser import load

VERSIONS = ["20.26.6", "20.30.0", "21.0.0", "21.1.0rc1", "21.1.0.dev3", "not-a-version"]


def index(versions=VERSIONS):
    return lambda package: list(versions)


def unreachable(package):
    raise OSError("Name or service not known")


def test_pick_latest_skips_prereleases_and_pre_takes_them():
    assert pick(VERSIONS, "latest") == "21.0.0"
    assert pick(VERSIONS, "pre") == "21.1.0rc1"
    assert pick(["21.2.0", "21.1.0rc1"], "pre") == "21.2.0"
    assert pick([], "latest") is None


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
    ],
)
def test_bad_options_are_named(matrix, option, message):
    with pytest.raises(UserError, match=message):
        parse_requests([option], matrix)


def test_real_index_resolves_virtualenv(matrix):
    """Against the real index: latest is a final release the index lists; offline falls back to the pin."""
    try:
        listed = available_versions("virtualenv")
    except OSError as exc:
        pytest.skip(f"the package index is not reachable here: {exc}")
    assert "20.26.6" in listed
    latest = resolve(parse_requests(["virtualenv=latest,20.26.6"], matrix), available_versions)
    assert latest[0].source == "index" and latest[0].version in listed
    assert not any(c.isalpha() for c in latest[0].version), latest[0].version
    assert latest[1].version == "20.26.6"
    assert available_versions("no-such-project-harness-test-4f1c") == []


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
        c.axis_values["env"]: scenario.steps_for(c.axis_values) for c in cells_for(scenario, matrix, matrix.platforms)
    }
    assert not uses(virtualenv, by_env["venv"])
    assert not uses(virtualenv, by_env["venv-copies"]), "virtualenvwrapper is another package"
    assert uses(virtualenv, by_env["uv"])
    assert uses(cx, by_env["venv"]), "a tool's command marks its use too"

    host = [p for p in matrix.platforms if p.name == "host"]
    versions = resolve(parse_requests(["virtualenv=20.26.6,21.0.0"], matrix), index(["20.26.6", "21.0.0"]))
    cells = with_tool_versions(cells_for(scenario, matrix, host), scenario, versions, matrix.tools)
    assert [c.id for c in cells] == ["host-uv-virtualenv==20.26.6", "host-uv-virtualenv==21.0.0"]


def test_constraints_setup_pins_pip_and_uv(matrix, tmp_path):
    setup = constraints_setup([("virtualenv", "20.26.6"), ("conda-express", "26.9.4")], matrix)
    script = f'{setup}\necho "$PIP_CONSTRAINT" "$UV_CONSTRAINT"; cat "$PIP_CONSTRAINT"'
    out = subprocess.run(["bash", "-c", script], env={"TMPDIR": str(tmp_path)}, capture_output=True, text=True)
    first, *lines = out.stdout.splitlines()
    pip, uv = first.split()
    assert pip == uv and pip.startswith(str(tmp_path))
    assert lines == ["virtualenv==20.26.6", "conda-express==26.9.4"]
    assert constraints_setup([], matrix) == ""
