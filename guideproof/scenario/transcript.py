"""Read a shell snippet as a reader sees it: prompted commands with their output, or a plain script.

Two shapes occur in guides. A *session* (``console`` blocks, usually) shows prompts: ``$ cmd`` lines
are commands, lines after them are what the command printed. A *script* (``bash``/``sh`` blocks,
usually) has no prompts: every line is something to type. Both are cut into :class:`Command`\\ s,
each a complete shell command (a trailing backslash, an open here-document, an unclosed quote or an
unclosed ``if``/``for``/``case``/``{`` keeps the command going on the next line).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

# "$ cmd", "% cmd" (zsh), "# cmd" (root), optionally after "(venv) " and "user@host:~/dir".
PROMPT = re.compile(r"^(?:\([^()\s]+\) ?)?(?:[\w.-]+@[\w.-]+(?::\S*)? ?)?(?P<sign>[$%#])(?: |$)")
# Languages of transcripts, where "# " is a root prompt; in scripts (bash, sh, ...) it starts a comment.
SESSION_LANGUAGES = {"console", "shell-session", "shellsession"}
_HEREDOC = re.compile(r"<<-?\s*(['\"]?)(?P<word>[A-Za-z_][\w-]*)\1")
_OPENERS = {"if": "fi", "for": "done", "while": "done", "until": "done", "select": "done", "case": "esac", "{": "}"}
_CLOSERS = {"fi", "done", "esac", "}"}
_COMMAND_STARTS = {"then", "do", "else", "elif", "if", "while", "until", "{", "!", "time"}


@dataclass
class Command:
    lines: list[str]  # the command's first line and its continuation lines, prompts removed
    output: list[str] = field(default_factory=list)  # what it printed (sessions only)
    root: bool = False  # shown after a "#" prompt


def prompt(line: str, language: str) -> re.Match[str] | None:
    """The shell prompt at the start of ``line``, if any ("#" counts only in session languages)."""
    match = PROMPT.match(line)
    if match is None or (match.group("sign") == "#" and language not in SESSION_LANGUAGES):
        return None
    return match


def is_prompted(text: str, language: str) -> bool:
    return any(prompt(line, language) for line in text.splitlines())


def _heredocs(lines: list[str]) -> tuple[list[str], list[str]]:
    """``lines`` without here-document bodies, and the terminators still awaited."""
    kept: list[str] = []
    waiting: list[str] = []
    for line in lines:
        if waiting:
            if line.strip() == waiting[0]:
                waiting.pop(0)
            continue
        kept.append(line)
        waiting.extend(m.group("word") for m in _HEREDOC.finditer(line))
    return kept, waiting


def _depth(text: str) -> int | None:
    """Open compound commands in ``text``; None when a quote is still open."""
    lexer = shlex.shlex(text, posix=True, punctuation_chars=";&|()\n")
    lexer.whitespace = " \t\r"
    lexer.commenters = "#"
    try:
        tokens = list(lexer)
    except ValueError:  # "No closing quotation" / "No escaped character"
        return None
    depth = 0
    at_start = True
    for token in tokens:
        if at_start and token in _OPENERS:
            depth += 1
        elif at_start and token in _CLOSERS:
            depth -= 1
        at_start = token in _COMMAND_STARTS or set(token) <= set(";&|()\n")
    return depth


def needs_more(lines: list[str]) -> bool:
    """Whether the command made of ``lines`` continues on the next line."""
    if not lines:
        return False
    if lines[-1].endswith("\\"):
        return True
    kept, waiting = _heredocs(lines)
    if waiting:
        return True
    depth = _depth("\n".join(kept))
    return depth is None or depth > 0


def _trim(lines: list[str]) -> list[str]:
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return lines


def parse_session(text: str, language: str = "console") -> tuple[list[str], list[Command]]:
    """Split a prompted snippet: (lines before the first prompt, commands with their output)."""
    before: list[str] = []
    commands: list[Command] = []
    for line in text.splitlines():
        current = commands[-1] if commands else None
        if current is not None and not current.output:
            if line.startswith("> ") or line == ">":
                current.lines.append(line[2:])
                continue
            if needs_more(current.lines):
                current.lines.append(line)
                continue
        match = prompt(line, language)
        if match is not None:
            commands.append(Command([line[match.end() :]], root=match.group("sign") == "#"))
        elif current is None:
            before.append(line)
        else:
            current.output.append(line)
    for command in commands:
        command.output = _trim(command.output)
    return _trim(before), commands


def parse_script(text: str) -> list[Command | str]:
    """Split an unprompted snippet into commands; whole-line comments come back as strings."""
    out: list[Command | str] = []
    pending: list[str] = []
    for line in text.splitlines():
        if pending:
            pending.append(line)
        elif not line.strip():
            continue
        elif line.lstrip().startswith("#"):
            out.append(line.strip())
            continue
        else:
            pending = [line]
        if not needs_more(pending):
            out.append(Command(_trim(pending)))
            pending = []
    if pending:
        out.append(Command(_trim(pending)))
    return out
