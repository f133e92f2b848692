"""Which cells run: a file's cells, planned in one visit to each layer below (cells.py), and shared prefixes."""
