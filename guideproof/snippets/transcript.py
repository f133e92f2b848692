"""Moved to :mod:`guideproof.scenario.transcript` (pages tested in place read their blocks with it too)."""

from guideproof.scenario.transcript import (
    PROMPT,
    SESSION_LANGUAGES,
    Command,
    is_prompted,
    needs_more,
    parse_script,
    parse_session,
    prompt,
)

__all__ = [
    "PROMPT",
    "SESSION_LANGUAGES",
    "Command",
    "is_prompted",
    "needs_more",
    "parse_script",
    "parse_session",
    "prompt",
]
