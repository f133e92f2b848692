"""The results file's schema: version, run state, validation of what compare and merge read, old files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from guideproof import errors
from guideproof.results.compare import compare, render_markdown, render_text
from guideproof.results.record import NOT_RUN, CellRecord, Outcome, Progress, RunInfo, UncollectedFile
from guideproof.results.store import SCHEMA, Results, check_writable, load_results, merge_results, write_results

CELL = {"scenario": "tier1/demo", "cell": {"platform": "debian-bookworm"}, "outcome": "passed"}
RUN_V1 = {"engine": "docker", "started": "2026-11-24T10:00:00+00:00", "finished": "2026-11-24T10:10:00+00:00",
          "host": "ci", "harness_version": "0.1.0", "tools": []}  # fmt: skip


STEP = {"line": 3, "status": 0, "duration_s": 0.5, "output_sha256": "0" * 64, "shared": None}


def test_steps_and_their_shared_marks_are_part_of_the_schema(tmp_path):
    shared = {"prefix": "0123456789ab", "by": "tier1/demo[debian-bookworm]", "run": "r-p1"}
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"run": RUN_V1, "cells": [{**CELL, "steps": [STEP, {**STEP, "shared": shared}]}]}))
    (cell,) = load_results(path).cells
    assert [s.shared.by if s.shared else None for s in cell.steps] == [None, "tier1/demo[debian-bookworm]"]


def run_info(**changes: object) -> RunInfo:
    base = RunInfo("local", "2026-11-24T10:00:00+00:00", "2026-11-24T10:01:00+00:00", "ci", "0.2.0")
    return RunInfo(**{**base.__dict__, **changes})  # type: ignore[arg-type]


def record(outcome: str = "passed", reason: str = "", platform: str = "debian-bookworm") -> CellRecord:
    return CellRecord.from_json({**CELL, "cell": {"platform": platform}, "outcome": outcome, "reason": reason})


def test_written_files_carry_the_schema_version_state_and_exit_status(tmp_path):
    path = tmp_path / "r.json"
    info = run_info(
        state=Progress.INTERRUPTED,
        exit_status=2,
        stopped_by="SIGTERM",
        errors=(UncollectedFile("scenarios/broken.scenario", "scenarios/broken.scenario:1: not UTF-8 text"),),
    )
    write_results(path, Results.of(info, [record()]))
    data = json.loads(path.read_text())
    assert data["schema"] == SCHEMA == 3
    assert data["run"]["guideproof_version"] == "0.2.0" and "harness_version" not in data["run"]
    assert (data["run"]["state"], data["run"]["exit_status"], data["run"]["stopped_by"]) == (
        "interrupted",
        2,
        "SIGTERM",
    )
    assert data["run"]["errors"] == [{"file": "scenarios/broken.scenario", "message": info.errors[0].message}]
    assert load_results(path).run == info


def test_a_schema_1_file_still_loads_as_a_complete_run_of_unknown_exit_status(tmp_path):
    path = tmp_path / "old.json"
    path.write_text(json.dumps({"run": RUN_V1, "cells": [CELL]}))
    loaded = load_results(path)
    assert loaded.run.state is Progress.COMPLETE and loaded.run.exit_status is None
    assert [c.outcome for c in loaded.cells] == [Outcome.PASSED]
    # the baseline the regression job compares with is such a file
    assert load_results(Path(__file__).parents[2] / "results" / "baseline.json").cells


def test_a_schema_2_file_loads_with_its_version_renamed_and_no_digests_or_outputs(tmp_path):
    path = tmp_path / "two.json"
    run = {**RUN_V1, "state": "complete", "exit_status": 0}
    path.write_text(json.dumps({"schema": 2, "run": run, "cells": [{**CELL, "steps": [STEP]}]}))
    loaded = load_results(path)
    assert loaded.run.guideproof_version == "0.1.0" and loaded.run.exit_status == 0
    (cell,) = loaded.cells
    assert (cell.steps_sha256, cell.parts_sha256) == ("", {})
    assert cell.finished == RUN_V1["finished"], "each cell keeps the date of its run, also once merged"
    assert cell.steps[0].output is None
    # written again, it is a schema 3 file with the new name
    write_results(tmp_path / "three.json", loaded)
    data = json.loads((tmp_path / "three.json").read_text())
    assert data["schema"] == 3 and data["run"]["guideproof_version"] == "0.1.0"
    assert load_results(tmp_path / "three.json") == loaded


WRONG = [
    ({"run": RUN_V1, "cells": [{"scenario": "s", "cell": {"platform": "p"}}]}, "cells[0]: 'outcome' is a required"),
    ({"run": RUN_V1, "cells": [{"cell": {"platform": "p"}, "outcome": "passed"}]}, "cells[0]: 'scenario' is a"),
    ({"run": RUN_V1, "cells": {"tier1/demo": CELL}}, "cells: {"),
    ({"run": RUN_V1, "cells": [{**CELL, "outcome": "green"}]}, "cells[0].outcome: 'green' is not one of"),
    ({"run": RUN_V1, "cells": [{**CELL, "cell": {"env": "venv"}}]}, "cells[0].cell: 'platform' is a required"),
    ({"run": RUN_V1, "cells": [{**CELL, "duration_s": "7"}]}, "cells[0].duration_s: '7' is not of type 'number'"),
    ({"run": RUN_V1, "cells": [{**CELL, "steps": [{"line": 3, "status": 0}]}]}, "cells[0].steps[0]: 'duration_s' is"),
    ({"run": RUN_V1, "cells": [{**CELL, "steps": [STEP | {"shared": {"by": "x"}}]}]}, "cells[0].steps[0].shared:"),
    ({"cells": []}, "the document: 'run' is a required property"),
    ({"schema": 4, "run": RUN_V1, "cells": []}, "written with results schema 4; this guideproof reads 1 to 3"),
    ({"schema": 2, "run": RUN_V1, "cells": []}, "run: 'state' is a required property"),
    ({"schema": 3, "run": {**RUN_V1, "state": "complete", "exit_status": 0}, "cells": []}, "run: 'guideproof_version'"),
    ({"schema": True, "run": RUN_V1, "cells": []}, "schema: 3 was expected"),
    ([CELL], "the document: [{"),
]


@pytest.mark.parametrize(("data", "message"), WRONG, ids=[m.split(":")[0] for _, m in WRONG])
def test_wrong_shapes_are_one_located_message(tmp_path, data, message):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(errors.FileError, match="^" + str(path).replace(".", r"\.") + ": not a results file") as info:
        load_results(path)
    assert message in str(info.value)


def test_not_json_not_text_and_a_directory(tmp_path):
    (tmp_path / "half.json").write_text('{"run": ')
    (tmp_path / "binary.json").write_bytes(b"\xff\xfe\x00")
    for name, why in (("half.json", "not JSON"), ("binary.json", "not UTF-8"), (".", "a directory")):
        with pytest.raises(errors.FileError, match=why):
            load_results(tmp_path / name)


def test_a_merge_is_as_complete_as_its_least_complete_shard():
    done = Results.of(run_info(exit_status=0), [record()])
    stopped = Results.of(
        run_info(state=Progress.INTERRUPTED, exit_status=2, stopped_by="SIGTERM", errors=(UncollectedFile("f", "m"),)),
        [record("error", NOT_RUN + "the run was interrupted (SIGTERM)", platform="debian-trixie")],
    )
    merged = merge_results([done, stopped])
    assert (merged.run.state, merged.run.exit_status, merged.run.stopped_by) == (Progress.INTERRUPTED, 2, "SIGTERM")
    assert merged.run.errors == (UncollectedFile("f", "m"),)
    assert merge_results([done, done]).run.complete


def test_compare_says_first_that_the_new_run_is_incomplete_and_fails():
    old = Results.of(run_info(exit_status=0), [record(), record(platform="debian-trixie")])
    new = Results.of(
        run_info(state=Progress.INTERRUPTED, exit_status=2, stopped_by="SIGTERM"),
        [record(), record("error", NOT_RUN + "the run was interrupted (SIGTERM)", platform="debian-trixie")],
    )
    result = compare(old, new)
    assert result.failed
    assert result.new_incomplete == ["the run was interrupted (SIGTERM)", "1 cells did not run to their end"]
    text = render_text(result, "old.json", "new.json").splitlines()
    assert text[1] == "INCOMPLETE new.json: the run was interrupted (SIGTERM)"
    assert "Incomplete `new.json`: 1 cells did not run to their end" in render_markdown(result, "old.json", "new.json")
    # complete, but a scenario file could not be collected: not a clean bill either
    broken = Results.of(run_info(exit_status=1, errors=(UncollectedFile("s/x.scenario", "s/x.scenario:2: bad"),)), [])
    partial = compare(old, broken, partial=True)
    assert partial.failed and not partial.newly_fails
    assert partial.verdict == "the new run is incomplete: it cannot show that nothing newly fails"
    # an incomplete old run is named, not held against the new one
    assert not compare(new, old).failed and compare(new, old).old_incomplete


def guideproof(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "guideproof", *args], cwd=cwd, capture_output=True, text=True)


def test_compare_and_merge_exit_with_one_line_on_unusable_input(tmp_path):
    """A file that is not a results file exits 3 (FileError); an output that cannot be written 2 (UserError)."""
    good = {"run": RUN_V1, "cells": [CELL]}
    (tmp_path / "good.json").write_text(json.dumps(good))
    (tmp_path / "nocell.json").write_text(json.dumps({"run": RUN_V1, "cells": [{"scenario": "s", "outcome": "x"}]}))
    (tmp_path / "mapping.json").write_text(json.dumps({"run": RUN_V1, "cells": {"a": CELL}}))
    (tmp_path / "newer.json").write_text(json.dumps({**good, "schema": 9}))
    (tmp_path / "adir").mkdir()
    (tmp_path / "blocker").write_text("a file where a directory should be")
    cases = [
        (("compare", "good.json", "nocell.json"), "nocell.json: not a results file (cells[0]: 'cell' is a required", 3),
        (("compare", "mapping.json", "good.json"), "mapping.json: not a results file (cells: ", 3),
        (("compare", "good.json", "adir"), "adir: a directory, not a results file", 3),
        (("merge", "good.json", "newer.json"), "written with results schema 9; this guideproof reads 1 to 3", 3),
        (("merge", "-o", "blocker/out.json", "good.json"), "blocker/out.json: cannot write it", 2),
        (("merge", "-o", "adir", "good.json"), "adir: cannot write it", 2),
        (("compare", "good.json", "good.json", "--markdown", "blocker/r.md"), "blocker/r.md: cannot write it", 2),
    ]
    for args, message, status in cases:
        got = guideproof(*args, cwd=tmp_path)
        assert (got.returncode, got.stderr.count("\n")) == (status, 1), (args, got.stderr)
        assert got.stderr.startswith("error: ") and message in got.stderr, (args, got.stderr)


def test_a_merge_with_a_newer_run_keeps_the_dates_of_the_older_cells(tmp_path):
    old = tmp_path / "old.json"
    old.write_text(json.dumps({"run": RUN_V1, "cells": [CELL]}))
    new = Results.of(run_info(finished="2026-12-05T10:00:00+00:00"), [record(platform="debian-trixie")])
    merged = merge_results([load_results(old), new])
    assert merged.run.finished == "2026-12-05T10:00:00+00:00"
    assert [c.finished[:10] for c in merged.cells] == ["2026-11-24", ""]


def test_a_results_path_that_cannot_be_written_is_a_user_error_naming_it(tmp_path):
    """One line with the path and why (exit status 2: an output that cannot be written), not a ValueError."""
    (tmp_path / "blocker").write_text("a file where a directory should be")
    for path, why in ((tmp_path, "a directory; name a file"), (tmp_path / "blocker" / "r.json", "cannot write there")):
        with pytest.raises(errors.UserError, match=r"^\S+: ") as raised:
            check_writable(path)
        assert type(raised.value) is errors.UserError and raised.value.exit_code == 2
        assert str(raised.value).startswith(f"{path}: {why}")
    check_writable(tmp_path / "out" / "r.json")  # a path that can be written passes, and leaves nothing behind
    assert [p.name for p in (tmp_path / "out").iterdir()] == []
