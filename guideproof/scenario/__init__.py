"""Scenario files: lines.py classifies lines, header.py and parser.py build the model (model.py); load() reads one."""
