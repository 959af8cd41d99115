"""Template filters for every blueprint's templates, registered once on the ``portal``
blueprint: months, kronor, hours, capitalising, and absences in plain words."""

from __future__ import annotations

from datetime import time, timedelta

from flask_babel import format_date, format_decimal, ngettext
from flask_babel import gettext as _

from portal.blueprint import bp
from portal.errors import DomainError
from portal.formatting import duration
from portal.i18n import to_local
from portal.services import applications


@bp.app_template_filter("portal_month")
def month_name(key: str) -> str:
    """'2026-03' as 'mars 2026' in the user's language."""
    try:
        return format_date(applications.month_start(key), "LLLL yyyy")
    except DomainError:
        return key


@bp.app_template_filter("kr")
def _kronor(amount: int | None) -> str:
    """Whole kronor with thousands separators, e.g. '12 500 kr'."""
    if amount is None:
        return ""
    return _("%(amount)s kr", amount=format_decimal(amount, format="#,##0"))


@bp.app_template_filter("hours_text")
def _hours_text(minutes: int) -> str:
    """Minutes as "1 timme", "3 timmar" or "29 tim 57 min" in the user's language."""
    if minutes % 60 == 0:
        return ngettext("%(num)s timme", "%(num)s timmar", minutes // 60)
    return duration(minutes)


@bp.app_template_filter("hours_decimal")
def _hours_decimal(value) -> str:
    """Hours (a Decimal, e.g. 12.5) as hours and minutes ("12 tim 30 min") or "12 timmar"."""
    return _hours_text(int(round(value * 60)))


@bp.app_template_filter("ucfirst")
def _ucfirst(text: str) -> str:
    """Capitalise the first letter only (Jinja's capitalize lowercases the rest)."""
    return text[:1].upper() + text[1:]


@bp.app_template_filter("absence_period")
def _absence_period(report) -> str:
    """An absence in plain words: whole days, or a day with clock times (Stockholm time)."""
    start, end = to_local(report.from_at), to_local(report.to_at)
    midnight = time(0)
    if start.time() == midnight and end.time() == midnight:
        last = end.date() - timedelta(days=1)
        if last == start.date():
            return _("%(day)s, hela dagen", day=format_date(start.date(), "EEEE d MMMM yyyy"))
        return _(
            "%(first)s – %(last)s, hela dagar",
            first=format_date(start.date(), "EEEE d MMMM"),
            last=format_date(last, "EEEE d MMMM yyyy"),
        )
    if start.date() == end.date():
        return _(
            "%(day)s kl. %(start)s–%(end)s",
            day=format_date(start.date(), "EEEE d MMMM yyyy"),
            start=start.strftime("%H:%M"),
            end=end.strftime("%H:%M"),
        )
    return _(
        "%(first)s kl. %(start)s – %(last)s kl. %(end)s",
        first=format_date(start.date(), "EEEE d MMMM"),
        start=start.strftime("%H:%M"),
        last=format_date(end.date(), "EEEE d MMMM yyyy"),
        end=end.strftime("%H:%M"),
    )
