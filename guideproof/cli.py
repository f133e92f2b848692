"""``guideproof`` (or ``python -m guideproof``): commands that are not test runs.

``images`` builds the platform images, ``snapshots`` lists, prunes or removes the snapshots ``--reuse``
keeps, ``merge`` joins result shards, ``compare`` tells what changed
between two results files; ``bisect`` and ``compat`` drive several scenario runs over a tool's releases
(guideproof.regress), ``compat-report`` prints a compatibility map and ``history`` adds a run to the
history of tool runs; ``coverage``, ``baseline`` and ``extract`` work on a docs tree (guideproof.snippets);
``shell`` runs a cell up to a line and opens a shell in it (``nox -s shell``); ``mutants`` mutates each step of
the scenarios and reports the steps nothing checks (``nox -s mutants``, guideproof.run.mutants).
Errors a user can cause print one line and exit with the status of their kind (guideproof.errors: 2 to 6).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from guideproof.engines.container import ContainerEngine
from guideproof.engines.registry import AUTO, CHOICES, engine_options, option_values
from guideproof.engines.runid import RunId
from guideproof.engines.snapshot import DEFAULT_MAX_AGE_DAYS, DEFAULT_MAX_GB
from guideproof.errors import UserError
from guideproof.matrix.selection import Selection
from guideproof.paths import display_path
from guideproof.regress import DEFAULT_HISTORY, add_arguments, bisect, compat
from guideproof.results import history
from guideproof.results.compare import compare, render_markdown, render_text
from guideproof.results.grid import grid_from_results, tools_of
from guideproof.results.grid import render_text as render_grid
from guideproof.results.mutants import render_text as render_mutants
from guideproof.results.mutants import write_mutants
from guideproof.results.record import Outcome
from guideproof.results.store import Results, load_results, merge_results
from guideproof.run.mutants import MutationOptions, mutation_run
from guideproof.run.runner import inspect_cell
from guideproof.run.session import Session, Settings
from guideproof.scenario.discover import scenario_files
from guideproof.snippets import REPORT_FORMATS

DEFAULT_MATRIX = Path("scenarios/matrix.toml")
IMAGE_OPTIONS = [option for option in engine_options() if option.images]


def _images(args: argparse.Namespace) -> int:
    values = option_values(lambda dest: getattr(args, dest), IMAGE_OPTIONS)
    session = Session(Settings(Selection(tuple(args.platform)), args.engine, values))
    matrix = session.matrix(args.matrix)
    name = session.choose_engine()
    print(session.engine_line, flush=True)
    engine = session.engine
    platforms = session.platforms(matrix)
    if not platforms:
        print(f"no container platform selected on the {name} engine: nothing to build", flush=True)
        return 0
    builder = engine.image_builder
    if builder is None:
        print(f"the {name} engine uses no images: nothing to build", flush=True)
        return 0
    requirements = session.requirements(matrix)
    for platform in platforms:
        unmet = requirements.unmet((), platform=platform)
        if unmet:  # its cells will skip with this reason: no image to build, and nothing failed
            print(f"image of {platform.name}: not built, its cells skip ({unmet})", flush=True)
            continue
        builder.ensure(platform, progress=sys.stdout, rebuild=args.rebuild)
    return 0


def _snapshots(args: argparse.Namespace) -> int:
    session = Session(Settings(engine=args.engine))
    name, engine = session.choose_engine(), session.engine
    if engine.snapshots is None:
        print(f"the {name} engine makes no snapshots: nothing to do")
        return 0
    store = engine.snapshots.store(RunId.new(), reuse=True)
    count, size = store.size()
    if args.clean:
        swept = engine.sweep(None) if isinstance(engine, ContainerEngine) else []
        images = store.clear()
        orphans = f", and {images} snapshot images whose record was gone" if images else ""
        print(f"removed {count} kept snapshots ({size / 1e9:.1f} GB) from {store.directory}{orphans}")
        if swept:
            print(f"and {len(swept)} containers of runs that are over")
        return 0
    if args.prune:
        gone = store.prune(args.max_age, args.max_size)
        why = f"unused for {args.max_age:g} days, or beyond {args.max_size:g} GB"
        print(f"removed {len(gone)} of {count} kept snapshots ({why})")
        return 0
    print(
        f"{count} kept snapshots, {size / 1e9:.1f} GB, in {store.directory} (--reuse keeps them; --clean removes them)"
    )
    return 0


def _merge(args: argparse.Namespace) -> int:
    merged = merge_results([_load(p) for p in args.inputs])
    _write(args.output, json.dumps(merged.to_json(), indent=2) + "\n")
    state = "" if merged.run.complete else f" ({merged.run.incomplete_because})"
    print(f"merged {len(args.inputs)} result files ({len(merged.cells)} cells) into {args.output}{state}")
    return 0


def _write(path: Path, text: str) -> None:
    """Write an output file, or one line saying why it cannot be written."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"{path}: cannot write it ({exc.strerror or exc})") from None


def _load(path: str) -> Results:
    try:
        return load_results(Path(path))
    except FileNotFoundError:
        raise UserError(f"{path}: no such results file") from None
    except OSError as exc:
        raise UserError(f"{path}: {exc.strerror or exc}") from None


def _compare(args: argparse.Namespace) -> int:
    comparison = compare(_load(args.old), _load(args.new), partial=args.partial)
    print(render_text(comparison, args.old, args.new), end="")
    if args.markdown:
        _write(args.markdown, render_markdown(comparison, args.old, args.new))
        print(f"markdown report: {args.markdown}")
    return 1 if comparison.failed else 0


def _needs_sphinx(command: str) -> None:
    """The doc-tree commands read docs with Sphinx; the others must work where it is not installed."""
    missing = [name for name in ("sphinx", "docutils") if importlib.util.find_spec(name) is None]
    if missing:
        raise UserError(f"guideproof {command} reads the docs with Sphinx: install it here (pip install sphinx)")


def _compat_report(args: argparse.Namespace) -> int:
    results = _load(args.results)
    tools = [args.tool] if args.tool else tools_of(results)
    if not tools:
        raise UserError(f"{args.results}: no cell pinned a tool (run it with --tool NAME=FIRST..LAST)")
    for tool in tools:
        print(render_grid(grid_from_results(results, tool)), end="")
    return 0


def _history(args: argparse.Namespace) -> int:
    added = 0
    for path in args.results:
        added += history.append(args.history, history.entries_from_results(_load(path), args.kind))
    print(f"{added} entries added to {args.history}")
    return 0


def _coverage(args: argparse.Namespace) -> int:
    _needs_sphinx("coverage")
    from guideproof.snippets import coverage as snippet_coverage
    from guideproof.snippets.find import find_snippets

    overrides = {"scenario_dir": str(args.scenarios.resolve())} if args.scenarios else {}
    report = snippet_coverage.Coverage.of(find_snippets(args.docs, overrides=overrides), baseline=args.baseline)
    text = snippet_coverage.render(report, args.format)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
        print(snippet_coverage.summary(report))
        print(f"{args.format} report: {args.output}")
    else:
        print(text, end="")
    failures = report.failures(args.fail_under)
    for failure in failures:
        print(f"failed: {failure}", file=sys.stderr)
    return 1 if failures else 0


def _baseline(args: argparse.Namespace) -> int:
    _needs_sphinx("baseline")
    from guideproof.snippets import baseline
    from guideproof.snippets.coverage import Coverage
    from guideproof.snippets.find import find_snippets

    tree = find_snippets(args.docs)
    path = args.file or tree.baseline or (args.docs / baseline.DEFAULT_NAME)
    coverage = Coverage.of(tree, baseline=path)
    result = baseline.check(coverage, path)
    if args.update:
        count, pages = baseline.write(coverage, path)
        print(
            f"wrote {baseline.shown(path)}: {count} untested snippets on {pages} pages "
            f"({len(result.new)} added, {result.stale} removed)"
        )
        if tree.baseline is None:
            where = os.path.relpath(path.resolve(), tree.srcdir)
            print(f"Now set scenario_untested_baseline = {where!r} in conf.py (the strict build then checks it)")
        return 0
    if not path.is_file():
        raise UserError(f"{baseline.shown(path)}: no baseline yet (write it with --update)")
    print(f"{baseline.shown(path)}: {result.known} known-untested snippets")
    if result.stale:
        print(f"{result.stale} entries match no untested snippet any more: shrink the baseline with --update")
    if result.new:
        print(f"{len(result.new)} untested snippets are not in the baseline:", file=sys.stderr)
        print("\n".join(baseline.describe_new(result)), file=sys.stderr)
        print(
            "failed: test them (in place or by a scenario), opt them out with a reason, or, knowingly, "
            "add them with --update",
            file=sys.stderr,
        )
        return 1
    print("no new untested snippets")
    return 0


def _extract(args: argparse.Namespace) -> int:
    _needs_sphinx("extract")
    from guideproof.snippets.extract import extract

    result = extract(args.page, docs=args.docs, tabs=args.tab)
    for snippet, reason in result.left_out:
        print(f"left out {snippet.where}: {reason}", file=sys.stderr)
    for problem in result.problems:
        print(f"could not parse {problem.where}: {problem.message}", file=sys.stderr)
    if args.out is None:
        print(result.text, end="")
        return 0
    if args.out.exists() and not args.force:
        raise UserError(f"{args.out} exists: choose another --out, or overwrite it with --force")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(result.text, encoding="utf-8")
    print(
        f"wrote {display_path(args.out)}: {result.commands} commands from {len(result.kept)} snippets of "
        f"{result.page} ({len(result.left_out)} left out). Complete its header, then run it once with "
        "--update-expected and read the diff."
    )
    return 0


def _shell(args: argparse.Namespace) -> int:
    path, cell_id = _target(args.target)
    values = option_values(lambda dest: getattr(args, dest))
    session = Session(Settings(engine=args.engine, engine_options=values, share=False))
    session.choose_engine()
    print(session.engine_line, flush=True)
    scenario, cell, matrix = session.cell(path, cell_id)
    session.engine.prepare([cell.platform])
    try:
        run = inspect_cell(scenario, cell, session.runtime(matrix), args.until)
    finally:
        session.finish()
    if run.record.outcome is Outcome.FAILED:
        print(run.record.detail.rpartition("\nkept the cell")[0] or run.record.detail, flush=True)
    kept = run.kept
    assert kept is not None
    print(f"entering {scenario.name} [{cell.id}]: {kept.command}", flush=True)
    try:
        subprocess.run(list(kept.argv_for(terminal=sys.stdin.isatty())), check=False)
    finally:
        if args.keep:
            print(f"kept; open it again with:\n  {kept.command}\nremove it with:\n  {kept.remove_command}")
        else:
            subprocess.run(list(kept.remove_argv), check=False, capture_output=True)
    return 0


def _mutants(args: argparse.Namespace) -> int:
    paths = [Path(p) for p in args.paths]
    for path in paths:
        if not path.exists():
            raise UserError(f"{path}: no such scenario file or directory")
    files = scenario_files(paths)
    if not files:
        raise UserError(f"no .scenario files in {', '.join(map(str, paths))}")
    values = option_values(lambda dest: getattr(args, dest))
    settings = Settings(
        selection=Selection(tuple(args.platform)),
        engine=args.engine,
        engine_options=values,
        offline=args.offline,
        share=False,  # a mutation run shares through its own snapshots (guideproof.run.mutants)
    )
    session = Session(settings)
    matrix = session.read(files[0])[1]
    scenarios = [session.read(path)[0] for path in files]
    if args.keyword:
        scenarios = [s for s in scenarios if args.keyword in s.name]
    session.choose_engine()
    print(session.engine_line, flush=True)
    platforms = session.platforms(matrix)
    if not platforms:
        raise UserError(f"the {session.engine.name} engine runs none of the selected platforms")
    if not args.platform:  # one platform: a step's checks seldom differ between platforms, its cost does not
        platforms = platforms[:1]
        print(f"mutating on {platforms[0].name} (choose with --platform)", flush=True)
    session.engine.prepare(platforms)
    options = MutationOptions(
        segment_s=args.segment,
        jobs=args.jobs,
        reuse=args.reuse,
        progress=lambda text: print(text, flush=True),
        partial=lambda so_far: write_mutants(args.results, so_far),
    )
    try:
        run = mutation_run(scenarios, platforms, session.runtime(matrix), options)
    finally:
        session.finish()
    write_mutants(args.results, run)
    print(render_mutants(run))
    print(f"wrote {args.results}")
    return 0 if run.checked == len(run.steps) else 1  # a step nothing checks fails the command, as a test would


def _target(target: str) -> tuple[Path, str | None]:
    """``scenarios/x.scenario[CELL]`` (as pytest names a cell) or ``scenarios/x.scenario``."""
    m = re.fullmatch(r"(?P<path>.+?)(\[(?P<cell>[^\]]*)\])?", target)
    assert m is not None
    path = Path(m.group("path").split("::")[0])
    if not path.is_file():
        raise UserError(f"{path}: no such scenario file")
    return path, m.group("cell")


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="guideproof", description="Commands that are not test runs.")
    sub = top.add_subparsers(dest="command", required=True)
    images = sub.add_parser("images", help="build (or reuse) the platform images")
    images.add_argument("--engine", default=AUTO, choices=CHOICES)
    images.add_argument("--platform", action="append", default=[], metavar="GLOB")
    for option in IMAGE_OPTIONS:
        images.add_argument(option.flag, **option.argparse_kwargs())
    images.add_argument("--rebuild", action="store_true", help="build again even when the recipe is unchanged")
    images.add_argument("--matrix", type=Path, default=DEFAULT_MATRIX)
    images.set_defaults(func=_images)
    snaps = sub.add_parser(
        "snapshots",
        help="the snapshots --reuse keeps across runs: how many and how big; --prune or --clean them",
    )
    snaps.add_argument("--engine", default=AUTO, choices=CHOICES)
    what = snaps.add_mutually_exclusive_group()
    what.add_argument("--clean", action="store_true", help="remove them all (and leftovers of runs that are over)")
    what.add_argument("--prune", action="store_true", help="remove the old ones and the least recently used")
    snaps.add_argument("--max-age", type=float, default=DEFAULT_MAX_AGE_DAYS, metavar="DAYS")
    snaps.add_argument("--max-size", type=float, default=DEFAULT_MAX_GB, metavar="GB")
    snaps.set_defaults(func=_snapshots)
    merge = sub.add_parser("merge", help="merge result shards into one results file")
    merge.add_argument("inputs", nargs="+")
    merge.add_argument("-o", "--output", type=Path, default=Path("build/results/scenarios.json"))
    merge.set_defaults(func=_merge)
    comp = sub.add_parser(
        "compare",
        help="cells that newly fail, newly pass, appeared or disappeared between two results files",
        description="Exit status: 0 when nothing newly fails, 1 when something does or the new run is incomplete"
        " (interrupted, killed, or a scenario file it could not collect), 2 on unusable input.",
    )
    comp.add_argument("old", help="the results to compare with (e.g. results/baseline.json)")
    comp.add_argument("new", help="the new results")
    comp.add_argument(
        "--partial",
        action="store_true",
        help="NEW covers part of the matrix (a --tool or --platform run): count OLD's other cells, do not list them",
    )
    comp.add_argument("--markdown", type=Path, metavar="FILE", help="also write the report as Markdown (issue body)")
    comp.set_defaults(func=_compare)
    bis = sub.add_parser(
        "bisect",
        help="the first release of a tool that breaks (or fixes) each failing cell",
        description="Options it does not know go to pytest (-k, --platform, --engine, -n ...). Exit status: 0 when "
        "the search ran, 2 when --good does not pass or --bad does not fail (and on unusable input).",
    )
    com = sub.add_parser(
        "compat",
        help="run the cells that use a tool over a range of releases: a compatibility map",
        description="Options it does not know go to pytest. The map is printed and written beside --results; "
        "every cell run is added to --history.",
    )
    add_arguments(bis, com)
    bis.set_defaults(func=bisect, passes=True)
    com.set_defaults(func=compat, passes=True)
    rep = sub.add_parser("compat-report", help="releases x cells of a results file of a --tool range run")
    rep.add_argument("results", help="the results file (e.g. results/compat/virtualenv.json)")
    rep.add_argument("--tool", help="the tool (default: every tool the file pinned)")
    rep.set_defaults(func=_compat_report)
    his = sub.add_parser("history", help="add the tool runs of results files to the history (JSON lines)")
    his.add_argument("results", nargs="+", help="results files of regression, compat or bisect runs")
    his.add_argument("--kind", required=True, choices=history.KINDS)
    his.add_argument("--history", type=Path, default=DEFAULT_HISTORY, metavar="FILE")
    his.set_defaults(func=_history)
    cov = sub.add_parser(
        "coverage",
        help="which shell snippets of a Sphinx docs tree are tested by a scenario",
        description="Reads the docs with their own conf.py (a Sphinx dummy build: nothing is written) and lists "
        "every shell snippet with its status: rendered from a scenario, an untested-snippet opt-out, or untested. "
        "Exit status: 0; with --fail-under, 1 when coverage is below it or a block could not be parsed.",
    )
    cov.add_argument("docs", type=Path, help="the Sphinx source directory (where conf.py is)")
    cov.add_argument("--scenarios", type=Path, metavar="DIR", help="the scenario directory (default: conf.py's)")
    cov.add_argument("--format", default="text", choices=REPORT_FORMATS)
    cov.add_argument("-o", "--output", type=Path, metavar="FILE", help="write the report here, print the summary")
    cov.add_argument("--fail-under", type=float, metavar="PERCENT", help="fail below this coverage (e.g. 100)")
    cov.add_argument(
        "--baseline", type=Path, metavar="FILE", help="the baseline of untested snippets (default: conf.py's)"
    )
    cov.set_defaults(func=_coverage)
    base = sub.add_parser(
        "baseline",
        help="check a docs tree against its baseline of known-untested snippets, or write it (--update)",
        description="Lists the untested shell snippets the baseline does not list (exit status 1 when there are "
        "some) and the entries that match nothing any more; --update writes the baseline from the docs as they are. "
        "The strict docs build does the same check when conf.py sets scenario_untested_baseline.",
    )
    base.add_argument("docs", type=Path, help="the Sphinx source directory (where conf.py is)")
    base.add_argument(
        "--file",
        type=Path,
        metavar="FILE",
        help="the baseline (default: conf.py's scenario_untested_baseline, else DOCS/untested-baseline.json)",
    )
    base.add_argument("--update", action="store_true", help="write the baseline from the docs as they are")
    base.set_defaults(func=_baseline)
    ext = sub.add_parser(
        "extract",
        help="a scenario skeleton from a page's shell snippets",
        description="Writes the page's shell snippets, in page order, as one scenario with a header to complete.",
    )
    ext.add_argument("page", type=Path, help="the page's source file (.rst or .md)")
    ext.add_argument(
        "--tab",
        action="append",
        default=[],
        metavar="TITLE",
        help='of each set of tabs, keep the one with this title, e.g. "Unix/macOS" (repeatable; default: the first '
        "tab that is not about Windows)",
    )
    ext.add_argument("--out", type=Path, metavar="FILE", help="write the scenario here (default: print it)")
    ext.add_argument("--force", action="store_true", help="overwrite --out when it exists")
    ext.add_argument("--docs", type=Path, metavar="DIR", help="the Sphinx source directory (default: above PAGE)")
    ext.set_defaults(func=_extract)
    sh = sub.add_parser(
        "shell",
        help="run a cell up to a line and open a shell there, as the next command would start",
        description="Runs the cell's commands before line LINE (all of them without --until; it stops early at a "
        "failing one), then opens an interactive bash in the cell: its work directory, its user, the variables, "
        "functions, options and directory the next command would start from. The cell is removed when the shell "
        "ends, unless --keep.",
    )
    sh.add_argument("target", metavar="SCENARIO[CELL]", help="e.g. scenarios/tier1/pep668.scenario[debian-bookworm]")
    sh.add_argument("--until", type=int, metavar="LINE", help="run only the commands that start before this line")
    sh.add_argument("--engine", default=AUTO, choices=CHOICES)
    for option in engine_options():
        sh.add_argument(option.flag, **option.argparse_kwargs())
    sh.add_argument("--keep", action="store_true", help="keep the cell after the shell ends, and say how to remove it")
    sh.set_defaults(func=_shell)
    mut = sub.add_parser(
        "mutants",
        help="mutate each step of the scenarios and report the steps nothing checks",
        description="Runs each scenario's cells once, then again with each step mutated: the command replaced by "
        "`true`, and its output dropped (exit status 0). A mutant the cell still passes on survives: that step's "
        "effect or output is checked by nothing. Mutants start from the snapshot before their step. Steps marked "
        "#setup are left alone. The report names each surviving mutant by file and line; the exit status is 1 when a "
        "step is unchecked.",
    )
    mut.add_argument("paths", nargs="*", default=["scenarios/"], metavar="PATH", help="scenario files or directories")
    mut.add_argument("--platform", action="append", default=[], metavar="GLOB")
    mut.add_argument("-k", dest="keyword", default="", metavar="TEXT", help="only scenarios whose name contains TEXT")
    mut.add_argument("--engine", default=AUTO, choices=CHOICES)
    for option in engine_options():
        mut.add_argument(option.flag, **option.argparse_kwargs())
    mut.add_argument("--offline", action="store_true", help="treat every network requirement as unmet")
    mut.add_argument("--jobs", type=int, default=1, metavar="N", help="mutants of a cell run N at a time (default 1)")
    mut.add_argument(
        "--segment",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="the unmutated run keeps a snapshot after this many seconds of steps (default 5)",
    )
    mut.add_argument("--reuse", action="store_true", help="start from, and keep, the snapshots --reuse keeps")
    mut.add_argument(
        "--results",
        type=Path,
        default=Path("build/mutants/mutants.json"),
        metavar="PATH",
        help="where the results go (default build/mutants/mutants.json)",
    )
    mut.set_defaults(func=_mutants)
    return top


def main(argv: list[str] | None = None) -> int:
    top = parser()
    args, rest = top.parse_known_args(argv)
    if rest and not getattr(args, "passes", False):
        top.error(f"unrecognized arguments: {' '.join(rest)}")
    try:
        return int(args.func(args, rest) if getattr(args, "passes", False) else args.func(args))
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
