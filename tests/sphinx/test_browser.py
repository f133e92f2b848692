"""Drive Debian's chromium through Playwright over a small site built with the real docs/conf.py.

Checks what only a browser can: tabs of the same axis switch together across scenarios, the copy
button copies commands without prompts or output, and the results page renders. Screenshots go to
build/screenshots/.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sphinx.cmd.build import build_main

from guideproof.results.history import append, entries_from_results
from guideproof.results.store import Results

REPO = Path(__file__).resolve().parents[2]
# Debian's chromium (apt-get install -y chromium), else the Google Chrome that GitHub's Ubuntu runners ship.
CANDIDATES = (os.environ.get("GUIDEPROOF_CHROMIUM", ""), "/usr/bin/chromium", "/usr/bin/google-chrome")
BROWSERS = [Path(p) for p in CANDIDATES if p]
CHROMIUM = next((b for b in BROWSERS if b.exists()), BROWSERS[0])
SCREENSHOTS = REPO / "build" / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.browser

playwright_sync = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
if not CHROMIUM.exists():
    pytest.skip(
        f"no browser at {', '.join(map(str, BROWSERS))} (apt-get install -y chromium, or set GUIDEPROOF_CHROMIUM)",
        allow_module_level=True,
    )

CREATE = """
+++
title = "Create an environment"
axes = ["env"]
+++
#if env=venv
  $ python3 -m venv .venv
#elif env=uv
  $ uv venv .venv
  Using CPython 3.11.2 (re)
#endif
"""

INSTALL = """
+++
title = "Install into it"
axes = ["env"]
+++
#if env=venv
  $ .venv/bin/python -m pip install \\
  >   requests
  ...
  Successfully installed * (glob)
#elif env=uv
  $ uv pip install
  > requests
  Installed 5 packages
#endif
"""

PAGE = """
Two scenarios
=============

.. scenario:: create

Then install:

.. scenario:: install
"""

TOOLS = """
Tool releases
=============

.. tool-history:: virtualenv

.. compat-map:: compat/virtualenv.json
"""
ALONE = "+++\ntitle = 'No axis'\n+++\n  $ true\n"
MANY = [f"tier1/s{n:02}" for n in range(1, 11)]  # with the two below: 64 cells, about today's matrix
OUTCOMES = ("passed", "passed", "passed", "failed", "skipped", "passed", "xfailed", "error", "passed")


def many_cells() -> list[tuple[str, dict[str, str], str, str]]:
    cells = []
    for n, name in enumerate(MANY):
        for m, (platform, env) in enumerate(
            (p, e) for p in ("debian-bookworm", "debian-trixie") for e in ("venv", "venv-copies", "uv")
        ):
            outcome = OUTCOMES[(n + m) % len(OUTCOMES)]
            cells.append((name, {"platform": platform, "env": env}, outcome, "" if outcome == "passed" else "why"))
    cells += [("tier2/alone", {"platform": p}, "passed", "") for p in ("debian-bookworm", "debian-trixie")]
    return cells


# 40 releases, two a year from 2020; on Debian 13 the first 22 fail.
COMPAT_RELEASES = [(f"20.{n}.0", f"{2020 + n // 8}-{n % 8 + 1:02}-15") for n in range(40)]

SELECTED_TABS = """() => Array.from(document.querySelectorAll('.tab-set')).map(
  set => Array.from(set.querySelectorAll('input.tab-input')).find(i => i.checked).nextElementSibling.textContent)"""

RECORD_COPIES = """document.addEventListener('copy', e => {
  const t = e.target;
  window.__copied = (t && 'value' in t) ? t.value.slice(t.selectionStart, t.selectionEnd)
                                        : String(document.getSelection());
}, true);"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, docs) -> Iterator[str]:
    root = tmp_path_factory.mktemp("browser")
    pages = {"page": PAGE, "results": "Results\n=======\n\n.. scenario-results::\n", "tools": TOOLS}
    cells = [("create", {"platform": "debian-bookworm", "env": e}, "passed", "") for e in ("venv", "uv")]
    cells.append(("install", {"platform": "debian-bookworm", "env": "uv"}, "failed", "output differs"))
    scenarios = {"create": CREATE, "install": INSTALL, **{name: docs.echo for name in MANY}, "tier2/alone": ALONE}
    src = docs.make_tree(root, pages, scenarios, docs.results_doc(cells + many_cells()))
    (src / "compat").mkdir()
    compat = docs.compat_doc("tier1/s01", COMPAT_RELEASES, broken=22)
    (src / "compat" / "virtualenv.json").write_text(json.dumps(compat), encoding="utf-8")
    history_file = root / "history.jsonl"
    append(history_file, entries_from_results(Results.from_json(compat), "compat"))
    out = root / "html"
    args = ["-q", "-E", "-W", "-b", "html", "-c", str(REPO / "docs")]
    args += ["-D", f"scenario_dir={src / 'scenarios'}", "-D", f"scenario_results={src / 'results' / '*.json'}"]
    args += ["-D", f"scenario_history={history_file}"]
    assert build_main([*args, str(src), str(out)]) == 0
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright_sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser, site: str):
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site)
    context.add_init_script(RECORD_COPIES)
    page = context.new_page()
    yield page
    context.close()


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_tabs_of_the_same_axis_switch_together(page, site: str) -> None:
    page.goto(f"{site}/page.html")
    assert page.evaluate(SELECTED_TABS) == ["venv", "venv"]
    first_set = page.locator(".tab-set").nth(0)
    first_set.locator("label.tab-label", has_text="uv venv").click()
    assert page.evaluate(SELECTED_TABS) == ["uv venv", "uv venv"]
    second_set = page.locator(".tab-set").nth(1).locator(".highlight-console")  # the reader's blocks
    assert second_set.get_by_text("$ uv pip install").is_visible()
    assert not second_set.get_by_text("-m pip install").is_visible()
    shot(page, "tabs-synced")


def test_copy_button_copies_only_commands(page, site: str) -> None:
    page.goto(f"{site}/page.html")
    block = page.locator(".tab-set").nth(1).locator(".tab-content").nth(0).locator(".highlight-console .highlight")
    block.hover()
    block.locator("button.copybtn").click()
    page.wait_for_function("() => window.__copied !== undefined")
    copied = page.evaluate("() => window.__copied")
    assert copied == ".venv/bin/python -m pip install \\\n  requests"
    try:
        clipboard = page.evaluate("() => navigator.clipboard.readText()")
    except playwright_sync.Error:
        clipboard = None  # reading the clipboard is not available headless here: the copy event suffices
    if clipboard:
        assert clipboard == copied
    shot(page, "copy-button")


def test_results_page(page, site: str) -> None:
    page.goto(f"{site}/results.html")
    text = page.locator("article").inner_text()
    assert "✔ passed" in text
    assert "✘ failed" in text
    assert "output differs" in text
    assert "Engine docker" in text
    shot(page, "results")
    page.goto(f"{site}/page.html")
    page.locator(".scenario-verification a").nth(1).click()
    assert page.url.endswith("results.html#result-install")


# The landing page's answer: the first screen of the real site must answer "pip + venv or conda?".
FIRST_SCREEN = {"width": 1280, "height": 800}
ANSWER = ("Start with pip and a virtual environment", "Take conda, installed with Miniforge, instead")


@contextlib.contextmanager
def serve_real_docs(out: Path, results: str) -> Iterator[str]:
    """The project's own docs, built as ``nox -s docs`` builds them with ``results`` (a glob), served locally."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SCENARIO_RESULTS", results)
        assert build_main(["-q", "-E", "-b", "html", str(REPO / "docs"), str(out)]) == 0
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def real_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The project's own docs without results."""
    out = tmp_path_factory.mktemp("real-site") / "html"
    with serve_real_docs(out, str(out.parent / "no-results" / "*.json")) as url:
        yield url


@pytest.fixture(scope="module")
def baseline_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The project's own docs with results/baseline.json: today's matrix, every cell of a full run."""
    out = tmp_path_factory.mktemp("baseline-site") / "html"
    with serve_real_docs(out, str(REPO / "results" / "baseline.json")) as url:
        yield url


def test_the_map_of_todays_matrix_fits_one_screen(browser, baseline_site: str) -> None:
    """Every cell of the baseline (3 Debian releases, 14 scenarios, the env and conda axes) in one map that
    needs no scrolling at 1200x900: not sideways, not down."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{baseline_site}/results.html")
        table = page.locator("table.results-map")
        cells = len(json.loads((REPO / "results" / "baseline.json").read_text())["cells"])
        assert table.locator("td.map-square a").count() == cells
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "results-map-baseline.png"))  # first: it shows what failed
        box, room = table.bounding_box(), page.locator(".results-map-wrap").bounding_box()
        assert box is not None and room is not None
        assert box["width"] <= room["width"], (box, room)  # the column holds it: no sideways scrolling
        assert box["y"] + box["height"] <= 900, box
    finally:
        context.close()


def test_landing_page_answers_on_the_first_screen(browser, real_site: str) -> None:
    """At 1280x800 the recommendation (both halves) is visible without scrolling; the screenshot is kept."""
    context = browser.new_context(viewport=FIRST_SCREEN)
    page = context.new_page()
    try:
        page.goto(f"{real_site}/index.html")
        for text in ANSWER:
            box = page.get_by_text(text, exact=False).first.bounding_box()
            assert box is not None, f"{text!r} is not rendered"
            assert box["y"] + box["height"] <= FIRST_SCREEN["height"], f"{text!r} ends at {box['y'] + box['height']} px"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "landing-first-screen.png"))  # the viewport: what a reader sees
    finally:
        context.close()


def test_first_screen_check_fails_for_an_answer_below_the_fold(browser, tmp_path: Path, docs) -> None:
    """The check above can fail: push the answer below 800 px and the box ends past the first screen."""
    filler = "\n\n".join(f"Paragraph {i} of preamble before the answer." for i in range(40))
    page_text = f"Landing\n=======\n\n{filler}\n\n{ANSWER[0]}.\n"
    src = docs.make_tree(tmp_path, {"index": page_text}, {})
    out = tmp_path / "html"
    assert build_main(["-q", "-E", "-b", "html", "-c", str(REPO / "docs"), str(src), str(out)]) == 0
    context = browser.new_context(viewport=FIRST_SCREEN)
    page = context.new_page()
    try:
        page.goto((out / "index.html").as_uri())
        box = page.get_by_text(ANSWER[0], exact=False).first.bounding_box()
        assert box is not None and box["y"] + box["height"] > FIRST_SCREEN["height"]
    finally:
        context.close()


def test_results_map_fits_one_screen_and_links_each_square_to_its_row(page, site: str) -> None:
    page.goto(f"{site}/results.html")
    table = page.locator("table.results-map")
    assert table.is_visible()
    squares = table.locator("td.map-square a")
    assert squares.count() == 65  # one square per cell: 3 + 60 + 2
    box = table.bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= 1200, box  # no sideways scrolling at 1200 px
    assert box["y"] + box["height"] <= 900, box  # on the first screen, with the page title above it
    size = page.evaluate("e => parseFloat(getComputedStyle(e).fontSize)", squares.first.element_handle())
    assert size >= 13, size  # symbols big enough to tell apart
    symbols = set(squares.all_inner_texts())
    assert symbols == {"✔", "✘", "⊘", "⊗", "⚠"}, symbols  # each outcome its own shape: no colour needed
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    table.screenshot(path=str(SCREENSHOTS / "results-map.png"))
    failed = table.locator("td.outcome-failed a").first
    title = failed.get_attribute("title")
    assert title and "failed" in title
    failed.click()
    target = page.url.rsplit("#", 1)[1]
    row = page.locator(f"tr#{target}")
    assert row.is_visible() and "failed" in row.inner_text()


def test_tool_chart_and_compat_map_render(page, site: str) -> None:
    page.goto(f"{site}/tools.html")
    chart = page.locator("svg.tool-chart")
    assert chart.is_visible()
    box = chart.bounding_box()
    assert box is not None and box["width"] >= 600 and box["height"] >= 200, box
    assert box["width"] == float(chart.get_attribute("width")), box  # drawn at its own size, never shrunk
    assert chart.locator("g.bar").count() == 40
    assert chart.locator("rect.bar-bad").count() == 22
    legend = [t for t in chart.locator("text").all_text_contents() if t in ("passed", "failed", "not run")]
    assert legend == ["passed", "failed", "not run"]
    for word in ("passed", "20.0.0", "2021"):
        text = chart.locator("text", has_text=word).first.bounding_box()
        assert text is not None and min(text["width"], text["height"]) >= 9, (word, text)  # rendered, not scaled
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    chart.screenshot(path=str(SCREENSHOTS / "tool-chart.png"))
    grid = page.locator("table.compat-map")
    assert grid.is_visible()
    assert grid.locator("td.outcome-failed").count() == 22
    shot(page, "tools")


VISIBLE_PRE = """() => Array.from(document.querySelectorAll('article pre'))
  .filter(pre => pre.offsetParent !== null).map(pre => pre.innerText)"""
PATTERN_TEXT = (" (re)", " (glob)", "\\d", "[0-9a-f]", "\\S", "\\w")


def test_security_updates_shows_output_not_patterns(browser, baseline_site: str) -> None:
    """What a reader sees on the security-updates page: no (re)/(glob) pattern text in any visible <pre>;
    the expectation is folded away for maintainers and opens with one click."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{baseline_site}/guide/tier1/security-updates.html")
        shown = page.evaluate(VISIBLE_PRE)
        assert shown, "no console block rendered"
        leaks = [(p, text) for text in shown for p in PATTERN_TEXT if p in text]
        assert not leaks, leaks
        baseline = json.loads((REPO / "results" / "baseline.json").read_text())
        ran = [c for c in baseline["cells"] if c["scenario"] == "tier1/security-updates" and c.get("steps_sha256")]
        if ran:  # a baseline with outputs (results schema 3): the page names the cell it shows
            assert page.get_by_text("Output as recorded on", exact=False).first.is_visible()
        folded = page.locator("details.scenario-expected").first
        assert not folded.locator("pre").is_visible()
        folded.locator("summary").click()
        assert folded.locator("pre").is_visible() and " (re)" in folded.locator("pre").inner_text()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "security-updates-output.png"), full_page=True)
    finally:
        context.close()
