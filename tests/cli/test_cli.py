"""``guideproof`` commands that need no engine: what images does on an engine without images, and errors."""

from __future__ import annotations

from pathlib import Path

from guideproof import errors
from guideproof.cli import main
from guideproof.errors import FileError, UserError
from guideproof.scenario.escapes import EscapeError
from guideproof.versions.artefacts import ArtefactError
from guideproof.versions.bisect import BisectRefused
from guideproof.versions.compat import RangeError

ROOT = Path(__file__).resolve().parents[2]


def test_images_on_the_local_engine_builds_nothing(capsys) -> None:
    assert main(["images", "--engine", "local", "--matrix", str(ROOT / "scenarios" / "matrix.toml")]) == 0
    out = capsys.readouterr().out
    assert "engine: local (asked for with --engine local)" in out
    assert "the local engine uses no images: nothing to build" in out


def test_a_bad_matrix_is_one_line_and_the_file_error_status(tmp_path: Path, capsys) -> None:
    matrix = tmp_path / "matrix.toml"
    matrix.write_text('[platforms.host]\nkind = "host"\nflavour = "x"\n')
    assert main(["images", "--engine", "local", "--matrix", str(matrix)]) == FileError.exit_code == 3
    known = "label, family, kind, short, image, default, requires, support"
    assert capsys.readouterr().err == f"error: {matrix}:1: platform host: unknown key 'flavour' (known: {known})\n"


def test_maintenance_commands_need_no_sphinx(tmp_path: Path) -> None:
    """nox -s merge/compare/images install guideproof alone: the CLI must not import the docs tools."""
    import json
    import subprocess
    import sys

    run = {"engine": "local", "started": "", "finished": "", "host": "h", "harness_version": "0"}
    (tmp_path / "r.json").write_text(json.dumps({"run": run, "cells": []}))
    blocked = "import sys; sys.modules.update(sphinx=None, docutils=None); from guideproof.cli import main; "
    code = blocked + "sys.exit(main(['compare', 'r.json', 'r.json']))"
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "RESULT: nothing newly fails" in done.stdout
    code = blocked + "sys.exit(main(['coverage', 'docs']))"
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "reads the docs with Sphinx" in done.stderr


def test_one_error_family_with_one_exit_status_per_kind() -> None:
    kinds = [c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, UserError)]
    codes = {kind.exit_code for kind in kinds}
    assert len(codes) == len(kinds) == 5, "each kind of error has a status of its own"
    assert 0 not in codes and 1 not in codes, "0 and 1 are a run that passed or failed"
    for error in (EscapeError, ArtefactError, RangeError, BisectRefused):
        assert issubclass(error, UserError) and not issubclass(error, ValueError)
    assert RangeError.exit_code == ArtefactError.exit_code == errors.VersionError.exit_code
    assert BisectRefused.exit_code == errors.NothingToBisect.exit_code


def test_mutants_names_a_missing_path_and_a_platform_typo(tmp_path: Path, capsys) -> None:
    assert main(["mutants", str(tmp_path / "nope.scenario")]) == 2
    assert capsys.readouterr().err == f"error: {tmp_path / 'nope.scenario'}: no such scenario file or directory\n"
    root = Path(__file__).resolve().parents[2]
    assert main(["mutants", str(root / "scenarios/tier1/pep668.scenario"), "--platform", "gentoo"]) == 2
    assert "--platform 'gentoo' matches no platform" in capsys.readouterr().err
