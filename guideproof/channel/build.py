"""Build ``scenarios/channel/*/recipe.yaml`` into a conda channel with py-rattler-build, cached by their hash."""

from __future__ import annotations

import hashlib
import importlib
import os
import platform
import shutil
from dataclasses import dataclass
from pathlib import Path

STAMP = ".recipes-sha256"
BUILD_LEFTOVERS = ("bld", "src_cache", "test", ".tmp", "build_cache")


@dataclass(frozen=True)
class BuildOutcome:
    out: Path
    digest: str
    built: bool  # False: the channel was already built from these recipes


def recipes(recipes_dir: Path) -> list[Path]:
    return sorted(recipes_dir.glob("*/recipe.yaml"))


def recipes_digest(recipes_dir: Path) -> str:
    """SHA-256 over every file of the recipes (paths and contents), and the glibc floor they are built with.

    Only the directories that hold a ``recipe.yaml`` count: a README beside them is not built into anything."""
    digest = hashlib.sha256(f"glibc {glibc_floor()}\n".encode())
    inside = [recipe.parent for recipe in recipes(recipes_dir)]
    for path in sorted(p for folder in inside for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(recipes_dir).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def glibc_floor() -> str:
    """The build machine's glibc version: what a program linked here needs at least."""
    name, version = platform.libc_ver()
    return version if name == "glibc" and version else "2.17"


def is_current(out: Path, digest: str) -> bool:
    stamp = out / STAMP
    return stamp.is_file() and stamp.read_text().strip() == digest


def build_channel(recipes_dir: Path, out: Path, force: bool = False) -> BuildOutcome:
    """Build every recipe into ``out`` (skipped when ``out`` was built from the same recipes)."""
    found = recipes(recipes_dir)
    if not found:
        raise FileNotFoundError(f"no */recipe.yaml under {recipes_dir}")
    digest = recipes_digest(recipes_dir)
    if not force and is_current(out, digest):
        return BuildOutcome(out, digest, built=False)
    rattler_build = importlib.import_module("rattler_build")  # py-rattler-build: only the channel session needs it
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    os.environ["GREET_GLIBC_FLOOR"] = glibc_floor()
    # The output directory is the only channel: dependencies between recipes resolve there, nothing is downloaded.
    rattler_build.build_recipes([str(p) for p in found], output_dir=str(out), channel=[str(out.resolve())])
    for leftover in BUILD_LEFTOVERS:
        shutil.rmtree(out / leftover, ignore_errors=True)
    (out / STAMP).write_text(digest + "\n")
    return BuildOutcome(out, digest, built=True)


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description="Build guideproof's local conda channel.")
    parser.add_argument("--recipes", type=Path, default=Path("scenarios/channel"))
    parser.add_argument("--out", type=Path, default=Path("build/channel"))
    parser.add_argument("--force", action="store_true", help="rebuild even when the recipes did not change")
    args = parser.parse_args()
    outcome = build_channel(args.recipes, args.out, args.force)
    verb = "built" if outcome.built else "up to date (recipes unchanged), not rebuilt:"
    print(f"channel {verb} {outcome.out} (recipes sha256 {outcome.digest[:12]})")
    for package in sorted(outcome.out.glob("*/*.conda")):
        print(f"  {package.relative_to(outcome.out)}")


if __name__ == "__main__":
    main()
