"""Output bytes <-> the text of an expected line, both directions in one place so they stay in step.

A command's output is bytes. Most lines are printable UTF-8 and are written as they are; the others are
written in an escaped form ending in `` (esc)`` (prysk's convention): ``\\t``, ``\\r``, ``\\\\`` and
``\\xHH`` for any other byte that is a control character, not UTF-8, or an invisible character. Output that
does not end in a newline is marked `` (no-eol)`` on its last line. :func:`expected_text` writes a line so
that the parser reads back exactly those bytes; :func:`decode` reads an ``(esc)`` line; :func:`terminal_view`
shows bytes as a reader's terminal would (the docs use it).
"""

from __future__ import annotations

import re

from guideproof.errors import FileError, UserError

ESC = " (esc)"
NO_EOL = " (no-eol)"
NO_OUTPUT = "(no output)"
PATTERN_MARKERS = (" (re)", " (glob)")
MARKERS = (ESC, NO_EOL, *PATTERN_MARKERS)

_NAMED = {"\\": "\\", "t": "\t", "r": "\r", "n": "\n", "f": "\f", "v": "\v", "a": "\a", "b": "\b", "'": "'", '"': '"'}
_WRITE = {"\\": "\\\\", "\t": "\\t", "\r": "\\r"}
_STATUS = re.compile(r"\[\d+\]")


class EscapeError(UserError):
    """An ``(esc)`` line with an escape sequence this format does not define (the parser adds the file and
    line: a :class:`~guideproof.errors.FileError`)."""

    exit_code = FileError.exit_code


def decode(text: str) -> bytes:
    r"""The bytes an ``(esc)`` line stands for (its marker already removed).

    Escapes: ``\\`` ``\t`` ``\r`` ``\n`` ``\f`` ``\v`` ``\a`` ``\b`` ``\'`` ``\"``, ``\xHH`` (one byte) and
    ``\OOO`` (octal, one to three digits), as in a Python bytes literal. Any other character stands for its
    UTF-8 encoding.
    """
    out = bytearray()
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c != "\\":
            out += c.encode("utf-8", "surrogateescape")
            i += 1
            continue
        if i + 1 >= n:
            raise EscapeError("a lone backslash ends the line (write \\\\ for a backslash)")
        nxt = text[i + 1]
        if nxt in _NAMED:
            out += _NAMED[nxt].encode()
            i += 2
        elif nxt == "x":
            digits = text[i + 2 : i + 4]
            if len(digits) != 2 or not all(d in "0123456789abcdefABCDEF" for d in digits):
                raise EscapeError(f"\\x needs two hex digits: {text[i : i + 4]!r}")
            out.append(int(digits, 16))
            i += 4
        elif nxt in "01234567":
            j = i + 1
            while j < min(n, i + 4) and text[j] in "01234567":
                j += 1
            value = int(text[i + 1 : j], 8)
            if value > 0o377:
                raise EscapeError(f"octal escape {text[i:j]!r} is more than one byte")
            out.append(value)
            i = j
        else:
            known = "\\\\ \\t \\r \\n \\f \\v \\a \\b \\' \\\" \\xHH \\OOO"
            raise EscapeError(f"unknown escape \\{nxt} (known: {known})")
    return bytes(out)


def _plain(text: str) -> bool:
    """Would ``text`` (decoded without loss) read back as a literal line of exactly this text?"""
    if not all(c.isprintable() for c in text):
        return False  # control characters, bytes that are not UTF-8, invisible characters
    if text.startswith(("$ ", "> ")) or text in ("...", NO_OUTPUT) or _STATUS.fullmatch(text):
        return False  # a command, a continuation, an ellipsis, "prints nothing", an exit status
    return not text.endswith(MARKERS)


def _escape(text: str) -> str:
    out = []
    for c in text:
        if c in _WRITE:
            out.append(_WRITE[c])
        elif c.isprintable():
            out.append(c)
        else:
            out.extend(f"\\x{b:02x}" for b in c.encode("utf-8", "surrogateescape"))
    escaped = "".join(out)
    if escaped.startswith(("$ ", "> ")) or escaped in ("$", ">"):  # the lexer reads prompts before markers
        escaped = f"\\x{ord(escaped[0]):02x}{escaped[1:]}"
    return escaped + ESC


def expected_text(data: bytes, no_eol: bool = False) -> str:
    """The expected-line text (without its two-space indent) that matches exactly the output line ``data``."""
    text = data.decode("utf-8", "surrogateescape")
    # A bare "$" or ">" followed by the marker's space would read as a prompt.
    plain = _plain(text) and not (no_eol and text in ("$", ">"))
    written = text if plain else _escape(text)
    return written + NO_EOL if no_eol else written


# A terminal line: what a reader sees once carriage returns, backspaces and escape sequences have acted.
_SEQUENCE = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[@-Z\\-_])")


def terminal_view(data: bytes) -> str:
    """``data`` (one line of output) as a terminal shows it: ``\\r`` returns to the start and overwrites,
    ``\\b`` steps back, tabs stop every 8 columns, colour and other escape sequences and the remaining
    control characters show nothing; bytes that are not UTF-8 show as U+FFFD."""
    text = _SEQUENCE.sub("", data.decode("utf-8", "replace"))
    cells: list[str] = []
    col = 0
    for c in text:
        if c == "\r":
            col = 0
        elif c == "\b":
            col = max(0, col - 1)
        elif c == "\t":
            col = (col // 8 + 1) * 8
        elif c.isprintable() or c == " ":
            if col >= len(cells):
                cells.extend(" " * (col - len(cells) + 1))
            cells[col] = c
            col += 1
    return "".join(cells)
