"""Visits derived from the append-only attendance log (checkin.md, "The event log").

The log holds facts; a visit is an interpretation of them, recomputed whenever it is needed so
that late offline events, corrections and annulments simply fall into place:

1. Rejected events never count.
2. An ``annul`` event removes the event it supersedes (and anything that superseded that one).
3. A ``correction`` event replaces the event it supersedes: the corrected event keeps its kind
   (in/out/auto_close) and takes the correction's time. A correction of a correction follows
   the chain to the original.
4. Per person and activity, events are ordered by ``occurred_at``: an ``in`` opens a visit, the
   next ``out`` closes it, an ``auto_close`` closes it as a missing check-out (the rule book then
   decides what the open interval counts). A second ``in`` while a visit is open is a double
   scan and is ignored; an ``out`` with no open visit is an orphan and is ignored.

Check-in and reconciliation both use this module; neither re-implements it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from portal.models.enums import EventKind, EventStatus


@dataclass(frozen=True)
class EventFact:
    """The fields of an attendance event that visits are derived from."""

    id: int
    person_id: int | None
    activity_id: int | None
    site_id: int | None
    kind: EventKind
    status: EventStatus
    occurred_at: datetime
    supersedes_id: int | None = None

    @classmethod
    def of(cls, event) -> EventFact:
        """Copy the relevant fields of an AttendanceEvent row (or any object with them)."""
        return cls(
            id=event.id,
            person_id=event.person_id,
            activity_id=event.activity_id,
            site_id=event.site_id,
            kind=EventKind(event.kind),
            status=EventStatus(event.status),
            occurred_at=event.occurred_at,
            supersedes_id=event.supersedes_id,
        )


@dataclass
class Visit:
    """One stay at an activity: checked in, and checked out or not."""

    person_id: int
    activity_id: int
    site_id: int | None
    in_at: datetime
    #: None while open, and for a missing check-out (auto-closed).
    out_at: datetime | None
    missing_checkout: bool = False
    #: The time the visit was auto-closed, for display; it never counts as a check-out.
    auto_closed_at: datetime | None = None
    in_event_id: int | None = None
    out_event_id: int | None = None
    corrected: bool = False
    event_ids: list[int] = field(default_factory=list)


def effective_events(events: Iterable[EventFact]) -> list[EventFact]:
    """Apply annulments and corrections; return the events that stand, in time order."""
    accepted = [e for e in events if e.status != EventStatus.REJECTED]
    by_id = {e.id: e for e in accepted}
    annulled: set[int] = set()
    replacement: dict[int, EventFact] = {}
    for e in sorted(accepted, key=lambda e: (e.occurred_at, e.id)):
        if e.kind == EventKind.ANNUL and e.supersedes_id is not None:
            annulled.add(_root(e.supersedes_id, by_id))
        elif e.kind == EventKind.CORRECTION and e.supersedes_id is not None:
            root = _root(e.supersedes_id, by_id)
            latest = replacement.get(root)
            if latest is None or (e.id > latest.id):
                replacement[root] = e
    standing = []
    for e in accepted:
        if e.kind in (EventKind.ANNUL, EventKind.CORRECTION) or e.id in annulled:
            continue
        fix = replacement.get(e.id)
        if fix is not None:
            e = EventFact(
                id=e.id,
                person_id=e.person_id,
                activity_id=fix.activity_id or e.activity_id,
                site_id=e.site_id,
                kind=e.kind,
                status=e.status,
                occurred_at=fix.occurred_at,
                supersedes_id=None,
            )
        standing.append(e)
    standing.sort(key=lambda e: (e.occurred_at, e.id))
    return standing


def _root(event_id: int, by_id: dict[int, EventFact]) -> int:
    """Follow corrections back to the original event they all correct."""
    seen = set()
    current = by_id.get(event_id)
    while current is not None and current.kind == EventKind.CORRECTION and current.supersedes_id:
        if current.id in seen:  # a malformed cycle; stop rather than loop
            break
        seen.add(current.id)
        event_id = current.supersedes_id
        current = by_id.get(event_id)
    return event_id


def derive_visits(events: Iterable[EventFact]) -> list[Visit]:
    """Pair the standing in/out events of each person and activity into visits."""
    events = list(events)
    corrected_ids = {
        _root(e.supersedes_id, {x.id: x for x in events})
        for e in events
        if e.kind == EventKind.CORRECTION and e.supersedes_id and e.status != EventStatus.REJECTED
    }
    streams: dict[tuple[int, int], list[EventFact]] = defaultdict(list)
    for e in effective_events(events):
        if e.person_id is None or e.activity_id is None:
            continue
        streams[(e.person_id, e.activity_id)].append(e)
    visits: list[Visit] = []
    for (person_id, activity_id), stream in streams.items():
        open_visit: Visit | None = None
        for e in stream:
            if e.kind == EventKind.IN:
                if open_visit is None:
                    open_visit = Visit(
                        person_id,
                        activity_id,
                        e.site_id,
                        e.occurred_at,
                        None,
                        in_event_id=e.id,
                        event_ids=[e.id],
                        corrected=e.id in corrected_ids,
                    )
                    visits.append(open_visit)
                else:
                    open_visit.event_ids.append(e.id)  # double scan
            elif open_visit is not None and e.kind == EventKind.OUT:
                open_visit.out_at = e.occurred_at
                open_visit.out_event_id = e.id
                open_visit.event_ids.append(e.id)
                open_visit.corrected = open_visit.corrected or e.id in corrected_ids
                open_visit = None
            elif open_visit is not None and e.kind == EventKind.AUTO_CLOSE:
                open_visit.missing_checkout = True
                open_visit.auto_closed_at = e.occurred_at
                open_visit.out_event_id = e.id
                open_visit.event_ids.append(e.id)
                open_visit = None
    visits.sort(key=lambda v: (v.person_id, v.in_at, v.activity_id))
    return visits


def open_visits(events: Iterable[EventFact]) -> list[Visit]:
    """Visits with a check-in and neither a check-out nor an auto-close yet."""
    return [v for v in derive_visits(events) if v.out_at is None and not v.missing_checkout]
