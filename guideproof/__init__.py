"""Run a guide's shell snippets as scenarios across a matrix of platforms and environment modes."""

__version__ = "0.2.0"
