"""Results of a run as JSON: written by the pytest plugin, read by the docs and by compare/merge."""

from guideproof.results.store import RunInfo, cell_record, load_results, merge_results, write_results

__all__ = ["RunInfo", "cell_record", "load_results", "merge_results", "write_results"]
