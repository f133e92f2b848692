"""Tools for a docs tree: which shell snippets are tested (coverage), and scenario skeletons from a page (extract).

A face-level package: it reads docs through Sphinx and writes scenario text; it never runs anything.
"""

REPORT_FORMATS = ("text", "markdown", "json")  # of coverage reports: here, so the CLI lists them without Sphinx
