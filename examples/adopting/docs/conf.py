"""An example docs project adopting guideproof gradually (see ../README.md)."""

project = "guideproof adoption example"
extensions = ["guideproof.sphinx"]

# The matrix the pages tested in place run on (the pytest plugin finds the same file above the pages).
scenario_matrix = "../matrix.toml"
# What the last run proved; with no file yet, every tested page says "Not yet verified".
scenario_results = ["../build/results/*.json"]
# Known-untested snippets: a strict build fails only on a new one (guideproof baseline docs --update).
scenario_untested_baseline = "untested-baseline.json"
