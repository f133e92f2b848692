"""Running a cell: match actual output against expectations and produce a result."""
