"""--update-expected's writing: proposals applied bottom-up, disagreeing cells left alone."""

from __future__ import annotations

from pathlib import Path

from guideproof.scenario.write import Update, apply_updates, escape_literal


def test_updates_apply_and_conflicts_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "demo.scenario"
    path.write_text("+++\ntitle = 'x'\n+++\n  $ echo a\n  old\n  $ echo b\n  older\n")
    same = Update(str(path), 5, 5, ("a",))
    changed, conflicts = apply_updates([same, same, Update(str(path), 7, 7, ("b1",)), Update(str(path), 7, 7, ("b2",))])
    assert changed == [f"{path}:5: expected output updated\n  -  old\n  +  a"]
    assert conflicts == [f"{path}:7: cells disagree on the output; use #if to write it per cell"]
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
