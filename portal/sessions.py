"""Session lifetimes: an idle limit, an absolute limit, and a cookie renewed only when needed.

Flask re-signs a permanent session's cookie on every response by default, so a copied cookie
lives as long as someone uses it. Here the cookie is written only when the session changes,
and while in use at most every ``SESSION_RENEW_SECONDS`` (the idle clock moves forward).
Every sign-in stores its time; a session older than ``SESSION_ABSOLUTE_SECONDS`` or idle
longer than ``PERMANENT_SESSION_LIFETIME`` is ended on its next request.
"""

from __future__ import annotations

import time

from flask import Flask, current_app, flash, g, session
from flask_babel import gettext as _
from flask_login import user_logged_in

#: Session keys: when the user signed in, and when the session was last seen in use.
SIGNED_IN_AT = "signed_in_at"
SEEN_AT = "seen_at"
#: Flask-Login's key for the signed-in user's id.
USER_KEY = "_user_id"


def _now() -> int:
    return int(time.time())


def _stamp_sign_in(_app, user=None, **_extra) -> None:
    """On every sign-in (Flask-Login's signal): start both clocks."""
    now = _now()
    session[SIGNED_IN_AT] = now
    session[SEEN_AT] = now


def session_expired(now: int | None = None) -> bool:
    """Whether the signed-in session has passed its absolute or idle lifetime.

    A signed-in session without a sign-in time (made before this rule existed, or forged
    without it) counts as expired.
    """
    now = _now() if now is None else now
    cfg = current_app.config
    signed_in_at = session.get(SIGNED_IN_AT)
    seen_at = session.get(SEEN_AT, signed_in_at)
    if not isinstance(signed_in_at, int) or not isinstance(seen_at, int):
        return True
    if now - signed_in_at >= cfg["SESSION_ABSOLUTE_SECONDS"]:
        return True
    return now - seen_at >= int(current_app.permanent_session_lifetime.total_seconds())


def _check_session() -> None:
    if USER_KEY not in session:
        return
    if session_expired():
        lang = session.get("lang")
        session.clear()
        g.pop("_login_user", None)
        if lang:
            session["lang"] = lang
        flash(_("Du har loggats ut eftersom inloggningen var för gammal. Logga in igen."), "info")
        return
    now = _now()
    if now - session.get(SEEN_AT, 0) >= current_app.config["SESSION_RENEW_SECONDS"]:
        session[SEEN_AT] = now  # marks the session modified: the cookie is renewed once


def init_app(app: Flask) -> None:
    """Check every request's session; stamp every sign-in."""
    app.before_request(_check_session)
    user_logged_in.connect(_stamp_sign_in, app)
