"""Navigation entries per audience; each blueprint registers its own at import time."""

from __future__ import annotations

from flask import current_app
from flask_login import current_user

#: audience -> [(order, endpoint, label)]. Audiences: applicant and the staff role values.
_NAV: dict[str, list[tuple[int, str, object]]] = {}


def register(audience: str, endpoint: str, label, order: int = 50) -> None:
    """Add a menu entry for an audience (idempotent); lower ``order`` comes first."""
    entries = _NAV.setdefault(audience, [])
    if all(e != endpoint for _, e, _ in entries):
        entries.append((order, endpoint, label))
        entries.sort(key=lambda entry: entry[0])


def items() -> list[tuple[str, object]]:
    """The current user's menu, leaving out endpoints that are not registered."""
    if not current_user.is_authenticated:
        return []
    audience = str(current_user.role) if getattr(current_user, "is_staff", False) else "applicant"
    views = current_app.view_functions
    return [(e, label) for _, e, label in _NAV.get(audience, []) if e in views]
