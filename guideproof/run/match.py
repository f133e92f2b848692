"""Match a command's actual output against its expected lines, and explain a mismatch as a diff.

Output is bytes, split into lines at ``\\n`` (a last line without one is marked ``no_eol``). A literal or
``(esc)`` line matches one actual line byte for byte; a ``(re)`` or ``(glob)`` line matches a line that is
literally the line as written or that the pattern matches as a whole (on the line decoded as UTF-8; a glob
without regular expressions, in at most pattern x line steps; a ``(re)`` within the step's time, see
:func:`deadline`); ``...``
matches any run of lines, also none. ``(no-eol)`` on an expected line says the line it matches ends the
output without a newline.

Matching is near-linear in the common case: a greedy pass (``...`` as a wildcard, backtracking to the last
one) decides whether the output matches. Only a mismatch needs an alignment, to show the diff and write
``--update-expected``: lines that are equal literally anchor it (difflib), and the small gaps between
anchors are aligned by an edit-distance computation in which a missing, extra or replaced line costs more
than all absorptions by ``...`` together. :func:`match_output` returns the actual output rewritten in the
expectation's own terms (pattern lines kept where they matched) so the diff shows only real differences
and the same text can be written back.
"""

from __future__ import annotations

import difflib
import re
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

from guideproof.scenario.escapes import NO_EOL, expected_text
from guideproof.scenario.model import Expected

GAP_CELLS = 250_000  # above this size an unanchored gap is aligned line by line instead


@dataclass(frozen=True)
class Match:
    ok: bool
    reconciled: list[str]  # the actual output written in the expectation's terms (file syntax)


class MatchTimeout(Exception):
    """Matching took longer than the time it was given (see :func:`deadline`)."""


@contextmanager
def deadline(seconds: float | None) -> Iterator[None]:
    """Raise MatchTimeout inside the block after ``seconds`` (a timer signal: ``re`` checks for signals while it
    backtracks, so a pathological ``(re)`` pattern is stopped too). Only in the main thread of a POSIX
    process; elsewhere, and with ``None``, the block runs unbounded."""
    usable = (
        seconds is not None
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)  # nobody else's alarm is running
    )
    if not usable:
        yield
        return

    def expire(_signum: int, _frame: object) -> None:
        raise MatchTimeout(f"matching took longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    try:
        signal.setitimer(signal.ITIMER_REAL, max(float(seconds or 0), 0.001))
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


STAR, ANY = object(), object()  # a glob's ``*`` and ``?``


@lru_cache(maxsize=4096)
def _pattern(text: str) -> re.Pattern[str] | None:
    """The compiled pattern of a ``(re)`` line; None when it does not compile."""
    try:
        return re.compile(text)
    except re.error:
        return None


@lru_cache(maxsize=4096)
def glob_tokens(pattern: str) -> tuple[object, ...]:
    """Only ``*`` and ``?`` are special, as in cram/prysk; ``[ ]`` are literal. Backslash escapes ``*``, ``?``
    and itself (elsewhere it is literal)."""
    out: list[object] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern) and pattern[i + 1] in "*?\\":
            out.append(pattern[i + 1])
            i += 2
            continue
        if c == "*":
            if not out or out[-1] is not STAR:  # ``**`` says no more than ``*``
                out.append(STAR)
        else:
            out.append(ANY if c == "?" else c)
        i += 1
    return tuple(out)


def glob_match(pattern: str, text: str) -> bool:
    """Does the glob ``pattern`` match all of ``text``? Greedy, with one backtracking point (the last ``*``):
    no regular expression, at most len(pattern) x len(text) steps, whatever the pattern."""
    tokens = glob_tokens(pattern)
    n, m = len(tokens), len(text)
    p = t = 0
    star, mark = -1, 0
    while t < m:
        token = tokens[p] if p < n else None
        if token is STAR:
            star, mark = p, t
            p += 1
        elif token is not None and (token is ANY or token == text[t]):
            p += 1
            t += 1
        elif star >= 0:  # let the last ``*`` take one more character, and try again after it
            mark += 1
            p, t = star + 1, mark
        else:
            return False
    while p < n and tokens[p] is STAR:
        p += 1
    return p == n


def pattern_error(expected: Expected) -> str | None:
    """Why a ``(re)`` line's pattern does not compile (it then matches only the line as written)."""
    if expected.kind != "re":
        return None
    try:
        re.compile(expected.text)
    except re.error as exc:
        return str(exc)
    return None


def _line_test(expected: Expected) -> Callable[[bytes], bool]:
    """A test of one actual line's bytes (without the end-of-line question) for one expected line."""
    if expected.kind in ("literal", "esc"):
        data = expected.data
        return data.__eq__
    if expected.kind == "ellipsis":
        return lambda _line: True
    written = f"{expected.text} ({expected.kind})".encode("utf-8", "surrogateescape")
    if expected.kind == "glob":
        glob = expected.text

        def test_glob(line: bytes) -> bool:
            # a line that is literally what was written matches, as in prysk
            return line == written or glob_match(glob, line.decode("utf-8", "surrogateescape"))

        return test_glob
    pattern = _pattern(expected.text)

    def test(line: bytes) -> bool:
        if line == written:
            return True
        return pattern is not None and pattern.fullmatch(line.decode("utf-8", "surrogateescape")) is not None

    return test


class _Lines:
    """The expected lines' tests, and which actual line (if any) ends without a newline."""

    def __init__(self, expected: Sequence[Expected], actual: Sequence[bytes], no_eol: bool) -> None:
        self.expected = expected
        self.actual = actual
        self.tests = [_line_test(e) for e in expected]
        self.last_no_eol = len(actual) - 1 if no_eol and actual else -1

    def matches(self, i: int, j: int) -> bool:
        e = self.expected[i]
        if e.no_eol != (j == self.last_no_eol):
            return False
        return self.tests[i](self.actual[j])

    def written(self, j: int) -> str:
        """Actual line ``j`` in the file's syntax."""
        return expected_text(self.actual[j], j == self.last_no_eol)


def match_output(expected: Sequence[Expected], actual: Sequence[bytes], no_eol: bool = False) -> Match:
    """Does ``actual`` (lines of bytes; ``no_eol``: the last has no newline) match ``expected``?"""
    lines = _Lines(expected, actual, no_eol)
    if _greedy(lines):
        return Match(True, [e.source for e in expected])
    return Match(False, _reconcile(lines))


def _greedy(lines: _Lines) -> bool:
    """Wildcard matching with ``...`` as ``*``: on a mismatch, retry from the last ``...`` one line later.

    Linear when the output matches line for line; each backtrack only re-scans since the last ``...``.
    The no-eol rule is part of each line's test, so an ``...`` that swallows the last line takes its
    missing newline with it.
    """
    n, m = len(lines.expected), len(lines.actual)
    i = j = 0
    star_i, star_j = -1, 0
    while j < m:
        if i < n and lines.expected[i].kind == "ellipsis":
            star_i, star_j = i, j
            i += 1
        elif i < n and lines.matches(i, j):
            i += 1
            j += 1
        elif star_i >= 0:
            star_j += 1
            i, j = star_i + 1, star_j
        else:
            return False
    return all(e.kind == "ellipsis" for e in lines.expected[i:])


def _reconcile(lines: _Lines) -> list[str]:
    """The actual output in the expectation's terms, from an alignment anchored on literally equal lines."""
    expected, n, m = lines.expected, len(lines.expected), len(lines.actual)
    # Anchors: literal/esc lines equal to an actual line (and agreeing on the final newline). Patterns and
    # ``...`` get keys that equal nothing, so they always fall into the gaps the edit distance aligns.
    keys_e: list[object] = [(e.data, e.no_eol) if e.kind in ("literal", "esc") else object() for e in expected]
    keys_a = [(line, j == lines.last_no_eol) for j, line in enumerate(lines.actual)]
    out: list[str] = []
    i = j = 0
    for block in difflib.SequenceMatcher(None, keys_e, keys_a, autojunk=False).get_matching_blocks():
        out.extend(_align(lines, i, block.a, j, block.b))
        out.extend(e.source for e in expected[block.a : block.a + block.size])
        i, j = block.a + block.size, block.b + block.size
    assert (i, j) == (n, m)
    return _tidy(out)


def _tidy(out: list[str]) -> list[str]:
    """Two ``...`` next to each other (across an anchor-less boundary) say no more than one; and after the line
    that ends the output without a newline, an ``...`` that matched nothing cannot stand (nothing follows it)."""
    merged: list[str] = []
    for line in out:
        if line == "..." and merged and (merged[-1] == "..." or merged[-1].endswith(NO_EOL)):
            continue
        merged.append(line)
    return merged


def _align(lines: _Lines, i0: int, i1: int, j0: int, j1: int) -> list[str]:
    """expected[i0:i1] against actual[j0:j1], written in the expectation's terms."""
    if i0 == i1:
        return [lines.written(j) for j in range(j0, j1)]
    if (i1 - i0 + 1) * (j1 - j0 + 1) > GAP_CELLS:
        return _pairwise(lines, i0, i1, j0, j1)
    return _edit_distance(lines, i0, i1, j0, j1)


def _pairwise(lines: _Lines, i0: int, i1: int, j0: int, j1: int) -> list[str]:
    """A huge gap with nothing equal in it: pair lines in order (a pattern kept where it matches)."""
    out: list[str] = []
    i, j = i0, j0
    while i < i1 and j < j1:
        e = lines.expected[i]
        if e.kind == "ellipsis":
            out.append("...")  # it takes what is left of the gap's output; later expected lines are missing
            return out
        out.append(e.source if lines.matches(i, j) else lines.written(j))
        i, j = i + 1, j + 1
    return out + [lines.written(k) for k in range(j, j1)]


def _edit_distance(lines: _Lines, i0: int, i1: int, j0: int, j1: int) -> list[str]:
    expected = lines.expected
    n, m = i1 - i0, j1 - j0
    edit = m + 1  # an edit costs more than all absorptions together; a line swallowed by ... costs 1
    cost = [[0] * (m + 1) for _ in range(n + 1)]  # cost[i][j]: expected[i0+i:i1] against actual[j0+j:j1]
    for j in range(m - 1, -1, -1):
        cost[n][j] = cost[n][j + 1] + edit
    hit = [[False] * m for _ in range(n)]
    for i in range(n - 1, -1, -1):
        ellipsis = expected[i0 + i].kind == "ellipsis"
        row, below, hits = cost[i], cost[i + 1], hit[i]
        row[m] = below[m] + (0 if ellipsis else edit)
        for j in range(m - 1, -1, -1):
            if ellipsis:
                row[j] = min(below[j], row[j + 1] + 1)
            elif lines.matches(i0 + i, j0 + j):
                hits[j] = True
                row[j] = below[j + 1]
            else:
                row[j] = edit + min(below[j], row[j + 1], below[j + 1])
    out: list[str] = []
    i = j = 0
    absorbing = False
    while i < n or j < m:
        e = expected[i0 + i] if i < n else None
        if e is not None and e.kind == "ellipsis":
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
        elif e is not None and j < m and hit[i][j] and cost[i][j] == cost[i + 1][j + 1]:
            out.append(e.source)
            i, j = i + 1, j + 1
        elif e is not None and j < m and cost[i][j] == edit + cost[i + 1][j + 1]:
            out.append(lines.written(j0 + j))  # replaced
            i, j = i + 1, j + 1
        elif j < m and (e is None or cost[i][j] == edit + cost[i][j + 1]):
            out.append(lines.written(j0 + j))  # extra
            j += 1
        else:
            i += 1  # missing: dropped
    return out


# Control characters (raw in a hand-written expected line) and trailing white space, made visible in diffs.
_PICTURES = {**{chr(c): chr(0x2400 + c) for c in range(32)}, "\x7f": "\u2421"}
_TRAILING = re.compile(r"[ \t]+$")
LEGEND = "(in the diff, ␠ marks a trailing space and ␉ ␍ ␛ ... a control character: the file has them as they are)"


def visible(line: str) -> str:
    """``line`` with trailing spaces and control characters shown (U+2420 ␠, U+2409 ␉, ...)."""
    m = _TRAILING.search(line)
    if m:
        line = line[: m.start()] + m.group().replace(" ", "\u2420")
    return "".join(_PICTURES.get(c, c) for c in line)


def unified_diff(expected: Sequence[str], actual: Sequence[str], label: str, first_line: int = 1) -> str:
    """A unified diff whose hunk headers carry the scenario file's line numbers (``first_line`` is the file
    line of ``expected[0]``; the actual side is numbered as the file would be after ``--update-expected``).
    Trailing spaces and control characters are made visible, with a legend when there are any."""
    out = [f"--- expected ({label})", "+++ actual"]
    shown = False
    matcher = difflib.SequenceMatcher(None, list(expected), list(actual), autojunk=False)
    for group in matcher.get_grouped_opcodes(3):
        i1, i2, j1, j2 = group[0][1], group[-1][2], group[0][3], group[-1][4]
        out.append(f"@@ -{_range(first_line + i1, i2 - i1)} +{_range(first_line + j1, j2 - j1)} @@")
        for tag, a1, a2, b1, b2 in group:
            for prefix, lines in (
                ((" ", expected[a1:a2]),) if tag == "equal" else (("-", expected[a1:a2]), ("+", actual[b1:b2]))
            ):
                for line in lines:
                    seen = visible(line)
                    shown = shown or seen != line
                    out.append(prefix + seen)
    if len(out) == 2:
        return ""
    return "\n".join([*out, LEGEND] if shown else out)


def _range(start: int, length: int) -> str:
    """A hunk range as diff writes it: ``start,length``; an empty range names the line before it."""
    if length == 1:
        return str(start)
    return f"{start - 1 if length == 0 else start},{length}"
