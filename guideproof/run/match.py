"""Match a command's actual output against its expected lines, and explain a mismatch as a diff.

The alignment is a small edit-distance computation: a literal, ``(re)`` or ``(glob)`` line matches one
actual line, ``...`` matches any run of lines (also none). When the best alignment costs nothing the
output matches. Otherwise :func:`reconcile` rewrites the actual output in the expectation's own terms
(pattern lines kept where they matched), so the unified diff shows only real differences and the same
text can be written back by ``--update-expected``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from guideproof.scenario.model import Expected
from guideproof.scenario.write import escape_literal


def line_matches(expected: Expected, actual: str) -> bool:
    """Does one expected line (literal, ``(re)``, ``(glob)``) match one actual line? ``...`` matches any."""
    if expected.kind == "literal":
        return expected.text == actual
    if expected.kind == "re":
        try:
            return re.fullmatch(expected.text, actual) is not None
        except re.error:
            return False
    if expected.kind == "glob":
        return _glob(expected.text, actual)
    return True


def _glob(pattern: str, actual: str) -> bool:
    # Only * and ? are special, as in cram/prysk; [ ] are literal. Backslash escapes * and ?.
    regex = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern) and pattern[i + 1] in "*?\\":
            regex.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        regex.append(".*" if c == "*" else "." if c == "?" else re.escape(c))
        i += 1
    return re.fullmatch("".join(regex), actual, re.DOTALL) is not None


@dataclass(frozen=True)
class Match:
    ok: bool
    reconciled: list[str]  # the actual output written in the expectation's terms (file syntax)


def match_output(expected: Sequence[Expected], actual: Sequence[str]) -> Match:
    """Align ``actual`` lines with ``expected`` at minimal cost (see the module docstring)."""
    n, m = len(expected), len(actual)
    # Costs: an edit (a line missing, extra or replaced) costs more than all absorptions together,
    # and a line swallowed by "..." costs 1, so a failing diff shows real lines rather than hiding
    # them inside an ellipsis. The output matches when no edit is needed.
    edit = m + 1
    cost = [[0] * (m + 1) for _ in range(n + 1)]  # cost[i][j]: expected[i:] against actual[j:]
    for j in range(m - 1, -1, -1):
        cost[n][j] = cost[n][j + 1] + edit
    for i in range(n - 1, -1, -1):
        e = expected[i]
        row, below = cost[i], cost[i + 1]
        row[m] = below[m] + (0 if e.kind == "ellipsis" else edit)
        for j in range(m - 1, -1, -1):
            if e.kind == "ellipsis":
                row[j] = min(below[j], row[j + 1] + 1)
            elif line_matches(e, actual[j]):
                row[j] = below[j + 1]
            else:
                row[j] = edit + min(below[j], row[j + 1], below[j + 1])
    return Match(cost[0][0] < edit, _walk(expected, actual, cost, edit))


def _walk(expected: Sequence[Expected], actual: Sequence[str], cost: list[list[int]], edit: int) -> list[str]:
    out: list[str] = []
    i = j = 0
    n, m = len(expected), len(actual)
    absorbing = False
    while i < n or j < m:
        if i < n and expected[i].kind == "ellipsis":
            if j < m and cost[i][j] == cost[i][j + 1] + 1:
                if not absorbing:
                    out.append("...")
                    absorbing = True
                j += 1
                continue
            if not absorbing:
                out.append("...")  # an ellipsis that matched nothing stays in the file
            i += 1
            absorbing = False
        elif i < n and j < m and line_matches(expected[i], actual[j]) and cost[i][j] == cost[i + 1][j + 1]:
            out.append(expected[i].source)
            i, j = i + 1, j + 1
        elif i < n and j < m and cost[i][j] == edit + cost[i + 1][j + 1]:
            out.append(escape_literal(actual[j]))  # replaced
            i, j = i + 1, j + 1
        elif j < m and (i >= n or cost[i][j] == edit + cost[i][j + 1]):
            out.append(escape_literal(actual[j]))  # extra
            j += 1
        else:
            i += 1  # missing: dropped
    return out


def unified_diff(expected: Sequence[str], actual: Sequence[str], label: str) -> str:
    lines = difflib.unified_diff(list(expected), list(actual), f"expected ({label})", "actual", lineterm="", n=3)
    return "\n".join(lines)
