"""``matrix.toml`` as data (model.py) and axis constraints as globs (where.py)."""
