"""``nox -s bench``: figures for this machine, printed, never asserted.

(a) per-cell overhead: container create + start + first prompt + removal;
(b) guideproof running one real scenario vs a hand-written ``docker run ... bash -c`` doing the same work,
    as a ratio of medians measured in the same run, alternating to spread network noise;
(c) where one cell's time goes: each step's wall and CPU time, apt downloads vs unpacking, and what sharing
    its prefix costs (benchmarks/breakdown.py);
(d) the whole default matrix: cold (sharing within the run), then --reuse twice in a fresh store with the
    default cap (fills it; warm), each with its wall time, the CPU time of its containers and of the
    container engine (commits); the cold run at the CPU floor (wall / (CPU / cores)) and by platform; with
    --before, also as before shared prefixes (benchmarks/runs.py);
(e) the maintainer's loop: append a step to tier1/venv-basics (then edit its last step) and rerun its cell with
    the command a maintainer types (``nox -s scenarios -- FILE --platform P --axis env=venv``, warm by
    default outside CI), timed whole, nox included;
(f) matching 3,000 expected lines (all literal: passing, one line changed; with an ellipsis): time and peak
    memory of the match and of the alignment a failure needs (no Docker needed: printed first);
(g) what the syntax check (``bash -n`` in the cell before each command) costs per command, in a container.

Kept snapshots go to the bench's own store (build/bench/cache), removed at the end.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

from breakdown import breakdown
from runs import Run, cores_split, run_scenarios

from guideproof.engines.base import CellLabels
from guideproof.engines.cli import ContainerCLI
from guideproof.engines.container import ContainerEngine
from guideproof.engines.layout import USER, WORKDIR
from guideproof.engines.runid import RunId
from guideproof.engines.snapshot import DEFAULT_MAX_GB
from guideproof.matrix.selection import Selection
from guideproof.results.record import Outcome
from guideproof.results.store import load_results
from guideproof.run.match import match_output
from guideproof.run.runner import run_cell
from guideproof.run.session import Session, Settings
from guideproof.scenario.model import Expected

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
BENCH_CACHE = ROOT / "build" / "bench" / "cache"
BASELINE = "results/baseline.json"  # its step times order the cells, as nox -s scenarios does


def overhead(engine: ContainerEngine, platform, rounds: int) -> tuple[list[float], list[float]]:
    """A cell's container opened, its shell started, and the cell left: what the worker waits for, and that
    with the container's removal, which goes on in the background."""
    waited, whole = [], []
    for n in range(rounds):
        started = time.perf_counter()
        with engine.open_cell(platform, CellLabels(RunId.new("bench"), "bench/overhead", str(n)), {}) as shell:
            assert shell.start().status == 0
        waited.append(time.perf_counter() - started)
        engine.removals.drain()
        whole.append(time.perf_counter() - started)
    return waited, whole


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
            engine.network.name,  # the network guideproof's cells get, for a fair comparison
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


def compare(session: Session, name: str, rounds: int) -> tuple[list[float], list[float]]:
    """The scenario's first cell on the session's platform, run by the runner and by hand."""
    engine = session.engine
    assert isinstance(engine, ContainerEngine)
    scenario, matrix, cells = session.planned(SCENARIOS / f"{name}.scenario")
    cell = cells[0][1]
    script = "\n".join(step.command for step in scenario.steps_for(cell.axis_values))
    image = engine.image_builder.tag(cell.platform)
    runtime = session.runtime(matrix)
    ours, hand = [], []
    for _ in range(rounds):
        started = time.perf_counter()
        record = run_cell(scenario, cell, runtime).record
        ours.append(time.perf_counter() - started)
        if record.outcome != "passed":
            print(f"  warning: guideproof run did not pass ({record.outcome}: {record.reason})")
        hand.append(by_hand(engine, image, script))
    return ours, hand


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
            f"(f) matching {len(exp):,} expected lines against {len(act):,} ({name}: {verdict}): "
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


def matrix_runs(workers: str, old_workers: str | None, platforms: list[str]) -> dict[str, Run]:
    """The whole default matrix: cold (the default: sharing within the run), then --reuse twice in a fresh store
    with the default cap (the first fills it, the second is warm); with ``old_workers``, first as before shared
    prefixes too (every cell from its first step, the old worker count: another quarter of an hour)."""
    cache = {"XDG_CACHE_HOME": str(BENCH_CACHE)}
    _clear_cache()
    timings = ["--timings-from", BASELINE] if (ROOT / BASELINE).is_file() else []
    plans = [
        ("cold", "cold: sharing within the run, -n " + workers, ["-n", workers, *timings], None),
        ("fill", "--reuse, empty store (fills it), -n " + workers, ["--reuse", "-n", workers, *timings], cache),
        ("warm", "warm: --reuse again, -n " + workers, ["--reuse", "-n", workers, *timings], cache),
    ]
    if old_workers:
        plans.insert(0, ("before", "before: --no-share, -n " + old_workers, ["--no-share", "-n", old_workers], None))
    runs = {}
    for slug, name, options, env in plans:
        args = [str(SCENARIOS), *options, "--results", f"build/bench/matrix-{slug}.json"]
        runs[slug] = run_scenarios(name, ROOT, args, env, platforms)
        print(runs[slug].line(), flush=True)
        if slug == "fill":
            print(f"      store after it: {_store_line()}", flush=True)
    return runs


def per_platform(run: Run, results: Path, platforms: list[str]) -> None:
    """The cold run by platform: cells run and skipped, their wall time added up, their containers' CPU."""
    cells = load_results(results).cells
    print(f"    the cold run by platform ({len(cells)} cells):")
    for platform in platforms:
        mine = [c for c in cells if c.cell.get("platform") == platform]
        if not mine:
            continue  # not a default platform
        ran = [c for c in mine if c.outcome not in (Outcome.SKIPPED,)]
        cpu = (run.cpu_by_platform or {}).get(platform, 0.0)
        print(
            f"      {platform:<18} {len(ran):3d} run, {len(mine) - len(ran):2d} skipped;"
            f" cells' wall time added up {sum(c.duration_s for c in ran):6.0f} s, CPU in containers {cpu:5.0f} s",
            flush=True,
        )


def maintainer_loop(platform: str) -> None:
    """What a maintainer types after changing tier1/venv-basics, timed as a whole process, nox included:
    ``nox -s scenarios -- FILE --platform P --axis env=venv`` (it reuses snapshots by default outside CI).
    Two changes: a step appended (the loop of writing a scenario: every step before it comes from the
    store) and the last step edited (it reruns from the last snapshot kept before it: at most --reuse-every
    seconds of steps)."""
    copy = ROOT / "scenarios" / "bench-edit"  # below scenarios/: the noxfile takes it for the default tree
    shutil.rmtree(copy, ignore_errors=True)
    copy.mkdir()
    path = copy / "venv-basics.scenario"
    text = (SCENARIOS / "tier1" / "venv-basics.scenario").read_text()
    last = "  $ python3 -c 'import humanize'\n"
    assert last in text, "the last step of tier1/venv-basics changed: update the bench"
    env = {**os.environ, "XDG_CACHE_HOME": str(BENCH_CACHE), "GUIDEPROOF_RESULTS": "build/bench/edit.json"}
    env.pop("CI", None)  # the maintainer's run: --reuse by default
    where = ["--platform", platform, "--axis", "env=venv"]
    command = ["nox", "-s", "scenarios", "--", str(path.relative_to(ROOT)), *where]

    def timed(changed: str) -> float:
        path.write_text(changed)
        started = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        took = time.perf_counter() - started
        if done.returncode != 0:
            print(done.stdout[-2000:], done.stderr[-2000:])
        return took

    try:
        timed(text)  # not timed: nox's environment made, and the store given this cell
        appended = [timed(text + f"  $ echo appended {n}\n  appended {n}\n") for n in range(3)]
        edited = [timed(text.replace(last, f"  $ python3 -c 'import humanize'  # edit {n}\n")) for n in range(3)]
        print(f"(e) the maintainer's loop, `{' '.join(command)}` timed whole, nox included:", flush=True)
        for name, times, target in (
            ("a step appended to tier1/venv-basics", appended, " (target <= 5 s)"),
            ("its last step edited", edited, ""),
        ):
            each = ", ".join(f"{t:.1f}" for t in times)
            print(f"    {name}: median {statistics.median(times):.1f} s of {len(times)} ({each}){target}", flush=True)
    finally:
        shutil.rmtree(copy, ignore_errors=True)


def _store_line() -> str:
    env = {**os.environ, "XDG_CACHE_HOME": str(BENCH_CACHE)}
    listed = subprocess.run(
        [sys.executable, "-m", "guideproof", "snapshots"], env=env, cwd=ROOT, capture_output=True, text=True
    )
    return listed.stdout.strip().split(" in ")[0].rstrip(",") + f" (default cap {DEFAULT_MAX_GB:g} GB)"


def _clear_cache() -> None:
    """Remove the bench's own kept snapshots (never the maintainer's: the bench has its own store)."""
    env = {**os.environ, "XDG_CACHE_HOME": str(BENCH_CACHE)}
    subprocess.run([sys.executable, "-m", "guideproof", "snapshots", "--clean"], env=env, check=False, cwd=ROOT)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--scenario", default="tier1/venv-needs-python3-venv")
    parser.add_argument("--platform", default="debian-bookworm")
    parser.add_argument("--workers", default=os.environ.get("GUIDEPROOF_WORKERS") or "2", help="the default -n")
    parser.add_argument("--old-workers", default="4", help="-n before shared prefixes (two per core)")
    parser.add_argument("--before", action="store_true", help="also run the matrix as before shared prefixes")
    parser.add_argument("--skip-ratio", action="store_true", help="leave out (b)")
    parser.add_argument("--skip-matrix", action="store_true", help="leave out (d): three runs of the matrix")
    parser.add_argument("--skip-edit", action="store_true", help="leave out (e)")
    args = parser.parse_args()
    matching()
    problem = ContainerCLI("docker").problem()
    if problem:
        print(f"bench needs Docker: {problem}")
        return 2
    # The run's setup as the plugin makes it (engine, requirements, runtime), on the one platform; no sharing:
    # (b) compares one cell's own run with docker run by hand.
    settings = Settings(Selection((args.platform,)), engine="docker", share=False)
    session = Session(settings, RunId.new("bench"))
    matrix = session.matrix(SCENARIOS / "matrix.toml")
    engine = session.engine
    assert isinstance(engine, ContainerEngine)
    platform = matrix.platform(args.platform)
    engine.image_builder.ensure(platform, progress=sys.stderr)
    print(f"bench on {os.cpu_count()} cores, load {_load()}", flush=True)

    times, whole = overhead(engine, platform, args.rounds)
    print(
        f"(a) per-cell overhead on {platform.name}, {len(times)} rounds: median {statistics.median(times):.2f} s, "
        f"min {min(times):.2f} s, max {max(times):.2f} s (target < 1.5 s); with the container's removal, which"
        f" goes on in the background: median {statistics.median(whole):.2f} s",
        flush=True,
    )

    if not args.skip_ratio:
        ours, hand = compare(session, args.scenario, max(3, args.rounds // 2))
        ratio = statistics.median(ours) / statistics.median(hand)
        print(
            f"(b) {args.scenario} on {args.platform}: guideproof median {statistics.median(ours):.1f} s, "
            f"docker run by hand median {statistics.median(hand):.1f} s, ratio {ratio:.2f} (target <= 1.15)",
            flush=True,
        )

    checked, unchecked = syntax_check_cost(engine, platform)
    print(
        f"(g) syntax check on {platform.name}: {checked * 1000:.1f} ms per command checked, "
        f"{unchecked * 1000:.1f} ms unchecked: {(checked - unchecked) * 1000:.1f} ms per command (medians)",
        flush=True,
    )

    breakdown(session, SCENARIOS / "tier1/venv-basics.scenario", "virtualenv")

    try:
        if not args.skip_matrix:
            print(f"(d) the whole default matrix (load {_load()}):", flush=True)
            platforms = [p.name for p in matrix.platforms]
            runs = matrix_runs(args.workers, args.old_workers if args.before else None, platforms)
            cold, warm = runs["cold"], runs["warm"]
            per_platform(cold, ROOT / "build/bench/matrix-cold.json", platforms)
            # Cells are CPU-bound: the cold run cannot end before its containers' CPU time spread over every core.
            cores = os.cpu_count() or 1
            floor = cold.cpu / cores
            print(
                f"    cold at the CPU floor: {cold.wall:.0f} s wall, {cold.cpu:.0f} s CPU in containers"
                f"{' (sampled: a little low)' if cold.sampled else ''}, floor "
                f"{floor:.0f} s ({cores} cores), wall / floor {cold.wall / floor:.2f} (target <= 1.10); with the"
                f" engine's own {cold.daemon:.0f} s (commits) the floor is {(cold.cpu + cold.daemon) / cores:.0f} s,"
                f" wall / floor {cold.wall * cores / (cold.cpu + cold.daemon):.2f}; the cores were idle"
                f" {cold.idle / (cold.wall * cores):.1%} of the run",
                flush=True,
            )
            print(f"    {cores_split(cold, cores)}", flush=True)
            print(
                f"    warm with the default cap ({DEFAULT_MAX_GB:g} GB): {warm.wall:.0f} s (target <= 90 s),"
                f" {cold.wall / warm.wall:.1f}x faster than cold",
                flush=True,
            )
            if "before" in runs:
                before = runs["before"]
                print(f"    cold is {before.wall / cold.wall:.2f}x faster than before shared prefixes", flush=True)
        if not args.skip_edit:
            maintainer_loop(args.platform)
    finally:
        _clear_cache()
    print(f"load at the end: {_load()}")
    return 0


def _load() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


if __name__ == "__main__":
    sys.exit(main())
