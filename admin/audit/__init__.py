"""The audit log, searchable by administrators (product A10)."""
