"""Reports for IVO and the municipality (A8): figures, pages, exports and the CLI."""
