"""Human labels for conditions (tab titles) and cells (verification lines), from matrix.toml."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from guideproof.matrix.model import PLATFORM, Matrix
from guideproof.matrix.where import Where

OTHER = "Other"


def value_label(matrix: Matrix, axis: str, value: str) -> str:
    """The value's ``label`` in matrix.toml (the value itself when the matrix does not know it)."""
    try:
        return matrix.axis(axis).value(value).label
    except KeyError:
        return value


def short_label(matrix: Matrix, axis: str, value: str) -> str:
    """Like :func:`value_label`, but a platform is named by its ``short`` label ("Debian 12")."""
    if axis == PLATFORM:
        try:
            return matrix.platform(value).short
        except KeyError:
            return value
    return value_label(matrix, axis, value)


def condition_label(matrix: Matrix, condition: Where) -> str:
    """The tab title of an ``#if``/``#elif`` branch; ``#else`` is "Other"."""
    if not condition:
        return OTHER
    terms = []
    for axis, globs in condition.terms:
        terms.append(" / ".join(value_label(matrix, axis, n) for n in matrix.values_matching(axis, globs)))
    return ", ".join(terms)


def cell_label(matrix: Matrix, cell: Mapping[str, str]) -> str:
    """``{"platform": "debian-bookworm", "env": "venv"}`` → ``Debian 12 × venv``."""
    return " × ".join(short_label(matrix, axis, value) for axis, value in cell.items())


def position(matrix: Matrix, axis: str, value: str) -> int:
    """Where ``value`` stands in its axis in matrix.toml (unknown values last)."""
    try:
        return matrix.axis(axis).names.index(value)
    except (KeyError, ValueError):
        return 1_000_000


def cell_order(matrix: Matrix, cell: Mapping[str, str]) -> tuple[int, ...]:
    """Sort key putting cells in matrix order: platforms first, then each axis."""
    return tuple(position(matrix, axis, value) for axis, value in cell.items())


def support_note(matrix: Matrix, platforms: Iterable[str], today: dt.date) -> str:
    """A sentence for each of ``platforms`` past the end of its security support on ``today`` (empty when
    none is): the docs never present such a platform as patched."""
    notes = []
    for name in dict.fromkeys(platforms):
        try:
            platform = matrix.platform(name)
        except KeyError:
            continue
        if platform.support is not None and platform.ended(today):
            notes.append(f"{platform.short} {platform.support.describe(today)}.")
    return " ".join(notes)
