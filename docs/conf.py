"""Sphinx configuration for the tested Python packaging guide."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # `guideproof` is importable without installing the project

project = "Tested Python packaging guide"
author = "The guideproof maintainers"
copyright = "the guideproof maintainers"

extensions = [
    "guideproof.sphinx",  # also sets up sphinx_inline_tabs
    "sphinx_copybutton",
]

html_theme = "furo"
html_title = project
exclude_patterns = ["_build"]

# Scenarios, their matrix, and the results files of scenario runs (relative to this directory).
# SCENARIO_RESULTS overrides the results files: paths or globs separated by os.pathsep.
scenario_dir = "../scenarios"
scenario_results = os.environ.get("SCENARIO_RESULTS", "../build/results/*.json").split(os.pathsep)
scenario_history = "../results/history.jsonl"  # tool runs (regression, compat), drawn on the tool releases page
scenario_mutants = "../results/mutants.json"  # the last mutation run (nox -s mutants), on maintainers/results

# The copy button copies only commands: the "$ " and "> " prompts are removed, output is left out.
copybutton_prompt_text = r"\$ |> "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = True
copybutton_copy_empty_lines = False
