"""The matrix: platforms, axes and requirements as data (``scenarios/matrix.toml``), and the cells they make."""

from guideproof.matrix.cells import Cell, cells_for
from guideproof.matrix.model import Axis, AxisValue, Matrix, Platform, Requirement, load_matrix

__all__ = ["Axis", "AxisValue", "Cell", "Matrix", "Platform", "Requirement", "cells_for", "load_matrix"]
