"""examples/adopting: built strictly with its baseline, its in-place page run on the local engine, its pages'
look unchanged by the in-place markup, and its Windows blocks reported."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "examples" / "adopting"


@pytest.fixture
def example(tmp_path: Path) -> Path:
    copy = tmp_path / "adopting"
    shutil.copytree(EXAMPLE, copy, ignore=shutil.ignore_patterns("build"))
    return copy


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def _scenarios(example: Path) -> subprocess.CompletedProcess[str]:
    return _run(
        ["-m", "pytest", "-p", "guideproof.pytest_plugin", "docs", "--engine", "local", "-p", "no:cacheprovider",
         "-p", "no:xdist", "--results", "build/results/example.json", "-rs"],
        example,
    )  # fmt: skip


def _build(example: Path, out: str = "build/html") -> subprocess.CompletedProcess[str]:
    return _run(["-m", "sphinx", "-W", "-E", "-n", "-q", "docs", out], example)


def _article(html: str) -> str:
    return html[html.index('<section id="'): html.index("</section>", html.rindex("</pre>"))]  # fmt: skip


def test_the_in_place_page_runs_and_the_strict_build_shows_its_verification(example):
    ran = _scenarios(example)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "1 passed" in ran.stdout and "docs/scratch.rst" in ran.stdout
    built = _build(example)
    assert built.returncode == 0, built.stderr
    page = (example / "build/html/scratch.html").read_text()
    assert "Verified on 1 of 1 cells" in page and "This machine." in page
    assert "Details on the results page" not in page  # the example has no results page: no dead sentence


def test_a_wrong_expectation_on_the_page_fails_at_its_line(example):
    page = example / "docs/scratch.rst"
    page.write_text(page.read_text().replace("   10\n", "   11\n"))
    ran = _scenarios(example)
    assert ran.returncode == 1
    assert re.search(r"output differs at docs/scratch\.rst:\d+ \[host\]", ran.stdout), ran.stdout
    assert "-11\n+10" in ran.stdout


def test_the_in_place_markup_changes_nothing_readers_see_but_the_verification_line(example):
    assert _build(example).returncode == 0
    page = example / "docs/scratch.rst"
    text = page.read_text()
    plain = re.sub(r"\.\. scenario-page::\n(   .*\n|\n)*?(?=\S)", "", text)  # no header directive
    assert plain != text and ".. scenario-page::" not in plain
    page.write_text(plain)
    (example / "docs/conf.py").write_text((example / "docs/conf.py").read_text() + 'scenario_untested = "warn"\n')
    built = _build(example, "build/plain")
    assert built.returncode == 0, built.stderr
    tested = _article((example / "build/html/scratch.html").read_text())
    untested = _article((example / "build/plain/scratch.html").read_text())
    line = r'<div class="scenario scenario-page[^"]*">\s*<p class="scenario-verification.*?</p>\s*</div>\s*'
    without_line = re.sub(line, "", tested, flags=re.S)
    assert without_line != tested
    assert without_line == untested
    assert 'class="highlight-bash' in tested and 'class="highlight-console' in tested  # lexers kept


def test_coverage_reports_the_windows_blocks_and_the_baseline_holds(example):
    ran = _run(["-m", "guideproof", "coverage", "docs", "--fail-under", "75"], example)
    assert ran.returncode == 0, ran.stderr
    assert "  docs/scratch.rst:26  bat       [Windows]" in ran.stdout
    assert "2 Windows shell blocks on 1 pages are not runnable on this matrix" in ran.stdout
    assert "(4 scenario, 2 opt-out, 2 untested, of which 2 in the baseline and 0 new)" in ran.stdout
    assert _run(["-m", "guideproof", "baseline", "docs"], example).returncode == 0
    notes = example / "docs/notes.rst"
    notes.write_text(notes.read_text() + "\n.. code-block:: bash\n\n   free -m\n")
    checked = _run(["-m", "guideproof", "baseline", "docs"], example)
    assert checked.returncode == 1 and "docs/notes.rst:16  bash  free -m" in checked.stderr
    assert _build(example).returncode == 1


def test_a_page_edited_after_its_run_is_outdated_not_verified(example):
    assert _scenarios(example).returncode == 0
    page = example / "docs/scratch.rst"
    page.write_text(page.read_text().replace("   deactivate\n", "   deactivate\n   true\n"))
    built = _build(example)
    assert built.returncode == 1
    assert "scratch.rst" in built.stderr and "outdated" in built.stderr.lower(), built.stderr
