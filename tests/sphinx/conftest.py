"""Fixtures that build small Sphinx projects in tmp: a matrix, scenario files, pages, results.

The helpers are reached through the ``docs`` fixture (the suite imports test modules with importlib).
"""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sphinx.cmd.build import build_main

MATRIX = """
[platforms.debian-bookworm]
label = "Debian 12 (bookworm)"
short = "Debian 12"
family = "debian"
image = { registry = "debian:bookworm" }

[platforms.debian-trixie]
label = "Debian 13 (trixie)"
short = "Debian 13"
family = "debian"
image = { registry = "debian:trixie" }

[axes.env.values.venv]
label = "venv"
[axes.env.values.venv-copies]
label = "venv --copies"
[axes.env.values.uv]
label = "uv venv"
"""

# A scenario run across the env axis, for pages that show or cite ``tier1/echo``.
ECHO = """
+++
title = "Echo"
axes = ["env"]
+++
  $ echo hi
  hi
"""

CONF = """
extensions = ["guideproof.sphinx", "sphinx_copybutton"]
html_theme = "furo"
scenario_dir = "scenarios"
scenario_results = ["results/*.json"]
scenario_history = "../results/history.jsonl"
copybutton_prompt_text = r"\\$ |> "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = True
copybutton_copy_empty_lines = False
"""


@dataclass
class Build:
    status: int
    out: Path
    warnings: str

    def html(self, page: str) -> str:
        return (self.out / f"{page}.html").read_text(encoding="utf-8")

    def text(self, page: str) -> str:
        """The page's article text with tags removed and entities decoded, whitespace collapsed."""
        import html

        body = self.html(page)
        article = re.search(r"<article.*?</article>", body, re.S)
        plain = re.sub(r"<[^>]+>", "", article.group(0) if article else body)
        return re.sub(r"\s+", " ", html.unescape(plain))


def make_tree(
    root: Path,
    pages: dict[str, str],
    scenarios: dict[str, str],
    results: dict[str, Any] | None = None,
) -> Path:
    src = root / "src"
    (src / "scenarios").mkdir(parents=True)
    (src / "conf.py").write_text(CONF, encoding="utf-8")
    (src / "scenarios" / "matrix.toml").write_text(MATRIX, encoding="utf-8")
    for name, body in scenarios.items():
        path = src / "scenarios" / f"{name}.scenario"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(body).lstrip("\n"), encoding="utf-8")
    toctree = "\n".join(f"   {name}" for name in pages if name != "index")
    index = pages.get("index", "Index\n=====\n")
    (src / "index.rst").write_text(f"{index}\n\n.. toctree::\n\n{toctree}\n", encoding="utf-8")
    for name, body in pages.items():
        if name != "index":
            (src / f"{name}.rst").write_text(textwrap.dedent(body).lstrip("\n"), encoding="utf-8")
    if results is not None:
        write_results(src, results)
    return src


def write_results(src: Path, results: dict[str, Any], name: str = "run.json") -> None:
    (src / "results").mkdir(exist_ok=True)
    (src / "results" / name).write_text(json.dumps(results), encoding="utf-8")


def build(src: Path, out: Path, strict: bool = True, fresh: bool = True) -> Build:
    warnfile = out.parent / f"{out.name}-warnings.txt"
    args = ["-b", "html", "-q", "-n", "-w", str(warnfile)] + (["-E"] if fresh else [])
    if strict:
        args += ["-W", "--keep-going"]
    status = build_main([*args, str(src), str(out)])
    warnings = warnfile.read_text(encoding="utf-8") if warnfile.exists() else ""
    return Build(status, out, warnings)


def results_doc(cells: list[tuple[str, dict[str, str], str, str]]) -> dict[str, Any]:
    """A results document: ``(scenario, cell, outcome, reason)`` per cell."""
    run = {
        "engine": "docker",
        "started": "2026-11-24T10:00:00+00:00",
        "finished": "2026-11-24T10:20:00+00:00",
        "host": "ci-1",
        "harness_version": "0.1.0",
    }
    records = [
        {
            "scenario": scenario,
            "title": f"Title of {scenario}",
            "file": f"scenarios/{scenario}.scenario",
            "cell": cell,
            "outcome": outcome,
            "reason": reason,
            "duration_s": 1.5,
            "failed_line": 7 if outcome == "failed" else None,
            "versions": {"python": "3.11.2", "pip": "23.0.1"},
            "detail": "",
            "link": None,
        }
        for scenario, cell, outcome, reason in cells
    ]
    return {"run": run, "cells": records}


def compat_doc(scenario: str, releases: list[tuple[str, str]], broken: int) -> dict[str, Any]:
    """A compat run's results: ``scenario`` on Debian 12 and 13 at each (version, release date); on Debian 13
    the first ``broken`` releases fail (as virtualenv's oldest do on Python 3.13)."""
    cells = []
    for n, (version, _) in enumerate(releases):
        for platform in ("debian-bookworm", "debian-trixie"):
            fails = platform == "debian-trixie" and n < broken
            cells.append(
                {
                    "scenario": scenario,
                    "cell": {"platform": platform, "env": "venv"},
                    "tools": {"virtualenv": version},
                    "outcome": "failed" if fails else "passed",
                    "reason": "No module named 'pipes'" if fails else "",
                }
            )
    tools = [
        {"tool": "virtualenv", "spec": "20.0.0..latest", "version": v, "source": "index", "released": d}
        for v, d in releases
    ]
    run = {
        "engine": "docker",
        "started": "2026-11-26T10:00:00+00:00",
        "finished": "2026-11-26T11:00:00+00:00",
        "host": "vm",
        "harness_version": "0.2.0",
        "tools": tools,
    }
    return {"run": run, "cells": cells}


class Docs:
    """What the ``docs`` fixture hands a test."""

    make_tree = staticmethod(make_tree)
    build = staticmethod(build)
    results_doc = staticmethod(results_doc)
    compat_doc = staticmethod(compat_doc)
    write_results = staticmethod(write_results)
    matrix = MATRIX
    echo = ECHO


@pytest.fixture(scope="session")
def docs() -> Docs:
    return Docs()
