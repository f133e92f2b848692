"""--update-expected's writing: proposals applied bottom-up, disagreeing cells left alone."""

from __future__ import annotations

from pathlib import Path

from guideproof.scenario.write import Update, apply_updates, escape_literal


def test_updates_apply_and_conflicts_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "demo.scenario"
    path.write_text("+++\ntitle = 'x'\n+++\n  $ echo a\n  old\n  $ echo b\n  older\n")
    same = Update(str(path), 5, 5, ("a",))
    applied = apply_updates([same, same, Update(str(path), 7, 7, ("b1",)), Update(str(path), 7, 7, ("b2",))])
    assert applied.changed == [f"{path}:5: expected output updated\n  -  old\n  +  a"]
    assert applied.conflicts == [f"{path}:7: cells disagree on the output; use #if to write it per cell"]
    assert path.read_text().splitlines()[3:] == ["  $ echo a", "  a", "  $ echo b", "  older"]
    assert Update.from_json(same.to_json()) == same


def test_actual_lines_that_read_as_syntax_are_escaped() -> None:
    assert escape_literal("plain") == "plain"
    assert escape_literal("...") == "... (esc)"
    assert escape_literal("[2]") == "[2] (esc)"
    assert escape_literal("x (glob)") == "x (glob) (esc)"
    assert escape_literal("$ echo") == "\\x24 echo (esc)"


def test_updates_keep_every_character_but_newline(tmp_path: Path) -> None:
    path = tmp_path / "demo.scenario"
    path.write_bytes(b"+++\ntitle = 'x'\n+++\n  $ cmd\n  o\rld\x0c\nprose" + "\u2028".encode() + b"line\n")
    apply_updates([Update(str(path), 5, 5, ("new",))])
    assert path.read_bytes() == b"+++\ntitle = 'x'\n+++\n  $ cmd\n  new\nprose" + "\u2028".encode() + b"line\n"


DEMO = "+++\ntitle = 'x'\n+++\n  $ echo a\n  old\n  $ false\n  $ exit 3\n  [1]\n"


def test_a_new_failure_is_refused_naming_file_line_and_status_and_the_file_stays(tmp_path: Path) -> None:
    path = tmp_path / "demo.scenario"
    path.write_text(DEMO)
    fine = Update(str(path), 5, 5, ("a",), step=4)
    fails = Update(str(path), 7, 6, ("[1]",), step=6, old_status=0, new_status=1)
    applied = apply_updates([fine, fails])
    assert applied.refused == [
        f"{path}:6: refused to write [1]: the command exits 1 where the scenario expects 0. A failing command is"
        " not an expectation: fix the command or the scenario, or pass --accept-failures to record the failure",
        f"{path}: left unchanged (1 refused)",
    ]
    assert (applied.changed, applied.summary) == ([], [])
    assert path.read_text() == DEMO, "a refusal leaves the whole file as it was"
    # another non-zero status than the expected one is a new failure too; the expected one again is not
    assert Update(str(path), 9, 8, ("[3]",), step=7, old_status=1, new_status=3).new_failure
    assert not Update(str(path), 9, 8, ("x", "[1]"), step=7, old_status=1, new_status=1).new_failure
    assert not Update(str(path), 9, 8, (), step=7, old_status=1, new_status=0).new_failure


def test_accepted_failures_are_written_and_every_changed_step_is_summarised(tmp_path: Path) -> None:
    path = tmp_path / "demo.scenario"
    path.write_text(DEMO)
    fine = Update(str(path), 5, 5, ("a",), step=4)
    fails = Update(str(path), 7, 6, ("[1]",), step=6, old_status=0, new_status=1)
    passes_now = Update(str(path), 8, 8, (), step=7, old_status=1, new_status=0)
    applied = apply_updates([fine, fails, passes_now], accept_failures=True)
    assert applied.refused == []
    assert applied.summary == [
        f"{path}:4: status 0 -> 0",
        f"{path}:6: status 0 -> 1 (a failure, accepted with --accept-failures)",
        f"{path}:7: status 1 -> 0",
    ]
    assert path.read_text().splitlines()[3:] == ["  $ echo a", "  a", "  $ false", "  [1]", "  $ exit 3"]
    assert Update.from_json(fails.to_json()) == fails
