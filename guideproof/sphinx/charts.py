"""Per-tool charts of pass/fail by release, drawn at build time as inline SVG (readable without JavaScript).

One bar per release, oldest on the left, the years of release marked above; each bar stacks the cells that
passed (solid green), failed (red, hatched) and did not run (light grey, dotted), counting the latest run of
each cell at that release in the history (``results/history.jsonl``). Colour is never the only cue: failed is
hatched, not-run dotted, and every bar has a tooltip and the whole chart a text description.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from packaging.version import InvalidVersion, Version

from guideproof.results.history import Entry, History

PLOT_HEIGHT = 150
TOP = 46  # room for the legend and the years
LEFT = 34
BOTTOM = 62  # room for the version labels
MAX_WIDTH = 720  # drawn at its own size in the page's column, so the text is never scaled down
COLOURS = {"good": "#2e7d32", "bad": "#c62828", "other": "#d0d0d0"}


@dataclass(frozen=True)
class Bar:
    version: str
    released: str  # YYYY-MM-DD or ""
    good: int
    bad: int
    other: int

    @property
    def total(self) -> int:
        return self.good + self.bad + self.other

    def describe(self, tool: str) -> str:
        when = f" (released {self.released})" if self.released else ""
        parts = [f"{self.good} passed", f"{self.bad} failed"] + ([f"{self.other} not run"] if self.other else [])
        return f"{tool} {self.version}{when}: {', '.join(parts)}"


def _order(version: str) -> tuple[int, Version | str]:
    try:
        return (0, Version(version))
    except InvalidVersion:
        return (1, version)


def bars(history: History, tool: str) -> list[Bar]:
    """One bar per release of ``tool`` (local builds, which have no release date and a hash, are left out)."""
    out = []
    for version, cells in history.latest(tool).items():
        entries: list[Entry] = [e for e in cells.values() if not e.sha256]
        if not entries:
            continue
        good = sum(e.outcome.good for e in entries)
        bad = sum(e.outcome.bad for e in entries)
        released = max((e.released for e in entries), default="")
        out.append(Bar(version, released, good, bad, len(entries) - good - bad))
    return sorted(out, key=lambda b: _order(b.version))


def render_svg(tool: str, chart_bars: list[Bar], ident: str) -> str:
    """The chart as an ``<svg>`` element; ``ident`` keeps pattern ids unique on a page."""
    if not chart_bars:
        return ""
    count = len(chart_bars)
    pitch = max(6.0, min(22.0, (MAX_WIDTH - LEFT - 10) / count))  # more than ~100 releases: wider, scrolls
    width = LEFT + pitch * count + 10
    height = TOP + PLOT_HEIGHT + BOTTOM
    top = max(b.total for b in chart_bars) or 1
    scale = PLOT_HEIGHT / top
    base = TOP + PLOT_HEIGHT
    title_id, desc_id = f"{ident}-title", f"{ident}-desc"
    good_total = sum(b.good for b in chart_bars)
    bad_total = sum(b.bad for b in chart_bars)
    summary = (
        f"{count} releases of {tool} from {chart_bars[0].version} to {chart_bars[-1].version}; "
        f"{good_total} cell runs passed and {bad_total} failed. "
        + "; ".join(b.describe(tool) for b in chart_bars if b.bad)
    )
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="tool-chart" role="img" width="{width:.0f}"'
        f' height="{height}" viewBox="0 0 {width:.0f} {height}" aria-labelledby="{title_id} {desc_id}"'
        ' font-family="sans-serif">',
        f'<title id="{title_id}">{escape(tool)}: cells passed and failed by release</title>',
        f'<desc id="{desc_id}">{escape(summary)}</desc>',
        "<defs>",
        f'<pattern id="{ident}-hatch" patternUnits="userSpaceOnUse" width="5" height="5"'
        ' patternTransform="rotate(45)">'
        f'<rect width="5" height="5" fill="{COLOURS["bad"]}"/>'
        '<line x1="0" y1="0" x2="0" y2="5" stroke="#fff" stroke-width="2"/></pattern>',
        f'<pattern id="{ident}-dots" patternUnits="userSpaceOnUse" width="4" height="4">'
        f'<rect width="4" height="4" fill="{COLOURS["other"]}"/><circle cx="2" cy="2" r="0.9" fill="#555"/>'
        "</pattern>",
        "</defs>",
    ]
    # Legend, top left.
    legend = (
        ("good", "", "passed"),
        ("bad", f"url(#{ident}-hatch)", "failed"),
        ("other", f"url(#{ident}-dots)", "not run"),
    )
    x = LEFT
    for kind, fill, word in legend:
        out.append(
            f'<rect class="legend-{kind}" x="{x}" y="6" width="12" height="12" fill="{fill or COLOURS[kind]}"'
            ' stroke="#333" stroke-width="0.5"/>'
        )
        out.append(f'<text x="{x + 16}" y="16" font-size="12" fill="#222">{word}</text>')
        x += 16 + 8 * len(word) + 14
    # Axis and grid.
    out.append(f'<line x1="{LEFT}" y1="{base}" x2="{width - 6:.0f}" y2="{base}" stroke="#555"/>')
    for tick in sorted({0, top // 2, top}):
        y = base - tick * scale
        out.append(f'<text x="{LEFT - 4}" y="{y + 4:.1f}" font-size="11" text-anchor="end" fill="#222">{tick}</text>')
        if tick:
            out.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{width - 6:.0f}" y2="{y:.1f}" stroke="#e0e0e0"/>')
    # Bars, years, version labels.
    label_every = max(1, round(11 / pitch))
    year = ""
    for i, bar in enumerate(chart_bars):
        x0 = LEFT + i * pitch + 1
        bar_width = max(3.0, pitch - 2)
        if bar.released[:4] and bar.released[:4] != year:
            year = bar.released[:4]
            out.append(
                f'<line x1="{x0 - 1:.1f}" y1="{TOP - 14}" x2="{x0 - 1:.1f}" y2="{base}" stroke="#999"'
                ' stroke-dasharray="2,2"/>'
            )
            out.append(f'<text x="{x0 + 1:.1f}" y="{TOP - 4}" font-size="11" fill="#222">{year}</text>')
        out.append(f'<g class="bar" data-version="{escape(bar.version)}"><title>{escape(bar.describe(tool))}</title>')
        y = float(base)
        for kind, value, fill in (
            ("good", bar.good, COLOURS["good"]),
            ("bad", bar.bad, f"url(#{ident}-hatch)"),
            ("other", bar.other, f"url(#{ident}-dots)"),
        ):
            if not value:
                continue
            h = value * scale
            y -= h
            out.append(
                f'<rect class="bar-{kind}" x="{x0:.1f}" y="{y:.1f}" width="{bar_width:.1f}" height="{h:.1f}"'
                f' fill="{fill}"/>'
            )
        out.append("</g>")
        if i % label_every == 0 or i == count - 1:
            cx = x0 + bar_width / 2 + 3.5
            out.append(
                f'<text x="{cx:.1f}" y="{base + 6}" font-size="10" fill="#222" text-anchor="end"'
                f' transform="rotate(-90 {cx:.1f} {base + 6})">{escape(bar.version)}</text>'
            )
    out.append("</svg>")
    return "\n".join(out)


def failing_spans(chart_bars: list[Bar]) -> list[str]:
    """The runs of consecutive releases with a failing cell: ``["20.0.0 to 20.21.0 (22 releases)", "21.3.0"]``."""
    spans: list[list[Bar]] = []
    previous_bad = False
    for bar in chart_bars:
        if bar.bad and previous_bad:
            spans[-1].append(bar)
        elif bar.bad:
            spans.append([bar])
        previous_bad = bool(bar.bad)
    return [s[0].version if len(s) == 1 else f"{s[0].version} to {s[-1].version} ({len(s)} releases)" for s in spans]
