"""``nox -s bench``: figures for this machine, printed, never asserted.

(a) per-cell overhead: container create + CA copy + start + first prompt + removal;
(b) the harness running one real scenario vs a hand-written ``docker run ... bash -c`` doing the same work,
    as a ratio of medians measured in the same run, alternating to spread network noise;
(c) wall time of the whole default matrix with 1 worker and with the default worker count;
(d) matching 3,000 expected lines (all literal: passing, one line changed; with an ellipsis): time and peak
    memory of the match and of the alignment a failure needs (no Docker needed: printed first);
(e) what the syntax check (``bash -n`` in the cell before each command) costs per command, in a container.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

from guideproof.engines.base import CellLabels
from guideproof.engines.cli import ContainerCLI
from guideproof.engines.container import ContainerConfig, ContainerEngine
from guideproof.engines.layout import USER, WORKDIR
from guideproof.engines.runid import RunId
from guideproof.matrix.model import load_matrix
from guideproof.plan.cells import cells_for
from guideproof.run.match import match_output
from guideproof.run.requirements import Requirements
from guideproof.run.runner import Runtime, run_cell
from guideproof.scenario.model import Expected
from guideproof.scenario.parser import load

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


def overhead(engine: ContainerEngine, platform, rounds: int) -> list[float]:
    times = []
    for n in range(rounds):
        started = time.perf_counter()
        with engine.open_cell(platform, CellLabels(RunId.new("bench"), "bench/overhead", str(n)), {}) as shell:
            assert shell.start().status == 0
        times.append(time.perf_counter() - started)
    return times


def by_hand(engine: ContainerEngine, image: str, script: str) -> float:
    env = [
        a
        for k, v in sorted(engine.env.items())
        if not k.endswith(("CERT", "BUNDLE", "CERT_FILE"))
        for a in ("-e", f"{k}={v}")
    ]
    started = time.perf_counter()
    subprocess.run(
        [
            "docker",
            "run",
            "--rm",
            "--network",
            engine.network.name,  # the network the harness's cells get, for a fair comparison
            "-u",
            USER,
            "-w",
            WORKDIR,
            *env,
            image,
            "bash",
            "-c",
            script,
        ],
        capture_output=True,
        check=False,
        timeout=1800,
    )
    return time.perf_counter() - started


def compare(engine: ContainerEngine, name: str, platform_name: str, rounds: int) -> tuple[list[float], list[float]]:
    matrix = load_matrix(SCENARIOS / "matrix.toml")
    scenario = load(SCENARIOS / f"{name}.scenario", SCENARIOS, matrix)
    platform = matrix.platform(platform_name)
    (cell,) = cells_for(scenario, matrix, [platform])[:1]
    script = "\n".join(step.command for step in scenario.steps_for(cell.axis_values))
    image = engine.images.tag(platform)
    runtime = Runtime(matrix, engine, Requirements(matrix, engine, False), RunId.new("bench"))
    harness, hand = [], []
    for _ in range(rounds):
        started = time.perf_counter()
        record = run_cell(scenario, cell, runtime).record
        harness.append(time.perf_counter() - started)
        if record.outcome != "passed":
            print(f"  warning: the harness run did not pass ({record.outcome}: {record.reason})")
        hand.append(by_hand(engine, image, script))
    return harness, hand


def matrix_wall(workers: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "guideproof.pytest_plugin",
            str(SCENARIOS),
            "-n",
            workers,
            "-q",
            "-p",
            "no:cacheprovider",
            "--results",
            f"build/bench/matrix-n{workers}.json",
        ],
        cwd=ROOT,
        check=False,
    )
    return time.perf_counter() - started


def matching(lines: int = 3000) -> None:
    expected = [Expected("literal", f"line {i} of the output", i) for i in range(lines)]
    actual = [f"line {i} of the output".encode() for i in range(lines)]
    changed = list(actual)
    changed[lines // 2] = b"a line that changed"
    ellipsis = [expected[0], Expected("ellipsis", "", 1), *expected[lines // 2 :]]
    cases = [
        ("literal, passing", expected, actual),
        ("literal, one line changed", expected, changed),
        ("first line, ..., last half, passing", ellipsis, actual),
        ("first line, ..., last half, one changed", ellipsis, [*actual[:-10], b"x", *actual[-9:]]),
    ]
    for name, exp, act in cases:
        tracemalloc.start()
        started = time.perf_counter()
        result = match_output(exp, act)
        took = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        verdict = "match" if result.ok else "differ"
        print(
            f"(d) matching {len(exp):,} expected lines against {len(act):,} ({name}: {verdict}): "
            f"{took * 1000:.0f} ms, peak {peak / 1e6:.1f} MB",
            flush=True,
        )


def syntax_check_cost(engine: ContainerEngine, platform, commands: int = 200) -> tuple[float, float]:
    """Median seconds per command run as a step (checked with ``bash -n`` first) and aside (not checked)."""
    checked, unchecked = [], []
    with engine.open_cell(platform, CellLabels(RunId.new("bench"), "bench/syntax", "check"), {}) as shell:
        assert shell.start().status == 0
        for _ in range(commands):
            for times, run in ((checked, shell.run), (unchecked, shell.run_aside)):
                started = time.perf_counter()
                run("echo hello; for i in 1 2 3; do :; done", 30)
                times.append(time.perf_counter() - started)
    return statistics.median(checked), statistics.median(unchecked)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--scenario", default="tier1/venv-needs-python3-venv")
    parser.add_argument("--platform", default="debian-bookworm")
    parser.add_argument("--skip-matrix", action="store_true", help="leave out (c), which runs the matrix twice")
    args = parser.parse_args()
    matching()
    problem = ContainerCLI("docker").problem()
    if problem:
        print(f"bench needs Docker: {problem}")
        return 2
    matrix = load_matrix(SCENARIOS / "matrix.toml")
    engine = ContainerEngine(ContainerConfig("docker"))
    platform = matrix.platform(args.platform)
    engine.images.ensure(platform, progress=sys.stderr)

    times = overhead(engine, platform, args.rounds)
    print(
        f"(a) per-cell overhead on {platform.name}, {len(times)} rounds: median {statistics.median(times):.2f} s, "
        f"min {min(times):.2f} s, max {max(times):.2f} s (target < 1.5 s)",
        flush=True,
    )

    harness, hand = compare(engine, args.scenario, args.platform, max(3, args.rounds // 3))
    ratio = statistics.median(harness) / statistics.median(hand)
    print(
        f"(b) {args.scenario} on {args.platform}: harness median {statistics.median(harness):.1f} s, "
        f"docker run by hand median {statistics.median(hand):.1f} s, ratio {ratio:.2f} (target <= 1.15)",
        flush=True,
    )

    checked, unchecked = syntax_check_cost(engine, platform)
    print(
        f"(e) syntax check on {platform.name}: {checked * 1000:.1f} ms per command checked, "
        f"{unchecked * 1000:.1f} ms unchecked: {(checked - unchecked) * 1000:.1f} ms per command (medians)",
        flush=True,
    )

    if not args.skip_matrix:
        default = os.environ.get("HARNESS_WORKERS") or str(min(8, 2 * (os.cpu_count() or 1)))
        one = matrix_wall("1")
        many = matrix_wall(default)
        print(
            f"(c) whole default matrix: {one:.0f} s with 1 worker, {many:.0f} s with {default} workers "
            f"(speed-up {one / many:.2f}x)",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
