"""Regression commands that take several scenario runs: ``guideproof bisect`` and ``guideproof compat``.

Each run is an ordinary scenario run (``pytest -p guideproof.pytest_plugin``, in a subprocess, so each gets a
fresh plugin and its own results file); these commands decide what to run next and read the results back.
Options they do not know go to pytest (``-k``, ``--platform``, ``--engine``, ``-n`` ...).

bisect
    Asks the index for the releases between ``--good`` and ``--bad``, runs ``--bad`` on the selected cells that
    use the tool, then ``--good`` on those that failed, then binary-searches each failing cell
    (:mod:`guideproof.versions.bisect`), one run per round. Every run's results are merged into one results file.
compat
    One run of the cells that use the tool over a range of releases (``--tool NAME=FIRST..LAST``), then the
    map (:mod:`guideproof.results.grid`) and an entry per cell in the history.
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from guideproof.errors import UserError
from guideproof.results import history
from guideproof.results.grid import grid_from_results, render_text
from guideproof.results.record import CellRecord, cell_name, counted
from guideproof.results.store import Results, load_results, merge_results, write_results
from guideproof.run.session import Session
from guideproof.versions.bisect import Bisection, BisectRefused, Finding, Observation, cells
from guideproof.versions.compat import ENDS, end_release
from guideproof.versions.index import index_url, project_releases
from guideproof.versions.releases import SERIES, between

PLUGIN = "guideproof.pytest_plugin"
OK_EXITS = (0, 1)  # pytest: every test passed / some failed; anything else means the run itself failed
DEFAULT_MATRIX = Path("scenarios/matrix.toml")
DEFAULT_HISTORY = Path("results/history.jsonl")


def node_id(record: CellRecord, pins: dict[str, str]) -> str:
    """The pytest node id of the cell with these pins (the plugin names items ``<stem>[<cell id>]``)."""
    return f"{record.file}::{cell_name(Path(record.scenario).name, record.cell, pins)}"


@dataclass
class Runner:
    """Runs the scenarios as pytest would from the command line; one results file and one log per run."""

    scenarios: str
    pytest_args: Sequence[str]
    out: Path
    index: str | None = None
    runs: int = 0
    files: list[Path] = field(default_factory=list)

    def run(
        self, name: str, tool_specs: Sequence[str], targets: Sequence[str] = (), extra: Sequence[str] = ()
    ) -> Results:
        self.runs += 1
        results = self.out / f"{self.runs:02}-{name}.json"
        log = results.with_suffix(".log")
        argv = [sys.executable, "-m", "pytest", "-p", PLUGIN, "-p", "no:cacheprovider", "-rs"]
        argv += [*(targets or [self.scenarios]), *(a for spec in tool_specs for a in ("--tool", spec))]
        argv += ["--results", str(results), *extra, *self.pytest_args]
        env = dict(os.environ)
        if self.index:
            env["PIP_INDEX_URL"] = self.index  # the plugin and the cells ask this index
        self.out.mkdir(parents=True, exist_ok=True)
        with log.open("w", encoding="utf-8") as handle:
            done = subprocess.run(argv, stdout=handle, stderr=subprocess.STDOUT, env=env, check=False)  # noqa: S603
        if done.returncode not in OK_EXITS or not results.exists():
            tail = "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-15:])
            raise UserError(f"the scenario run {name} did not complete (pytest exit {done.returncode}); {log}:\n{tail}")
        self.files.append(results)
        return load_results(results)


def _observations(results: Results, tool: str, version: str) -> tuple[dict[str, Observation], dict[str, CellRecord]]:
    seen: dict[str, Observation] = {}
    records: dict[str, CellRecord] = {}
    for record in results.cells:
        if record.tools.get(tool) != version:
            continue
        name = cell_name(record.scenario, record.cell)
        seen[name] = Observation(record.outcome, record.reason, record.detail)
        records[name] = record
    return seen, records


def _indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line for line in text.splitlines())


def bisect(args: argparse.Namespace, pytest_args: Sequence[str]) -> int:
    """``guideproof bisect``: the first release that breaks (or fixes) each failing cell."""
    started = time.monotonic()
    matrix = Session().matrix(args.matrix)  # the runs read it again, each in its own session
    if args.tool not in matrix.tools:
        raise UserError(f"--tool {args.tool}: not a tool of {matrix.path} (tools: {', '.join(matrix.tools)})")
    package = matrix.tools[args.tool].package
    index = args.index or index_url()
    try:
        releases = project_releases(package, index)
    except OSError as exc:
        raise UserError(f"bisect needs the package index, and {index} did not answer ({exc})") from None
    good = end_release(releases, args.good, package, "--good")
    bad = end_release(releases, args.bad, package, "--bad")
    candidates = [str(r) for r in between(releases, good, bad, pre=args.pre)]
    search = Bisection(args.tool, candidates, str(good), str(bad))
    kinds = "yanked ones left out" + ("" if args.pre else "; pre-releases too, unless --pre")
    print(
        f"bisect {args.tool}: --good {good} and --bad {bad} from {index}; {len(candidates)} releases between them"
        f" ({kinds}); {search.span} strictly between: at most {search.expected_rounds} rounds"
        f" (log2 {search.span + 1} = {math.log2(search.span + 1):.1f}) after checking both ends",
        flush=True,
    )
    runner = Runner(args.scenarios, pytest_args, args.out, args.index)
    at_bad, records = _observations(runner.run(f"bad-{bad}", [f"{args.tool}={bad}"]), args.tool, str(bad))
    ran = counted(at_bad.values()) or "no cell ran"
    print(f"check --bad {bad}: {cells(len(at_bad))} using {args.tool} ran: {ran}", flush=True)
    try:
        search.start(at_bad)
        targets = [node_id(records[c], {args.tool: str(good)}) for c in search.cells]
        at_good, _ = _observations(runner.run(f"good-{good}", [f"{args.tool}={good}"], targets), args.tool, str(good))
        ran = counted(at_good.values()) or "no cell ran"
        print(f"check --good {good}: {cells(len(targets))} that failed at --bad ran: {ran}", flush=True)
        for line in search.check_good(at_good):
            print(f"  {line}", flush=True)
    except BisectRefused as exc:
        _merge(runner, args.out)
        print(f"bisect refused: {exc}", file=sys.stderr)
        return exc.exit_code
    while plan := search.plan():
        round_started = time.monotonic()
        targets = [node_id(records[c], {args.tool: v}) for v, names in plan.items() for c in names]
        results = runner.run(f"round-{search.rounds + 1}", [f"{args.tool}={','.join(plan)}"], targets)
        shown = []
        for version, names in plan.items():
            seen, _ = _observations(results, args.tool, version)
            search.record(version, seen, names)
            ran = counted(seen[c] for c in names if c in seen) or "no cell ran"
            shown.append(f"{args.tool} {version} on {cells(len(names))}: {ran}")
        search.round_done(sum(len(names) for names in plan.values()))
        print(f"round {search.rounds}: {'; '.join(shown)} ({time.monotonic() - round_started:.0f} s)", flush=True)
    merged = _merge(runner, args.out)
    findings = search.findings()
    lines = _summary(search, findings, time.monotonic() - started, merged)
    (args.out / "summary.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


def _summary(search: Bisection, findings: list[Finding], seconds: float, merged: Path) -> list[str]:
    lines = [
        "",
        f"bisect: {search.rounds} rounds ({search.runs} cell runs) over {search.span} releases strictly between"
        f" the ends, bound ceil(log2 {search.span + 1}) = {search.expected_rounds}; a linear search would run up"
        f" to {search.span} rounds. Wall time {seconds / 60:.1f} min.",
    ]
    for finding in findings:
        lines.append(finding.line())
        side = "first bad" if finding.direction == "breaks" else "last bad"
        if finding.at_bad.detail and not finding.stopped:
            lines.append(f"  the failing step at the {side} release ({finding.bad}):")
            lines.append(_indent(finding.at_bad.detail))
    for cell, why in sorted(search.excluded.items()):
        lines.append(f"{cell}: not bisected, {why}")
    lines.append(f"every run: {merged}")
    return lines


def _merge(runner: Runner, out: Path) -> Path:
    merged = out / "results.json"
    write_results(merged, merge_results([load_results(f) for f in runner.files]))
    return merged


def compat(args: argparse.Namespace, pytest_args: Sequence[str]) -> int:
    """``guideproof compat``: one run over a range of releases, the map, and the history."""
    started = time.monotonic()
    name, eq, spec = args.tool.partition("=")
    if not eq or ".." not in spec:
        raise UserError(f"--tool {args.tool!r}: compat takes a range, e.g. --tool virtualenv=20.0.0..latest")
    out = args.results.parent
    runner = Runner(args.scenarios, pytest_args, out, args.index)
    results = runner.run("compat", [args.tool], extra=["--tool-every", args.every])
    merged = args.results
    write_results(merged, results)
    grid = grid_from_results(results, name)
    report = render_text(grid)
    (out / "report.txt").write_text(report, encoding="utf-8")
    print(report, end="")
    added = history.append(args.history, history.entries_from_results(results, "compat"))
    minutes = (time.monotonic() - started) / 60
    print(
        f"compat: {len(grid.releases)} releases x {len(grid.columns)} cells = {len(results.cells)} cell runs in"
        f" {minutes:.1f} min; results {merged}; {added} entries added to {args.history}"
    )
    return 0


def add_arguments(bisect_parser: argparse.ArgumentParser, compat_parser: argparse.ArgumentParser) -> None:
    for parser in (bisect_parser, compat_parser):
        parser.add_argument(
            "--scenarios", default="scenarios", metavar="DIR", help="the scenario tree (default scenarios)"
        )
        parser.add_argument("--matrix", type=Path, default=DEFAULT_MATRIX)
        parser.add_argument("--index", metavar="URL", help="the package index (default: $PIP_INDEX_URL, else PyPI)")
    bisect_parser.add_argument("--tool", required=True, metavar="NAME", help="a tool of [tools] in matrix.toml")
    ends = f"a version, or {' or '.join(ENDS)}"
    bisect_parser.add_argument("--good", required=True, help=f"a release where the cells pass ({ends})")
    bisect_parser.add_argument("--bad", required=True, help=f"a release where they fail ({ends})")
    bisect_parser.add_argument("--pre", action="store_true", help="search pre-releases too")
    bisect_parser.add_argument("--out", type=Path, default=Path("build/bisect"), metavar="DIR")
    compat_parser.add_argument(
        "--tool", required=True, metavar="NAME=FIRST..LAST", help="e.g. virtualenv=20.0.0..latest"
    )
    compat_parser.add_argument(
        "--every", default="minor", choices=SERIES, help="one release per series (default minor)"
    )
    compat_parser.add_argument("--results", type=Path, default=Path("build/compat/results.json"), metavar="FILE")
    compat_parser.add_argument("--history", type=Path, default=DEFAULT_HISTORY, metavar="FILE")
