"""The (esc) codec: what the writer writes reads back as exactly the bytes it saw; the docs see a terminal."""

from __future__ import annotations

import pytest

from guideproof.scenario.escapes import EscapeError, decode, expected_text, terminal_view


@pytest.mark.parametrize(
    ("data", "written"),
    [
        (b"plain text", "plain text"),
        (b"", ""),
        ("caf\u00e9 \u2713".encode(), "caf\u00e9 \u2713"),  # printable UTF-8 stays as it is
        (b"$ echo hi", "\\x24 echo hi (esc)"),  # would read as a command
        (b"> more", "\\x3e more (esc)"),  # would read as a continuation
        (b"$", "$"),  # a bare $ or > is an output line
        (b">", ">"),
        (b"...", "... (esc)"),  # would read as an ellipsis
        (b"[1]", "[1] (esc)"),  # would read as an exit status
        (b"(no output)", "(no output) (esc)"),
        (b"diff (re)", "diff (re) (esc)"),  # would read as a pattern (and show without its marker)
        (b"x (glob)", "x (glob) (esc)"),
        (b"y (esc)", "y (esc) (esc)"),
        (b"z (no-eol)", "z (no-eol) (esc)"),
        (b"a\tb", "a\\tb (esc)"),
        (b"50%\r100%", "50%\\r100% (esc)"),
        (b"\x1b[1mbold\x1b[0m", "\\x1b[1mbold\\x1b[0m (esc)"),
        (b"\xff\xfe", "\\xff\\xfe (esc)"),  # not UTF-8
        (b"back\\slash\x0c", "back\\\\slash\\x0c (esc)"),  # a backslash is doubled once escaping
        ("a\u2028b\u00a0".encode(), "a\\xe2\\x80\\xa8b\\xc2\\xa0 (esc)"),  # invisible characters are shown
    ],
)
def test_expected_text(data, written):
    assert expected_text(data) == written
    if written.endswith(" (esc)"):
        assert decode(written[: -len(" (esc)")]) == data


def test_no_eol_marker_comes_last():
    assert expected_text(b"done", no_eol=True) == "done (no-eol)"
    assert expected_text(b"a\tb", no_eol=True) == "a\\tb (esc) (no-eol)"
    assert expected_text(b"$", no_eol=True) == "\\x24 (esc) (no-eol)"  # "$ (no-eol)" would be a command


def test_decode_reads_prysk_escapes():
    assert decode(r"a\tb\r\\\x00\101\'") == b"a\tb\r\\\x00A'"


@pytest.mark.parametrize("text", ["trailing \\", "\\q", "\\x4", "\\xZZ", "\\777"])
def test_decode_rejects_what_it_does_not_define(text):
    with pytest.raises(EscapeError):
        decode(text)


@pytest.mark.parametrize(
    ("data", "seen"),
    [
        (b"plain", "plain"),
        (b"50%\r100%", "100%"),  # a carriage return overwrites from the start
        (b"abcdef\rXY", "XYcdef"),
        (b"ab\bC", "aC"),
        (b"\x1b[31mred\x1b[0m", "red"),  # colours show as nothing
        (b"a\tb", "a       b"),
        (b"\xff", "\ufffd"),
        (b"line\r", "line"),  # a Windows line end
    ],
)
def test_terminal_view(data, seen):
    assert terminal_view(data) == seen
