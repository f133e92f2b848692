"""``python -m guideproof``: maintenance commands that are not test runs (images, results merge and compare)."""

from __future__ import annotations

import argparse
import json
import sys
from fnmatch import fnmatchcase
from pathlib import Path

from guideproof.engines.select import EngineOptions, make_engine, select_engine
from guideproof.errors import HarnessError
from guideproof.matrix.model import load_matrix
from guideproof.results.compare import compare, render_markdown, render_text
from guideproof.results.store import load_results, merge_results

DEFAULT_MATRIX = Path("scenarios/matrix.toml")


def _images(args: argparse.Namespace) -> int:
    matrix = load_matrix(args.matrix)
    name, line = select_engine(args.engine, EngineOptions())
    print(line, flush=True)
    engine = make_engine(name, EngineOptions(image_source=args.image_source))
    platforms = engine.platforms(matrix)
    if args.platform:
        platforms = [p for p in platforms if any(fnmatchcase(p.name, g) for g in args.platform)]
    else:
        platforms = [p for p in platforms if p.default]
    if not platforms:
        print(f"no container platform selected on the {name} engine: nothing to build", flush=True)
        return 0
    builder = getattr(engine, "images", None)
    if builder is None:
        print(f"the {name} engine uses no images: nothing to build", flush=True)
        return 0
    for platform in platforms:
        builder.ensure(platform, progress=sys.stdout, rebuild=args.rebuild)
    return 0


def _merge(args: argparse.Namespace) -> int:
    merged = merge_results([_load(p) for p in args.inputs])
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(merged, indent=2) + "\n", encoding="utf-8")
    print(f"merged {len(args.inputs)} result files ({len(merged['cells'])} cells) into {args.output}")
    return 0


def _load(path: str) -> dict:
    try:
        return load_results(Path(path))
    except FileNotFoundError:
        raise HarnessError(f"{path}: no such results file") from None
    except (ValueError, KeyError) as exc:
        raise HarnessError(f"{path}: not a results file ({exc})") from None


def _compare(args: argparse.Namespace) -> int:
    comparison = compare(_load(args.old), _load(args.new), partial=args.partial)
    print(render_text(comparison, args.old, args.new), end="")
    if args.markdown:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(render_markdown(comparison, args.old, args.new), encoding="utf-8")
        print(f"markdown report: {args.markdown}")
    return 1 if comparison.failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m guideproof")
    sub = parser.add_subparsers(dest="command", required=True)
    images = sub.add_parser("images", help="build (or reuse) the platform images")
    images.add_argument("--engine", default="auto", choices=("auto", "docker", "podman"))
    images.add_argument("--platform", action="append", default=[], metavar="GLOB")
    images.add_argument("--image-source", default="auto", choices=("auto", "registry", "debootstrap"))
    images.add_argument("--rebuild", action="store_true", help="build again even when the recipe is unchanged")
    images.add_argument("--matrix", type=Path, default=DEFAULT_MATRIX)
    images.set_defaults(func=_images)
    merge = sub.add_parser("merge", help="merge result shards into one results file")
    merge.add_argument("inputs", nargs="+")
    merge.add_argument("-o", "--output", type=Path, default=Path("build/results/scenarios.json"))
    merge.set_defaults(func=_merge)
    comp = sub.add_parser(
        "compare",
        help="cells that newly fail, newly pass, appeared or disappeared between two results files",
        description="Exit status: 0 when nothing newly fails, 1 when something does, 2 on unusable input.",
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
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except HarnessError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
