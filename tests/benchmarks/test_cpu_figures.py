"""The bench's CPU figures: the containers' time from the cgroup that holds them all, and each container's own."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import breakdown  # noqa: E402


@pytest.fixture
def cgroups(tmp_path, monkeypatch):
    v1, v2, slice_ = tmp_path / "v1", tmp_path / "v2", tmp_path / "system.slice"
    monkeypatch.setattr(breakdown, "CGROUP_PARENTS", (v1, v2))
    monkeypatch.setattr(breakdown, "SYSTEMD_SLICE", slice_)
    return v1, v2, slice_


def test_the_parent_cgroup_counts_every_container_in_cgroup_v1(cgroups):
    v1, _, _ = cgroups
    assert breakdown.engine_cgroup_cpu() is None  # no such cgroup: the bench samples, and says so
    (v1 / ("a" * 64)).mkdir(parents=True)
    (v1 / "cpuacct.usage").write_text("2500000000\n")
    assert breakdown.engine_cgroup_cpu() == 2.5
    assert breakdown.live_containers() == ["a" * 64]


def test_the_parent_cgroup_counts_every_container_in_cgroup_v2(cgroups):
    _, v2, _ = cgroups
    (v2 / ("b" * 64)).mkdir(parents=True)
    (v2 / "not-a-container").mkdir()
    (v2 / "cpu.stat").write_text("usage_usec 1500000\nuser_usec 1000000\nsystem_usec 500000\n")
    assert breakdown.engine_cgroup_cpu() == 1.5
    assert breakdown.live_containers() == ["b" * 64]


def test_systemd_scopes_are_listed_but_never_added_up_as_one(cgroups):
    _, _, slice_ = cgroups
    (slice_ / f"docker-{'c' * 64}.scope").mkdir(parents=True)
    (slice_ / "cron.service").mkdir()
    assert breakdown.engine_cgroup_cpu() is None  # system.slice holds the system's services too
    assert breakdown.live_containers() == ["c" * 64]


def test_the_cores_time_splits_idle_waiting_and_stolen(tmp_path):
    """``/proc/stat``'s idle, iowait and steal each have their place: time the hypervisor took is not counted
    as the run's other processes, nor is waiting for the disk counted as work."""
    import os

    import runs

    tick = os.sysconf("SC_CLK_TCK")
    stat = tmp_path / "stat"
    stat.write_text(f"cpu  9 0 9 {30 * tick} {4 * tick} 0 0 {2 * tick} 0 0\ncpu0 1 2 3\n")
    assert runs.host_idle(stat) == (30.0, 4.0, 2.0)
    stat.write_text(f"cpu  9 0 9 {30 * tick} {4 * tick} 0 0\n")  # an old kernel: no steal column
    assert runs.host_idle(stat) == (30.0, 4.0, 0.0)

    run = runs.Run("cold", 100.0, 150.0, (1.0, 1.0), 0, "ok", daemon=10.0, idle=20.0, iowait=5.0, steal=6.0)
    line = runs.cores_split(run, 2)
    assert line.startswith("the cores' 200 s: 150 s the containers, 10 s the engine, 14 s other processes")
    assert "20 s idle (5 s of it waiting for the disk), 6 s taken by the hypervisor (steal)" in line
