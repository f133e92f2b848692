"""pytest integration: collect ``*.scenario`` files, one item per cell; results and updates at the end.

Opt-in: ``pytest -p guideproof.pytest_plugin scenarios/`` (or ``addopts = ["-p", "guideproof.pytest_plugin"]``).
No ``pytest11`` entry point loads it into every pytest session of an environment that has guideproof installed.
"""

from guideproof.pytest_plugin.plugin import (
    pytest_addoption,
    pytest_collect_file,
    pytest_configure,
    pytest_report_header,
    pytest_runtest_makereport,
)

__all__ = [
    "pytest_addoption",
    "pytest_collect_file",
    "pytest_configure",
    "pytest_report_header",
    "pytest_runtest_makereport",
]
