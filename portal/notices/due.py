"""Notices that fall due with time: tomorrow's activities and missed check-ins.

``flask notices queue`` calls ``queue_due`` every few minutes. It is idempotent: each notice's
dedupe key names the person and the day (or the session), so running it again queues nothing
new. Who is expected where comes from checkin.schedule.expected_on, the one function that says
which sessions occur on a day (holidays, plan items, enrolments included).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from checkin.schedule import EARLY, day_bounds, expected_on
from portal.attendance import effective_events
from portal.extensions import db
from portal.i18n import to_local
from portal.models import (
    AbsenceDecision,
    AbsenceReport,
    AttendanceEvent,
    EventKind,
    Person,
    PortalMessage,
    utcnow,
)
from portal.notices.services import notify

#: Tomorrow's reminders go out from this local hour (the afternoon before) until midnight.
REMINDER_FROM_HOUR = 15
#: A check-in is "missed" this long after the session ended (late scans and offline kiosks
#: syncing have had time to arrive).
MISSED_AFTER = timedelta(minutes=30)
#: Missed check-ins are looked for in sessions that ended at most this long ago.
MISSED_LOOKBACK = timedelta(days=1)


@dataclass
class QueueSummary:
    """How many notices one run queued (new ones only)."""

    reminders: int = 0
    missed: int = 0
    staff: int = 0


def _people(ids) -> dict[int, Person]:
    if not ids:
        return {}
    return {p.id: p for p in db.session.scalars(sa.select(Person).where(Person.id.in_(ids)))}


def _absent(person_ids, start: datetime, end: datetime) -> dict[int, list[AbsenceReport]]:
    """Reported absences (not rejected) that overlap a period, per person."""
    rows = db.session.scalars(
        sa.select(AbsenceReport).where(
            AbsenceReport.person_id.in_(person_ids),
            AbsenceReport.decision != AbsenceDecision.REJECTED,
            AbsenceReport.from_at < end,
            AbsenceReport.to_at > start,
        )
    )
    out: dict[int, list[AbsenceReport]] = defaultdict(list)
    for row in rows:
        out[row.person_id].append(row)
    return out


def _covered(reports: list[AbsenceReport], start: datetime, end: datetime) -> bool:
    return any(r.from_at < end and r.to_at > start for r in reports)


def _message_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(PortalMessage))


def queue_reminders(now: datetime) -> int:
    """From the afternoon before: one reminder per person expected somewhere tomorrow."""
    local = to_local(now)
    if local.hour < REMINDER_FROM_HOUR:
        return 0
    tomorrow = local.date() + timedelta(days=1)
    expected = expected_on(tomorrow)
    if not expected:
        return 0
    by_person: dict[int, list] = defaultdict(list)
    for e in expected:
        by_person[e.person_id].append(e)
    start, end = day_bounds(tomorrow)
    absences = _absent(list(by_person), start, end)
    people = _people(list(by_person))
    before = _message_count()
    for person_id, slots in by_person.items():
        slots = [e for e in slots if not _covered(absences[person_id], e.starts_at, e.ends_at)]
        if not slots:
            continue
        notify(
            None,
            people[person_id],
            "reminder_tomorrow",
            key=tomorrow.isoformat(),
            date=tomorrow,
            slots=[
                {
                    "start": e.session.start_time.strftime("%H:%M"),
                    "end": e.session.end_time.strftime("%H:%M"),
                    "activity": e.activity.name,
                    "site": e.activity.site.name,
                }
                for e in slots
            ],
        )
    return _message_count() - before


def queue_missed_checkins(now: datetime) -> int:
    """A notice for each planned session that ended without a check-in (and no absence)."""
    today = to_local(now).date()
    before = _message_count()
    for day in (today - timedelta(days=1), today):
        ended = [
            e for e in expected_on(day) if now - MISSED_LOOKBACK <= e.ends_at <= now - MISSED_AFTER
        ]
        if not ended:
            continue
        person_ids = sorted({e.person_id for e in ended})
        start, end = day_bounds(day)
        events = db.session.scalars(
            sa.select(AttendanceEvent).where(
                AttendanceEvent.person_id.in_(person_ids),
                AttendanceEvent.occurred_at >= start - EARLY,
                AttendanceEvent.occurred_at < end,
            )
        )
        check_ins: dict[int, list] = defaultdict(list)
        for event in effective_events(list(events)):
            if event.kind == EventKind.IN:
                check_ins[event.person_id].append(event)
        absences = _absent(person_ids, start, end)
        people = _people(person_ids)
        for e in ended:
            came = any(
                ev.activity_id == e.activity.id
                and e.starts_at - EARLY <= ev.occurred_at <= e.ends_at
                for ev in check_ins[e.person_id]
            )
            if came or _covered(absences[e.person_id], e.starts_at, e.ends_at):
                continue
            notify(
                None,
                people[e.person_id],
                "missed_checkin",
                key=f"{day.isoformat()}:{e.session.id}",
                date=day,
                start=e.session.start_time.strftime("%H:%M"),
                end=e.session.end_time.strftime("%H:%M"),
                activity=e.activity.name,
            )
    return _message_count() - before


def queue_due(now: datetime | None = None) -> QueueSummary:
    """Queue every notice that is due now (idempotent); the caller commits."""
    now = now or utcnow()
    summary = QueueSummary()
    summary.reminders = queue_reminders(now)
    summary.missed = queue_missed_checkins(now)
    return summary
