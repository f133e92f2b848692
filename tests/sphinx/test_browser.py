"""Drive Debian's chromium through Playwright over a small site built with the real docs/conf.py.

Checks what only a browser can: tabs of the same axis switch together across scenarios, the copy
button copies commands without prompts or output, and the results page renders. Screenshots go to
build/screenshots/.
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sphinx.cmd.build import build_main

REPO = Path(__file__).resolve().parents[2]
# Debian's chromium (apt-get install -y chromium), else the Google Chrome that GitHub's Ubuntu runners ship.
CANDIDATES = (os.environ.get("HARNESS_CHROMIUM", ""), "/usr/bin/chromium", "/usr/bin/google-chrome")
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

playwright_sync = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
if not CHROMIUM.exists():
    pytest.skip(
        f"no browser at {', '.join(map(str, BROWSERS))} (apt-get install -y chromium, or set HARNESS_CHROMIUM)",
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
    pages = {"page": PAGE, "results": "Results\n=======\n\n.. scenario-results::\n"}
    cells = [("create", {"platform": "debian-bookworm", "env": e}, "passed", "") for e in ("venv", "uv")]
    cells.append(("install", {"platform": "debian-bookworm", "env": "uv"}, "failed", "output differs"))
    src = docs.make_tree(root, pages, {"create": CREATE, "install": INSTALL}, docs.results_doc(cells))
    out = root / "html"
    args = ["-q", "-E", "-W", "-b", "html", "-c", str(REPO / "docs")]
    args += ["-D", f"scenario_dir={src / 'scenarios'}", "-D", f"scenario_results={src / 'results' / '*.json'}"]
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
    second_set = page.locator(".tab-set").nth(1)
    assert second_set.get_by_text("$ uv pip install").is_visible()
    assert not second_set.get_by_text("-m pip install").is_visible()
    shot(page, "tabs-synced")


def test_copy_button_copies_only_commands(page, site: str) -> None:
    page.goto(f"{site}/page.html")
    block = page.locator(".tab-set").nth(1).locator(".tab-content").nth(0).locator(".highlight")
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


@pytest.fixture(scope="module")
def real_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The project's own docs, built as ``nox -s docs`` builds them (without results), served locally."""
    out = tmp_path_factory.mktemp("real-site") / "html"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SCENARIO_RESULTS", str(out.parent / "no-results" / "*.json"))
        assert build_main(["-q", "-E", "-b", "html", str(REPO / "docs"), str(out)]) == 0
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


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
