"""``matrix.toml`` as data (model.py), axis constraints as globs (where.py), the user's selection (selection.py)."""
