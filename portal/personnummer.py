"""Swedish personal identity numbers (personnummer) and coordination numbers (samordningsnummer)."""

from __future__ import annotations

import re
from datetime import date

_PATTERN = re.compile(r"^(\d{2})?(\d{6})([-+]?)(\d{4})$")


class InvalidPersonnummer(ValueError):
    """The text is not a valid personnummer; ``reason`` is a stable code."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def luhn_ok(digits: str) -> bool:
    """The Luhn check over the ten digits YYMMDDNNNC."""
    total = 0
    for i, ch in enumerate(digits):
        n = int(ch) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def parse(text: str, today: date | None = None) -> str:
    """Return the canonical 12-digit form YYYYMMDDNNNC, or raise InvalidPersonnummer.

    Accepts 10 or 12 digits with an optional '-' or '+' (a '+' means 100 years or older).
    Coordination numbers (day of birth + 60) are accepted.
    """
    today = today or date.today()
    cleaned = re.sub(r"\s", "", text or "")
    match = _PATTERN.match(cleaned)
    if not match:
        raise InvalidPersonnummer("format")
    century, yymmdd, sep, tail = match.groups()
    if century is None:
        yy = int(yymmdd[:2])
        year = (today.year // 100) * 100 + yy
        if year > today.year:
            year -= 100
        if sep == "+":
            year -= 100
        century = f"{year // 100:02d}"
    if not luhn_ok(yymmdd + tail):
        raise InvalidPersonnummer("checksum")
    birth = birth_date(century + yymmdd)
    if birth > today:
        raise InvalidPersonnummer("future")
    return century + yymmdd + tail


def birth_date(yyyymmdd: str) -> date:
    """The birth date in the first eight digits (coordination numbers: day − 60)."""
    year, month, day = int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8])
    if day > 60:
        day -= 60
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidPersonnummer("date") from None


def with_check_digit(nine: str) -> str:
    """Complete YYMMDDNNN with its Luhn check digit (used to make demo numbers)."""
    for c in "0123456789":
        if luhn_ok(nine + c):
            return nine + c
    raise AssertionError("unreachable")  # pragma: no cover


def masked(pnr: str) -> str:
    """YYYYMMDD-**** : enough for a person to recognise their own number on screen."""
    return f"{pnr[:8]}-****"
