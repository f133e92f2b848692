"""Errors a user can cause: each one prints as a single clear line, never a traceback.

One family, as cibuildwheel's ``FatalError`` subclasses: every class carries the exit status of the
``guideproof`` command that fails with it (``exit_code``), so a script can tell the kinds apart. Code that
adds context (the option that caused it) raises the same class again, never translates one kind into another.

====  ========================  ==========================================================================
exit  class                     what the user can fix
====  ========================  ==========================================================================
2     ``UserError``             a bad option or argument, a missing file, an output that cannot be written
3     ``FileError``             a malformed scenario, matrix or results file (``path:line: why``)
4     ``EngineError``           an engine that is missing, stopped, or failed in a way the user can fix
5     ``VersionError``          a ``--tool`` version, range or local build that cannot be used
6     ``NothingToBisect``       ``bisect``'s ends do not bracket a change
====  ========================  ==========================================================================
"""

from __future__ import annotations

from pathlib import Path


class UserError(Exception):
    """An error with a message meant for the user as it is (a bad option, a missing file, ...)."""

    exit_code = 2


class FileError(UserError):
    """A malformed scenario, matrix or results file, located at ``path:line``."""

    exit_code = 3

    def __init__(self, path: Path | str, line: int | None, message: str) -> None:
        self.path = Path(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line else str(self.path)
        super().__init__(f"{where}: {message}")


class EngineError(UserError):
    """An engine is missing, stopped, or failed in a way the user can fix."""

    exit_code = 4


class VersionError(UserError):
    """A ``--tool`` version, range or local build that cannot be used; the message names it and the fix."""

    exit_code = 5


class NothingToBisect(UserError):
    """The ends given to ``bisect`` do not bracket a change: the message says which end and why."""

    exit_code = 6
