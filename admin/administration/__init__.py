"""Administration in the browser: staff users and roles, units and intake, dated municipality
settings with a what-if, and the yearly national norm. Administrators only."""
