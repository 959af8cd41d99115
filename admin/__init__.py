"""Casework and administration: queue, assessment, plans, reconciliation, reports."""
