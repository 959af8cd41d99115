"""How check-in puts numbers into words: distances (metres or kilometres, with the
language's separators) and a clock that is ahead or behind, with correct plurals."""

from __future__ import annotations

from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _


def distance_text(metres: int | float) -> str:
    """``850 m``, ``1,9 km`` or ``396,9 km`` (in English ``1.9 km``)."""
    if metres < 1000:
        return _("%(m)s m", m=format_decimal(round(metres), format="#,##0"))
    return _("%(km)s km", km=format_decimal(round(metres / 1000, 1), format="#,##0.#"))


def duration_text(seconds: int | float) -> str:
    """A length of time in the largest sensible unit: minutes, hours or days."""
    seconds = abs(seconds)
    minutes = round(seconds / 60)
    if minutes < 120:
        return ngettext("%(num)s minut", "%(num)s minuter", minutes)
    hours = round(seconds / 3600)
    if hours < 48:
        return ngettext("%(num)s timme", "%(num)s timmar", hours)
    days = round(seconds / 86400)
    return ngettext("%(num)s dygn", "%(num)s dygn", days)


def skew_text(skew_s: int) -> str:
    """A device clock's difference from the server's: ``32 timmar efter``, ``6 minuter före``."""
    if skew_s >= 0:
        return _("%(time)s före", time=duration_text(skew_s))
    return _("%(time)s efter", time=duration_text(skew_s))


def clock_warning(skew_s: int) -> str:
    """What a device whose clock is off is told on its screen."""
    return _(
        "Enhetens klocka går %(skew)s. Skanningen räknas med serverns tid. Ställ in rätt tid "
        "på enheten.",
        skew=skew_text(skew_s),
    )
