"""Errors a user can cause: each one prints as a single clear line, never a traceback."""

from __future__ import annotations

from pathlib import Path


class UserError(Exception):
    """An error with a message meant for the user as it is (a bad option, a missing file, ...)."""


class FileError(UserError):
    """A malformed scenario or matrix file, located at ``path:line``."""

    def __init__(self, path: Path | str, line: int | None, message: str) -> None:
        self.path = Path(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line else str(self.path)
        super().__init__(f"{where}: {message}")


class EngineError(UserError):
    """An engine is missing, stopped, or failed in a way the user can fix."""
