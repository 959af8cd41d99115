"""Where a scan belongs: the person's visits at the site (derived from the event log by
portal.attendance) and their sessions that day (checkin.schedule) decide the activity and
session of a check-in or check-out, or refuse it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from checkin import schedule
from checkin.refusals import Refusal
from checkin.rows import PersonRow
from checkin.store import ScanStore
from portal.attendance import EventFact, Visit, derive_visits
from portal.extensions import db
from portal.models import EventKind, Site


@dataclass(frozen=True)
class Placement:
    """The activity and session of a scan, with a note (``already_in``, ``not_in``)."""

    activity_id: int | None
    session_id: int | None
    note: str | None
    #: The auto-close event a late check-out replaces (annulled with the check-out).
    reopens: int | None = None


NOWHERE = Placement(None, None, None)


def site_name(site_id: int) -> str | None:
    """The name of a site (to tell a person sent away where they are expected)."""
    return db.session.scalar(sa.select(Site.name).where(Site.id == site_id))


def person_facts(store: ScanStore, person_id: int, site_id: int, day: date) -> list[Any]:
    """The person's events at a site on a day, plus every event annulling or correcting one
    (a correction of a correction needs another round, which is rare)."""
    rows = list(store.facts(person_id, site_id, day))
    seen = {e.id for e in rows}
    frontier = {e.id for e in rows if e.supersedes_id is not None}
    while frontier:
        more = [e for e in store.superseding(frontier) if e.id not in seen]
        rows.extend(more)
        frontier = {e.id for e in more}
        seen |= frontier
    return rows


def open_visit(
    store: ScanStore, person_id: int, site_id: int, moment: datetime
) -> tuple[Visit | None, dict[int, int | None]]:
    """The person's visit at the site that is open at a moment (latest check-in first), and
    the session of each of the day's events (by row id)."""
    facts = person_facts(store, person_id, site_id, schedule.local_day(moment))
    open_ = [
        v
        for v in derive_visits(EventFact.of(e) for e in facts)
        if v.in_at <= moment and not v.missing_checkout and (v.out_at is None or v.out_at > moment)
    ]
    sessions_of = {e.id: e.session_id for e in facts}
    return (max(open_, key=lambda v: v.in_at) if open_ else None), sessions_of


def after_midnight(moment: datetime) -> bool:
    """Whether a moment is within the late check-out allowance after local midnight, when a
    check-out may still belong to an evening session of the day before."""
    return moment - schedule.day_bounds(schedule.local_day(moment))[0] < schedule.LATE_OUT


def closable_visit(
    store: ScanStore, person_id: int, site_id: int, moment: datetime
) -> tuple[Visit | None, dict[int, int | None], int | None]:
    """The visit a check-out at a moment closes: the one open then (latest check-in first),
    or else one auto-closed at its session's end at most LATE_OUT before the check-out (its
    auto-close event is the third value: the check-out replaces it). A check-out within
    LATE_OUT after midnight also finds a visit of the day before whose session at the site
    ended within the allowance. Also the session of each event read (by row id)."""
    day = schedule.local_day(moment)
    facts = person_facts(store, person_id, site_id, day)
    visit, reopens = _closing_candidate(facts, moment)
    if visit is None and after_midnight(moment):
        before = day - timedelta(days=1)
        ended = [s for s in schedule.expected_slots(before, person_id) if s.site_id == site_id]
        if schedule.closest(ended, moment, before=schedule.EARLY, after=schedule.LATE_OUT):
            seen = {e.id for e in facts}
            earlier = person_facts(store, person_id, site_id, before)
            facts = facts + [e for e in earlier if e.id not in seen]
            visit, reopens = _closing_candidate(facts, moment)
    return visit, {e.id: e.session_id for e in facts}, reopens


def _closing_candidate(facts: list[Any], moment: datetime) -> tuple[Visit | None, int | None]:
    visits = [v for v in derive_visits(EventFact.of(e) for e in facts) if v.in_at <= moment]
    open_ = [
        v for v in visits if not v.missing_checkout and (v.out_at is None or v.out_at > moment)
    ]
    if open_:
        return max(open_, key=lambda v: v.in_at), None
    late = [
        v
        for v in visits
        if v.missing_checkout
        and v.auto_closed_at is not None
        and v.auto_closed_at <= moment <= v.auto_closed_at + schedule.LATE_OUT
    ]
    if late:
        visit = max(late, key=lambda v: v.in_at)
        return visit, visit.out_event_id
    return None, None


def place(
    store: ScanStore,
    person: PersonRow,
    site_id: int,
    kind: EventKind,
    moment: datetime,
    slots: list[schedule.Slot] | None = None,
) -> Placement:
    """Decide the activity and session of a scan from the person's plan and enrolments.

    A check-out closes the visit it belongs to at the site (``closable_visit``, also across
    midnight within the late check-out allowance); otherwise the session closest in time
    among the person's sessions at this site that day (for a check-out shortly after
    midnight, also the evening before). Refuses with wrong_site (naming the site where the
    person is expected) when they are expected elsewhere at the time, and not_enrolled when
    nowhere. ``slots`` are the person's sessions that day, if already read.
    """
    visit_open = None
    if kind == EventKind.OUT:
        visit, sessions_of, reopens = closable_visit(store, person.id, site_id, moment)
        if visit is not None:
            return Placement(visit.activity_id, sessions_of.get(visit.in_event_id), None, reopens)
    else:
        visit_open = open_visit(store, person.id, site_id, moment)[0]
    if slots is None:
        slots = schedule.expected_slots(schedule.local_day(moment), person.id)
    mine = list(slots)
    if kind == EventKind.OUT and after_midnight(moment):
        before = schedule.local_day(moment) - timedelta(days=1)
        mine += schedule.expected_slots(before, person.id)
    here = [e for e in mine if e.site_id == site_id]
    after = timedelta(0) if kind == EventKind.IN else schedule.LATE_OUT
    match = schedule.closest(here, moment, before=schedule.EARLY, after=after)
    if match is None:
        elsewhere = schedule.closest(
            [e for e in mine if e.site_id != site_id],
            moment,
            before=schedule.EARLY,
            after=schedule.LATE_OUT,
        )
        if elsewhere is not None:
            raise Refusal("wrong_site", person, expected_site=site_name(elsewhere.site_id))
        raise Refusal("not_enrolled", person)
    note = None
    if kind == EventKind.IN and visit_open is not None:
        note = "already_in" if visit_open.activity_id == match.activity_id else None
    elif kind == EventKind.OUT:
        note = "not_in"
    return Placement(match.activity_id, match.session_id, note)
