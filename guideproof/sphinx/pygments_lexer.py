"""The console lexer for scenario transcripts: ``> `` always continues a command, and lexing never fails.

Pygments' ``console`` lexer treats ``> `` as a continuation only after a trailing backslash, so a
quoted string spanning lines (``$ python -c 'a`` / ``> b'``) is an error, which ``-W`` turns fatal.
"""

from __future__ import annotations

from collections.abc import Iterator

from pygments.lexers import BashSessionLexer
from pygments.token import Error, Text, _TokenType


class ScenarioConsoleLexer(BashSessionLexer):
    name = "Scenario console session"
    aliases = ["console", "shell-session"]
    _bare_continuation = True

    def get_tokens_unprocessed(self, text: str) -> Iterator[tuple[int, _TokenType, str]]:
        for index, token, value in super().get_tokens_unprocessed(text):
            yield index, (Text if token is Error else token), value
