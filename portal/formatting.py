"""Numbers people read: durations as hours and minutes, amounts in kronor, in the reader's locale.

Everything goes through Babel (Flask-Babel's current locale), so Arabic readers get their own
digits and separators and Swedish readers "1 234 kr". Templates use the filters registered by
:func:`init_app` (``duration``, ``sek``).
"""

from __future__ import annotations

from decimal import Decimal

from flask import Flask
from flask_babel import format_decimal
from flask_babel import gettext as _


def duration(minutes: int | float | Decimal | None) -> str:
    """Minutes as hours and minutes, e.g. 1797 -> "29 tim 57 min", 60 -> "1 tim", 5 -> "5 min".

    Negative values keep their sign on the hours ("-1 tim 30 min"); ``None`` is an empty text.
    """
    if minutes is None:
        return ""
    total = int(round(float(minutes)))
    sign = "-" if total < 0 else ""
    hours, mins = divmod(abs(total), 60)
    if hours and mins:
        text = _(
            "%(hours)s tim %(minutes)s min",
            hours=format_decimal(hours, format="#,##0"),
            minutes=format_decimal(mins, format="#,##0"),
        )
    elif hours:
        text = _("%(hours)s tim", hours=format_decimal(hours, format="#,##0"))
    else:
        text = _("%(minutes)s min", minutes=format_decimal(mins, format="#,##0"))
    return sign + text


def sek(amount: int | float | Decimal | None) -> str:
    """An amount in whole kronor, grouped for the locale: 12345 -> "12 345 kr"."""
    if amount is None:
        return ""
    return _("%(amount)s kr", amount=format_decimal(amount, format="#,##0"))


def init_app(app: Flask) -> None:
    """Register the template filters ``duration`` and ``sek``."""
    app.add_template_filter(duration, "duration")
    app.add_template_filter(sek, "sek")
