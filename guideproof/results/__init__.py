"""Results of a run: one typed record per cell (record.py), the JSON file (store.py), comparisons (compare.py)."""
