"""Casework: application queue and decisions, assessment, absence review, decision support."""
