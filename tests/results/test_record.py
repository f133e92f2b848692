"""The typed record: one outcome vocabulary, one cell id, and the documented JSON schema."""

from __future__ import annotations

import pytest

from guideproof.results.record import NOT_PASSED, CellRecord, Outcome, RunInfo, ToolVersion, cell_id, tally

FULL = {
    "scenario": "tier1/venv-basics",
    "title": "Create and use a virtual environment",
    "file": "scenarios/tier1/venv-basics.scenario",
    "cell": {"platform": "debian-bookworm", "env": "virtualenv"},
    "tools": {"virtualenv": "21.15.11"},
    "outcome": "failed",
    "reason": "output differs at scenarios/tier1/venv-basics.scenario:12",
    "duration_s": 7.41,
    "failed_line": 12,
    "versions": {"python": "3.11.2"},
    "detail": "the diff",
    "link": None,
    "steps": [
        {
            "line": 5,
            "status": 0,
            "duration_s": 3.2,
            "output_sha256": "ab" * 32,
            "shared": {"prefix": "0123456789ab", "by": "tier1/venv-basics[debian-bookworm-venv]", "run": "r-p1"},
            "output": ["created virtual environment"],
            "output_cut": 0,
        },
        {
            "line": 12,
            "status": 1,
            "duration_s": 0.1,
            "output_sha256": "cd" * 32,
            "shared": None,
            "output": ["line 1", "line 100"],
            "output_cut": 98,
        },
    ],
    "steps_sha256": "ef" * 32,
    "parts_sha256": {"install": "01" * 32},
    "finished": "2026-11-24T10:19:40+00:00",
}


def test_a_record_reads_and_writes_the_documented_schema() -> None:
    record = CellRecord.from_json(FULL)
    assert record.outcome is Outcome.FAILED
    assert record.to_json() == FULL
    assert list(record.to_json()) == list(FULL), "the keys keep their documented order"
    assert record.id == "debian-bookworm-virtualenv-virtualenv==21.15.11"
    assert record.key == (
        "tier1/venv-basics",
        (("env", "virtualenv"), ("platform", "debian-bookworm")),
        (("virtualenv", "21.15.11"),),
    )


def test_an_unknown_outcome_is_not_a_record() -> None:
    with pytest.raises(ValueError, match="unknown outcome 'passd'"):
        CellRecord.from_json({**FULL, "outcome": "passd"})
    with pytest.raises(KeyError):
        CellRecord.from_json({"scenario": "x", "outcome": "passed"})


def test_outcomes_say_what_they_mean() -> None:
    assert [o for o in Outcome if o.bad] == [Outcome.FAILED, Outcome.XPASSED, Outcome.ERROR]
    assert [o for o in Outcome if o.good] == [Outcome.PASSED, Outcome.XFAILED]
    assert [o for o in Outcome if o.verified] == [Outcome.PASSED], "only a pass verifies"
    assert set(NOT_PASSED) == set(Outcome) - {Outcome.PASSED}
    assert Outcome.SKIPPED.intro == "Skipped" and Outcome.ERROR.shown == "⚠ error (could not run)"
    assert f"{Outcome.XFAILED}" == "xfailed"


def test_cell_id_and_tally() -> None:
    assert cell_id({"platform": "host", "env": "uv"}) == "host-uv"
    assert cell_id({"platform": "host"}, {"uv": "0.13.9"}) == "host-uv==0.13.9"
    records = [CellRecord.from_json({**FULL, "outcome": o}) for o in ("error", "passed", "error")]
    assert tally(records) == {Outcome.PASSED: 1, Outcome.ERROR: 2}


def test_run_info_round_trip() -> None:
    tool = ToolVersion("virtualenv", "latest", "21.15.11", "index")
    run = RunInfo("docker", "2026-11-24T10:00:00+00:00", "2026-11-24T10:20:00+00:00", "ci", "0.2.0", (tool,))
    data = run.to_json()
    assert list(data) == [
        *("engine", "started", "finished", "host", "guideproof_version", "tools"),
        *("state", "exit_status", "stopped_by", "errors"),  # schema 2
    ]
    assert data["tools"] == [
        {"tool": "virtualenv", "spec": "latest", "version": "21.15.11", "source": "index", "note": ""}
    ]
    assert RunInfo.from_json(data) == run


def test_a_step_keeps_the_first_and_last_lines_of_its_output() -> None:
    from guideproof.results.record import OUTPUT_LINES, StepRecord, bounded

    lines = [f"line {n}" for n in range(1, 2 * OUTPUT_LINES + 11)]
    kept, cut = bounded(lines)
    assert cut == 10 and len(kept) == 2 * OUTPUT_LINES
    assert kept[0] == "line 1" and kept[-1] == lines[-1] and "line 41" not in kept
    step = StepRecord(1, 0, 0.1, "", output=kept, output_cut=cut)
    shown = step.shown_output
    assert shown is not None and shown[OUTPUT_LINES] == "... (10 lines left out)" and len(shown) == len(kept) + 1
    assert bounded(lines[:80]) == (tuple(lines[:80]), 0)
    assert StepRecord(1, 0, 0.1, "").shown_output is None, "no output recorded (schema 2): nothing to show"
