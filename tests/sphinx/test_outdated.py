"""A snippet changed since its recorded run is outdated, never verified; a part counts only its own cells."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

HOST = '\n[platforms.host]\nlabel = "This machine"\nkind = "host"\n'
TWO_PARTS = """
+++
title = "Two parts"
platforms = ["host"]
+++
#part make
  $ mkdir -p .venv && echo made
  made
#part use
  $ test -d .venv && echo used
  used
"""
PAGE = """
Two
===

Make:

.. scenario:: tier1/two
   :part: make

Use:

.. scenario:: tier1/two
   :part: use
"""


def run_scenarios(src: Path) -> None:
    """The scenario run a maintainer makes: the plugin on the local engine, results where conf.py reads them."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "guideproof.pytest_plugin", "scenarios", "--engine", "local"]
        + ["--results", "results/run.json", "-p", "no:cacheprovider", "-p", "no:xdist", "-q"],
        cwd=src,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])},
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def lines(text: str) -> list[str]:
    return re.findall(r"((?:Verified|Outdated|Not verified)[^.]*\.(?: [^.]*only:[^.]*\.)?)", text)


def test_an_edited_part_turns_outdated_and_the_others_stay_verified(docs, tmp_path: Path) -> None:
    src = docs.make_tree(tmp_path, {"two": PAGE}, {"tier1/two": TWO_PARTS})
    (src / "scenarios" / "matrix.toml").write_text(docs.matrix + HOST)
    run_scenarios(src)
    fresh = docs.build(src, tmp_path / "fresh")
    assert fresh.status == 0, fresh.warnings
    text = fresh.text("two")
    assert text.count("Verified on 1 of 1 cells") == 2 and "Outdated" not in text

    # Edit the first part after the run (issue 23 inserted `rm -rf .venv` in the middle): a new command.
    path = src / "scenarios" / "tier1" / "two.scenario"
    path.write_text(path.read_text().replace("#part use\n", "  $ touch .venv/marker\n#part use\n"))
    stale = docs.build(src, tmp_path / "stale")
    assert stale.status != 0, "a strict build fails on an outdated snippet"
    assert "tier1/two, part 'make', changed since the run of" in stale.warnings
    assert "[scenario.outdated]" in stale.warnings and "part 'use'" not in stale.warnings
    text = stale.text("two")
    make, use = text.split("Use:")
    assert re.search(r"Outdated: changed since the run of \d{4}-\d{2}-\d{2}\. This part is not verified", make)
    assert "Verified" not in make, "a changed part never reads as verified"
    assert "Verified on 1 of 1 cells" in use and "Outdated" not in use, "an unchanged part keeps its verification"
    assert 'class="scenario-verification outdated"' in stale.html("two")

    # A docs host without a fresh run (Read the Docs) can make it a note that does not fail the build.
    (src / "conf.py").write_text((src / "conf.py").read_text() + 'scenario_outdated = "warn"\n')
    noted = docs.build(src, tmp_path / "noted")
    assert noted.status == 0, noted.warnings
    assert "Outdated: changed since the run of" in noted.text("two"), "the page still says so"

    # Running the scenario again restores "Verified".
    (src / "conf.py").write_text((src / "conf.py").read_text().replace('scenario_outdated = "warn"\n', ""))
    run_scenarios(src)
    rerun = docs.build(src, tmp_path / "rerun")
    assert rerun.status == 0, rerun.warnings
    text = rerun.text("two")
    assert text.count("Verified on 1 of 1 cells") == 2 and "Outdated" not in text


def test_a_wrong_outdated_setting_is_one_clear_error(docs, tmp_path: Path) -> None:
    src = docs.make_tree(tmp_path, {"two": PAGE}, {"tier1/two": TWO_PARTS})
    (src / "conf.py").write_text((src / "conf.py").read_text() + 'scenario_outdated = "ignore"\n')
    (src / "scenarios" / "matrix.toml").write_text(docs.matrix + HOST)
    result = docs.build(src, tmp_path / "out")
    assert result.status != 0


ONE_PLATFORM_PART = """
+++
title = "Lock"
axes = ["env"]
+++
#part freeze
  $ echo frozen
  frozen
#part lock
#if platform=debian-trixie
  $ echo locked
  locked
#endif
"""
LOCK_PAGE = """
Lock
====

Freeze:

.. scenario:: tier1/lock
   :part: freeze

Lock:

.. scenario:: tier1/lock
   :part: lock
"""


def test_a_part_counts_only_the_cells_where_it_has_steps(docs, tmp_path: Path) -> None:
    cells = [
        ("tier1/lock", {"platform": "debian-bookworm", "env": "venv"}, "passed", ""),
        ("tier1/lock", {"platform": "debian-trixie", "env": "venv"}, "passed", ""),
    ]
    src = docs.make_tree(tmp_path, {"lock": LOCK_PAGE}, {"tier1/lock": ONE_PLATFORM_PART}, docs.results_doc(cells))
    result = docs.build(src, tmp_path / "out")
    assert result.status == 0, result.warnings
    freeze, lock = result.text("lock").split("Lock:")
    assert "Verified on 2 of 2 cells, 2026-11-24: Debian 12, Debian 13 × venv." in freeze
    assert "Verified on 1 of 1 cells, 2026-11-24: Debian 13 × venv. Debian 13 × venv only: the other cell has" in lock
    assert "Debian 12" not in lock, "the line names only the cells where the part ran"


def test_a_part_says_why_it_runs_on_fewer_cells_when_the_page_gives_the_reason(docs, tmp_path: Path) -> None:
    cells = [
        ("tier1/lock", {"platform": "debian-bookworm", "env": "venv"}, "passed", ""),
        ("tier1/lock", {"platform": "debian-trixie", "env": "venv"}, "passed", ""),
    ]
    page = LOCK_PAGE + "   :only: locking is new in Debian 13\n"
    src = docs.make_tree(tmp_path, {"lock": page}, {"tier1/lock": ONE_PLATFORM_PART}, docs.results_doc(cells))
    result = docs.build(src, tmp_path / "out")
    assert result.status == 0, result.warnings
    lock = result.text("lock").split("Lock:")[1]
    assert "Debian 13 × venv only: locking is new in Debian 13." in lock
    assert "no step in this part" not in lock
