"""Reconciliation dashboards: who is fulfilled, pending review or short, down to the scan."""
