"""The scenario files a run reads, each with its matrix: found, read and parsed once.

A file's matrix is the nearest ``matrix.toml`` (:func:`~guideproof.scenario.discover.find_matrix`), and the
scenario is named from that matrix's directory. A docs page tested in place (``.rst``) is read as a scenario too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from guideproof.errors import UserError
from guideproof.matrix.model import Matrix, load_matrix
from guideproof.scenario.discover import MATRIX_FILE, find_matrix
from guideproof.scenario.model import Scenario
from guideproof.scenario.page import PAGE_SUFFIXES, load_page
from guideproof.scenario.parser import load


@dataclass
class Catalog:
    """What a run has read: matrices by the path of their ``matrix.toml``, scenarios by their file's path."""

    _matrices: dict[Path, Matrix] = field(default_factory=dict)
    _scenarios: dict[Path, tuple[Scenario, Matrix]] = field(default_factory=dict)

    def load(self, path: Path) -> tuple[Scenario, Matrix]:
        """The scenario at ``path`` (a scenario file or a docs page), parsed against its matrix, and the matrix."""
        if path not in self._scenarios:
            matrix_path = find_matrix(path)
            if matrix_path is None:
                raise UserError(f"{path}: no {MATRIX_FILE} in this directory or any parent")
            matrix = self.matrix(matrix_path)
            if path.suffix in PAGE_SUFFIXES:
                scenario = load_page(path, matrix).scenario
            else:
                scenario = load(path, matrix_path.parent, matrix)
            self._scenarios[path] = scenario, matrix
        return self._scenarios[path]

    def matrix(self, path: Path) -> Matrix:
        """The matrix read from the ``matrix.toml`` at ``path``."""
        if path not in self._matrices:
            self._matrices[path] = load_matrix(path)
        return self._matrices[path]
