"""Axis constraints as globs: the one place a glob meets the values of an axis.

``#if env=venv,venv-copies``, an ``[[xfail]]``'s ``when``, ``--axis env=venv*`` and ``--platform debian-*``
all say "these values of that axis". :class:`Where` holds such a constraint and decides whether a cell
matches it; :func:`first_unmatched` is the check every one of them makes against the matrix (a glob that
matches no value of its axis is a typo, reported where it was written).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase


def matches_any(value: str, globs: Iterable[str]) -> bool:
    """Does ``value`` match one of the (case-sensitive, shell-style) ``globs``?"""
    return any(fnmatchcase(value, glob) for glob in globs)


def first_unmatched(values: Iterable[str], globs: Iterable[str]) -> str | None:
    """The first of ``globs`` that matches none of ``values``, or None when each matches something."""
    names = list(values)
    return next((glob for glob in globs if not any(fnmatchcase(name, glob) for name in names)), None)


@dataclass(frozen=True)
class Where:
    """``((axis, (glob, ...)), ...)``: a cell matches when each named axis has a value matching one of its globs.

    An axis the cell does not have constrains nothing (``--axis conda=...`` leaves a scenario that does not
    use ``conda`` alone). The empty constraint matches every cell (an ``#else`` branch).
    """

    terms: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @classmethod
    def of(cls, mapping: Mapping[str, Iterable[str]]) -> Where:
        return cls(tuple((axis, tuple(globs)) for axis, globs in mapping.items()))

    def matches(self, values: Mapping[str, str]) -> bool:
        return all(axis not in values or matches_any(values[axis], globs) for axis, globs in self.terms)

    @property
    def axes(self) -> tuple[str, ...]:
        return tuple(axis for axis, _ in self.terms)

    def __bool__(self) -> bool:
        return bool(self.terms)
