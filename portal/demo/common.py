"""Date helpers that several of the demo's subjects use."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from portal.i18n import STOCKHOLM


def month_key(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def add_months(d: date, n: int) -> date:
    m = d.month - 1 + n
    return date(d.year + m // 12, m % 12 + 1, 1)


def _utc(d: date, t: time) -> datetime:
    return datetime.combine(d, t, tzinfo=STOCKHOLM).astimezone(UTC)
