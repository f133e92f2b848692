"""Scenario files: lexer → parser → model. ``load`` is the one entry point."""

from guideproof.scenario.model import Branch, Expected, Prose, Scenario, Step, Switch, XFail
from guideproof.scenario.parser import load, parse

__all__ = ["Branch", "Expected", "Prose", "Scenario", "Step", "Switch", "XFail", "load", "parse"]
