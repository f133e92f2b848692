"""Scenario files: lines.py classifies lines, header.py and parser.py build the model (model.py); load() reads one,
and catalog.py reads each of a run's files with its matrix once."""
