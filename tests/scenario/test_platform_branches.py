"""The tier-1 scenarios' platform branches: every scenario that allows Fedora or Alpine gives them commands of
their own package manager (never apt); Alpine expects a musllinux wheel; and on Ubuntu the scenarios that show a
platform's own behaviour run more than their apt-get lines there (a platform that falls through every branch
would run nothing and pass for nothing, as pep668 did on Ubuntu before its branches)."""

from __future__ import annotations

from pathlib import Path

import pytest

from guideproof.matrix.model import load_matrix
from guideproof.matrix.where import matches_any
from guideproof.scenario.parser import load

ROOT = Path(__file__).resolve().parents[2]
MATRIX = load_matrix(ROOT / "scenarios" / "matrix.toml")
TIER1 = sorted((ROOT / "scenarios" / "tier1").glob("*.scenario"))
MANAGER = {"fedora": "dnf", "alpine": "apk"}


def scenario(path: Path):
    return load(path, ROOT / "scenarios", MATRIX)


def allowed(path: Path) -> list[str]:
    return [p.name for p in MATRIX.platforms if matches_any(p.name, list(scenario(path).platforms))]


def commands(path: Path, platform: str) -> str:
    values = {"platform": platform, **{a: MATRIX.axis(a).names[0] for a in scenario(path).axes}}
    return "\n".join(step.command for step in scenario(path).steps_for(values))


@pytest.mark.parametrize("platform", ["fedora", "alpine"])
def test_fedora_and_alpine_use_their_package_manager(platform: str) -> None:
    written = [p for p in TIER1 if platform in allowed(p)]
    assert {p.stem for p in written} >= {"pep668", "prepare-debian", "venv-basics", "wheel-platforms"}
    for path in written:
        text = commands(path, platform)
        assert "apt-get" not in text, f"{path.name} runs apt on {platform}"
    for name in ("pep668", "prepare-debian", "venv-basics"):
        assert f"sudo {MANAGER[platform]} " in commands(ROOT / "scenarios" / "tier1" / f"{name}.scenario", platform)


def test_alpine_expects_a_musllinux_wheel_and_glibc_platforms_a_manylinux_one() -> None:
    parsed = scenario(ROOT / "scenarios" / "tier1" / "wheel-platforms.scenario")

    def expected(platform: str) -> str:
        steps = parsed.steps_for({"platform": platform})
        return "\n".join(e.text for s in steps if s.part == "native" for e in s.output)

    assert "musllinux" in expected("alpine") and "manylinux" not in expected("alpine")
    assert "manylinux" in expected("ubuntu-24.04") and "musllinux" not in expected("ubuntu-24.04")


@pytest.mark.parametrize("platform", ["ubuntu-22.04", "ubuntu-24.04"])
def test_ubuntu_runs_every_tier1_scenario_but_the_debian_release_upgrade(platform: str) -> None:
    missing = [p.stem for p in TIER1 if platform not in allowed(p)]
    assert missing == ["release-upgrade"]
    for name in ("pep668", "venv-needs-python3-venv", "pipx-package", "break-system-packages"):
        path = ROOT / "scenarios" / "tier1" / f"{name}.scenario"
        # The part that shows the platform's own behaviour runs there: more than the apt-get lines.
        assert len([c for c in commands(path, platform).splitlines() if "apt-get" not in c]) >= 1, name
