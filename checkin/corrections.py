"""What site staff see and do at their own sites: the day at a site (expected people, visits,
every event), corrections and annulments of an event, and check-ins or check-outs registered
by hand. Every change is a new row in the event log, with who and why, and is audited."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from checkin import schedule
from checkin.refusals import refusal
from portal import audit
from portal.attendance import Visit, visits_begun_before
from portal.errors import DomainError
from portal.extensions import db
from portal.models import (
    Activity,
    ActivitySession,
    AttendanceEvent,
    EventKind,
    EventSource,
    EventStatus,
    MunicipalitySettings,
    Person,
    Site,
    StaffUser,
    utcnow,
)
from portal.services.attendance import events_with_chains


def facts_where(*conditions: sa.ColumnElement[bool]) -> list[AttendanceEvent]:
    """Events matching the conditions, plus every event that annuls or corrects one of them
    (portal.services.attendance.events_with_chains, forward only: a site's day never shows
    an event of another day)."""
    return events_with_chains(*conditions, backward=False)


@dataclass
class ExpectedRow:
    """A person expected at a session, with what happened."""

    person: Person
    activity: Activity
    session: ActivitySession
    visit: Visit | None


@dataclass
class SiteDay:
    """The day at a site, as site staff see it: names and attendance, nothing else."""

    site: Site
    day: date
    expected: list[ExpectedRow]
    visits: list[Visit]
    unexpected: list[Visit]
    events: list[AttendanceEvent]
    people: dict[int, Person]
    activities: dict[int, Activity]
    superseded: set[int]


def site_day(site: Site, day: date) -> SiteDay:
    """Expected participants, visits and every event (rejected too) at a site on a day."""
    start, end = schedule.day_bounds(day)
    events = facts_where(
        AttendanceEvent.site_id == site.id,
        AttendanceEvent.occurred_at >= start,
        AttendanceEvent.occurred_at < schedule.late_out_end(day),
    )
    events.sort(key=lambda e: (e.occurred_at, e.id))
    events, visits = visits_begun_before(events, end)
    expected = schedule.expected_on(day, site_ids={site.id})
    person_ids = {e.person_id for e in expected} | {e.person_id for e in events if e.person_id}
    people = {
        p.id: p
        for p in db.session.scalars(sa.select(Person).where(Person.id.in_(sorted(person_ids))))
    }
    activities = {
        a.id: a for a in db.session.scalars(sa.select(Activity).where(Activity.site_id == site.id))
    }
    rows = []
    used: set[int] = set()
    for e in expected:
        mine = [
            v
            for v in visits
            if v.person_id == e.person_id
            and v.activity_id == e.activity.id
            and id(v) not in used
            and v.in_at < e.ends_at
        ]
        visit = min(mine, key=lambda v: v.in_at) if mine else None
        if visit is not None:
            used.add(id(visit))
        rows.append(ExpectedRow(people[e.person_id], e.activity, e.session, visit))
    rows.sort(key=lambda r: (r.session.start_time, r.person.last_name, r.person.first_name))
    superseded = {e.supersedes_id for e in events if e.supersedes_id}
    return SiteDay(
        site=site,
        day=day,
        expected=rows,
        visits=visits,
        unexpected=[v for v in visits if id(v) not in used],
        events=events,
        people=people,
        activities=activities,
        superseded=superseded,
    )


def event_at_site(site: Site, event_id: str) -> AttendanceEvent:
    """An event of the site by its public event id, or a 404 DomainError."""
    try:
        event_id = str(uuid.UUID(event_id))
    except ValueError as exc:
        raise refusal("not_found", 404) from exc
    event = db.session.scalar(
        sa.select(AttendanceEvent).where(
            AttendanceEvent.event_id == event_id, AttendanceEvent.site_id == site.id
        )
    )
    if event is None:
        raise refusal("not_found", 404)
    return event


def is_correctable(event: AttendanceEvent) -> bool:
    """Check-ins, check-outs and auto-closes that were not refused can be corrected."""
    return (
        event.kind in (EventKind.IN, EventKind.OUT, EventKind.AUTO_CLOSE)
        and event.status != EventStatus.REJECTED
        and event.person_id is not None
    )


def _correctable(event: AttendanceEvent) -> None:
    if not is_correctable(event):
        raise refusal("event_not_correctable", 400)


def superseding(event: AttendanceEvent) -> list[AttendanceEvent]:
    """The corrections and annulments of an event (and of those), oldest first."""
    rows = facts_where(AttendanceEvent.id == event.id)
    return sorted((e for e in rows if e.id != event.id), key=lambda e: e.id)


def correct_event(
    actor: StaffUser, site: Site, event: AttendanceEvent, new_time: datetime, reason: str
) -> AttendanceEvent:
    """Give an event a new time: a new row superseding it, with who and why (audited)."""
    _correctable(event)
    if new_time > utcnow() + timedelta(minutes=5):
        raise DomainError("future_time", _("Tiden kan inte ligga i framtiden."), 400)
    return _supersede(actor, site, event, EventKind.CORRECTION, new_time, reason)


def annul_event(
    actor: StaffUser, site: Site, event: AttendanceEvent, reason: str
) -> AttendanceEvent:
    """Annul an event (a scan by mistake): a new row superseding it, with who and why."""
    _correctable(event)
    return _supersede(actor, site, event, EventKind.ANNUL, None, reason)


def _supersede(
    actor: StaffUser,
    site: Site,
    event: AttendanceEvent,
    kind: EventKind,
    new_time: datetime | None,
    reason: str,
) -> AttendanceEvent:
    """The row correcting (at ``new_time``) or annulling (now) an event, audited."""
    now = utcnow()
    row = AttendanceEvent(
        event_id=str(uuid.uuid4()),
        person_id=event.person_id,
        site_id=site.id,
        activity_id=event.activity_id,
        session_id=event.session_id,
        kind=kind,
        source=EventSource.MANUAL,
        occurred_at=new_time or now,
        received_at=now,
        status=EventStatus.ACCEPTED,
        supersedes_id=event.id,
        actor_user_id=actor.id,
        note=reason.strip(),
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "correct" if kind == EventKind.CORRECTION else "annul",
        "attendance_event",
        person=db.session.get(Person, event.person_id),
        object_ref=event.event_id,
        why=reason.strip(),
        actor=actor,
    )
    return row


def register_manually(
    actor: StaffUser, site: Site, *, person_ref: str, session_id, kind: str, reason: str
) -> AttendanceEvent:
    """Site staff register a check-in or check-out by hand, now (no card, no phone), audited.

    Only for someone expected at the site today at that session; anything else is not_found.
    """
    now = utcnow()
    if kind not in (EventKind.IN, EventKind.OUT):
        raise refusal("invalid_request", 400)
    try:
        session_id = int(session_id)
    except (TypeError, ValueError) as exc:
        raise refusal("invalid_request", 400) from exc
    person = db.session.scalar(sa.select(Person).where(Person.public_ref == person_ref))
    expected = schedule.expected_on(schedule.local_day(now), site_ids={site.id})
    match = next(
        (e for e in expected if person and e.person_id == person.id and e.session.id == session_id),
        None,
    )
    if match is None:
        raise refusal("not_found", 404)
    session = match.session
    event = AttendanceEvent(
        event_id=str(uuid.uuid4()),
        person_id=person.id,
        site_id=site.id,
        activity_id=session.activity_id,
        session_id=session.id,
        kind=EventKind(kind),
        source=EventSource.MANUAL,
        occurred_at=now,
        received_at=now,
        status=EventStatus.ACCEPTED,
        actor_user_id=actor.id,
        note=reason.strip(),
    )
    db.session.add(event)
    db.session.flush()
    audit.record(
        "register",
        "attendance_event",
        person=person,
        object_ref=event.event_id,
        why=reason.strip() or "manual",
        actor=actor,
    )
    return event


#: Backdating window when a municipality has no settings row yet.
DEFAULT_BACKDATE_DAYS = 7


def backdate_days(site: Site) -> int:
    """How many days back site staff may register a missed check-in or check-out at a site
    (the municipality's ``checkin_backdate_days``)."""
    settings = db.session.get(MunicipalitySettings, site.municipality_id)
    return settings.checkin_backdate_days if settings is not None else DEFAULT_BACKDATE_DAYS


def may_register_afterwards(site: Site, day: date, today: date) -> bool:
    """Whether a day lies in the window for registering afterwards (before today)."""
    return today - timedelta(days=backdate_days(site)) <= day < today


def expected_session(
    site: Site, day: date, person_ref: str, session_id: object
) -> tuple[Person, schedule.Expected]:
    """A person expected at a session at the site on a day, or DomainError not_found."""
    try:
        session_id = int(str(session_id))
    except ValueError as exc:
        raise refusal("not_found", 404) from exc
    person = db.session.scalar(sa.select(Person).where(Person.public_ref == person_ref))
    match = next(
        (
            e
            for e in schedule.expected_on(day, site_ids={site.id})
            if person and e.person_id == person.id and e.session.id == session_id
        ),
        None,
    )
    if person is None or match is None:
        raise refusal("not_found", 404)
    return person, match


def register_afterwards(
    actor: StaffUser,
    site: Site,
    *,
    person_ref: str,
    session_id: object,
    day: date,
    kind: str,
    at: time,
    reason: str,
) -> AttendanceEvent:
    """Site staff register a check-in or check-out that was missed on a past day, with the
    time it happened and why (audited; reconciliation reads it like any other event).

    Only for someone expected at the site that day at that session, within the
    municipality's backdating window, at a time within the session's margins (from
    ``schedule.EARLY`` before it starts to ``schedule.LATE_OUT`` after it ends). Raises
    DomainError: outside_window, not_found, time_outside_session, reason_required.
    """
    now = utcnow()
    today = schedule.local_day(now)
    if kind not in (EventKind.IN, EventKind.OUT):
        raise refusal("invalid_request", 400)
    if not may_register_afterwards(site, day, today):
        raise DomainError(
            "outside_window",
            _(
                "Det går bara att registrera i efterhand för de senaste %(days)s dagarna.",
                days=backdate_days(site),
            ),
            400,
        )
    reason = reason.strip()
    if len(reason) < 5:
        raise DomainError(
            "reason_required", _("Skriv varför registreringen görs i efterhand."), 400
        )
    person, match = expected_session(site, day, person_ref, session_id)
    moment = schedule.local_moment(day, at)
    if not match.starts_at - schedule.EARLY <= moment <= match.ends_at + schedule.LATE_OUT:
        raise DomainError(
            "time_outside_session",
            _(
                "Tiden ska ligga nära passets tid (%(start)s–%(end)s).",
                start=match.session.start_time.strftime("%H:%M"),
                end=match.session.end_time.strftime("%H:%M"),
            ),
            400,
        )
    event = AttendanceEvent(
        event_id=str(uuid.uuid4()),
        person_id=person.id,
        site_id=site.id,
        activity_id=match.session.activity_id,
        session_id=match.session.id,
        kind=EventKind(kind),
        source=EventSource.MANUAL,
        occurred_at=moment,
        received_at=now,
        status=EventStatus.ACCEPTED,
        reason="afterwards",
        actor_user_id=actor.id,
        note=reason,
    )
    db.session.add(event)
    db.session.flush()
    audit.record(
        "register_afterwards",
        "attendance_event",
        person=person,
        object_ref=event.event_id,
        why=reason,
        actor=actor,
    )
    return event
