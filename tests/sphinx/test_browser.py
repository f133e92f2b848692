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
