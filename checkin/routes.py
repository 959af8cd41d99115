"""Check-in pages for site staff, and the device JSON API."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal import nav
from portal.access import staff_required
from portal.extensions import csrf
from portal.models import StaffRole

bp = Blueprint("checkin", __name__, template_folder="templates")
#: The device API authenticates with a device token, not a browser session, so it is exempt
#: from the cookie-based CSRF check.
api = Blueprint("checkin_api", __name__)
csrf.exempt(api)

nav.register(str(StaffRole.SITE_STAFF), "checkin.home", _l("Mina platser"))


@bp.get("/")
@staff_required(StaffRole.SITE_STAFF, StaffRole.ADMINISTRATOR)
def home():
    """Site staff's start page: their sites."""
    sites = sorted(current_user.sites, key=lambda s: s.name)
    return render_template("checkin/home.html", sites=sites)
