"""Tool releases a run varies: ``--tool`` specs and ranges, the package index, local builds, compat and bisect."""
