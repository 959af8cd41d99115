"""Navigation entries per audience; each blueprint registers its own at import time."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app
from flask_login import current_user
from markupsafe import Markup, escape

#: audience -> [(order, endpoint, label)]. Audiences: applicant and the staff role values.
_NAV: dict[str, list[tuple[int, str, object]]] = {}
#: endpoint -> a function giving the badge after its label (e.g. an unread count), or None.
_BADGES: dict[str, Callable[[], Markup | None]] = {}


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
    return [(e, _badged(e, label)) for _, e, label in _NAV.get(audience, []) if e in views]


def register_badge(endpoint: str, badge: Callable[[], Markup | None]) -> None:
    """Show ``badge()`` (markup, or None for nothing) after an entry's label."""
    _BADGES[endpoint] = badge


def _badged(endpoint: str, label):
    badge = _BADGES.get(endpoint)
    extra = badge() if badge else None
    return Markup("{} {}").format(escape(label), extra) if extra else label
