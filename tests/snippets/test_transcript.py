"""Cutting a snippet into commands: prompts, continuations, here-documents, quotes and compound commands."""

from __future__ import annotations

import pytest

from guideproof.snippets.transcript import Command, is_prompted, needs_more, parse_script, parse_session


@pytest.mark.parametrize(
    ("line", "language", "prompted"),
    [
        ("$ ls", "console", True),
        ("$", "console", True),
        ("% ls", "console", True),
        ("# apt-get install x", "console", True),
        ("(.venv) $ python -m pip install x", "console", True),
        ("user@host:~/src$ make", "console", True),
        ("$HOME is set", "console", False),
        ("#!/bin/sh", "console", False),
        ("C:\\> py -m venv .venv", "console", False),
        (">>> import sys", "console", False),
        ("ls -l", "console", False),
        ("# a comment", "bash", False),  # "#" is a root prompt in transcripts only
        ("$ ls", "bash", True),
    ],
)
def test_prompts(line, language, prompted):
    assert is_prompted(line, language) is prompted


def test_session_commands_continuations_and_output():
    text = "\n".join(
        [
            "Some text before any prompt",
            "$ echo hi",
            "hi",
            "(venv) $ python -m pip install \\",
            "    requests",
            "Successfully installed requests",
            "$ cat > f <<'EOF'",
            "> a",
            "> EOF",
            "$ python -c 'import sys",
            "print(sys.prefix)'",
            "/usr",
            "# apt-get install -y git",
            "",
        ]
    )
    before, commands = parse_session(text)
    assert before == ["Some text before any prompt"]
    assert commands == [
        Command(["echo hi"], ["hi"]),
        Command(["python -m pip install \\", "    requests"], ["Successfully installed requests"]),
        Command(["cat > f <<'EOF'", "a", "EOF"]),
        Command(["python -c 'import sys", "print(sys.prefix)'"], ["/usr"]),
        Command(["apt-get install -y git"], root=True),
    ]


def test_script_complete_commands_and_comments():
    text = "\n".join(
        [
            "# make the environment",
            "python3 -m venv .venv",
            "",
            "for p in a b; do",
            "  echo $p done",
            "done",
            "if true; then echo yes; fi",
            "cat <<EOF > notes.txt",
            "if this were code it would open a block",
            "EOF",
            "f() {",
            "  ls",
            "}",
            "ls \\",
            "  -l",
        ]
    )
    assert parse_script(text) == [
        "# make the environment",
        Command(["python3 -m venv .venv"]),
        Command(["for p in a b; do", "  echo $p done", "done"]),
        Command(["if true; then echo yes; fi"]),
        Command(["cat <<EOF > notes.txt", "if this were code it would open a block", "EOF"]),
        Command(["f() {", "  ls", "}"]),
        Command(["ls \\", "  -l"]),
    ]


@pytest.mark.parametrize(
    ("lines", "more"),
    [
        (["echo 'open"], True),
        (["echo 'closed'"], False),
        (["case $x in"], True),
        (["case $x in", "a) echo a;;", "esac"], False),
        (["echo fi"], False),  # an argument, not a keyword
        (["while true", "do echo", "done"], False),
        (["cat <<-END", "\tbody"], True),
    ],
)
def test_needs_more(lines, more):
    assert needs_more(lines) is more
