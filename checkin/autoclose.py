"""Auto-close: visits still open after their session ended get an ``auto_close`` event at
the session's end, flagged ``missing_checkout`` (the reconciliation rules decide what it
counts; a check-out within the late allowance still replaces it, see checkin.scanning)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa

from checkin import schedule
from checkin.corrections import facts_where
from checkin.rows import event_values
from checkin.store import CoreStore
from portal import occurrence
from portal.attendance import EventFact, Visit, derive_visits
from portal.extensions import db
from portal.models import (
    Activity,
    ActivitySession,
    AttendanceEvent,
    EventKind,
    EventSource,
    EventStatus,
    utcnow,
)

#: Namespace of the deterministic event ids of auto-close events (one per check-in).
_AUTO_CLOSE_NS = uuid.UUID("6d3c2d3e-7f1c-4a53-9a55-3b0e8a4f6c21")


def auto_close(now: datetime | None = None, lookback: timedelta = timedelta(days=2)) -> int:
    """Close visits still open after their session ended, flagged ``missing_checkout``.

    Idempotent and safe to run concurrently: each auto-close event's id is derived from the
    check-in it closes, so the unique constraint stops a second one. Returns how many visits
    were closed.
    """
    now = now or utcnow()
    events = facts_where(
        AttendanceEvent.occurred_at >= now - lookback,
        AttendanceEvent.occurred_at <= now,
        AttendanceEvent.person_id.is_not(None),
        AttendanceEvent.status != EventStatus.REJECTED,
    )
    by_id = {e.id: e for e in events}
    store = CoreStore.of_session()
    closed = 0
    for visit in derive_visits(EventFact.of(e) for e in events):
        if visit.out_at is not None or visit.missing_checkout or visit.in_event_id is None:
            continue
        in_event = by_id.get(visit.in_event_id)
        ends_at = _session_end(in_event, visit)
        if ends_at is None or ends_at > now:
            continue
        _event, duplicate = store.insert(
            event_values(
                {
                    "event_id": str(uuid.uuid5(_AUTO_CLOSE_NS, in_event.event_id)),
                    "person_id": visit.person_id,
                    "site_id": visit.site_id,
                    "activity_id": visit.activity_id,
                    "session_id": in_event.session_id,
                    "kind": EventKind.AUTO_CLOSE,
                    "source": EventSource.AUTO,
                    "occurred_at": ends_at,
                    "received_at": now,
                    "status": EventStatus.ACCEPTED,
                    "reason": "missing_checkout",
                }
            )
        )
        closed += 0 if duplicate else 1
    return closed


def _session_end(in_event: AttendanceEvent | None, visit: Visit) -> datetime | None:
    """When the check-in's session ended; without one, the end of the activity's last
    session that day, or else the end of the day."""
    day = schedule.local_day(visit.in_at)
    if in_event is not None and in_event.session_id is not None:
        session = db.session.get(ActivitySession, in_event.session_id)
        if session is not None:
            end = schedule.local_moment(day, session.end_time)
            if end > visit.in_at:
                return end
    last = db.session.scalar(
        sa.select(sa.func.max(ActivitySession.end_time))
        .join(Activity, Activity.id == ActivitySession.activity_id)
        .where(
            ActivitySession.activity_id == visit.activity_id,
            occurrence.occurs_sql(day, day.isoweekday(), occurrence.is_holiday(day)),
        )
    )
    if last is not None and schedule.local_moment(day, last) > visit.in_at:
        return schedule.local_moment(day, last)
    return schedule.day_bounds(day)[1]
