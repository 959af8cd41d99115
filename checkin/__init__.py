"""Check-in at activity sites: personal codes, rotating site codes, scanning and sync."""
