"""The applicant's pages, health check, language switch and accessibility statement."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Blueprint,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal import nav
from portal.access import applicant_required
from portal.extensions import db, limiter

bp = Blueprint("portal", __name__)

nav.register("applicant", "portal.home", _l("Start"))


@bp.app_context_processor
def _nav_context():
    return {"nav_items": nav.items}


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """Liveness and database reachability, for load balancers and `make run`."""
    try:
        db.session.execute(sa.text("SELECT 1"))
        database = "ok"
    except Exception:  # noqa: BLE001 - report, never raise, from a health check
        current_app.logger.exception("health check: database unreachable")
        database = "unreachable"
    status = 200 if database == "ok" else 503
    return jsonify({"status": "ok" if status == 200 else "degraded", "database": database}), status


@bp.get("/")
def index():
    """Send each visitor to their own start page."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.start"))
    if getattr(current_user, "is_staff", False):
        from portal.auth.routes import _home_for

        return redirect(_home_for(current_user))
    return redirect(url_for("portal.home"))


@bp.get("/start")
@applicant_required
def home():
    """The applicant's start page."""
    return render_template("portal/home.html", person=current_user)


@bp.post("/language")
def set_language():
    """Switch the interface language (a form POST, so it carries a CSRF token)."""
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
    target = request.form.get("next", "/")
    # Only local paths: never an open redirect.
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        target = "/"
    return redirect(target)


@bp.get("/tillganglighet")
def accessibility():
    """The accessibility statement required of public-sector websites."""
    return render_template("portal/accessibility.html")
