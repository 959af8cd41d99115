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

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter
from typing import Any

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


#: Codes as the log stores them (the enums are StrEnums, so rows read as text compare equal).
_IN, _OUT, _AUTO_CLOSE = EventKind.IN.value, EventKind.OUT.value, EventKind.AUTO_CLOSE.value
_ANNUL, _CORRECTION = EventKind.ANNUL.value, EventKind.CORRECTION.value
_SUPERSEDING = frozenset((_ANNUL, _CORRECTION))
_CLOSING = frozenset((_OUT, _AUTO_CLOSE))
_REJECTED = EventStatus.REJECTED.value
_in_time_order = attrgetter("occurred_at", "id")


def effective_events(events: Iterable[Any]) -> list[Any]:
    """Apply annulments and corrections; return the events that stand, in time order.

    ``events`` are EventFacts or any rows with their fields (codes as enums or as text).
    """
    accepted = [e for e in events if e.status != _REJECTED]
    if not any(e.kind in _SUPERSEDING for e in accepted):
        accepted.sort(key=_in_time_order)  # the usual case: nothing annulled or corrected
        return accepted
    by_id = {e.id: e for e in accepted}
    annulled: set[int] = set()
    replacement: dict[int, Any] = {}
    for e in sorted(accepted, key=_in_time_order):
        if e.kind == _ANNUL and e.supersedes_id is not None:
            annulled.add(_root(e.supersedes_id, by_id))
        elif e.kind == _CORRECTION and e.supersedes_id is not None:
            root = _root(e.supersedes_id, by_id)
            latest = replacement.get(root)
            if latest is None or (e.id > latest.id):
                replacement[root] = e
    standing = []
    for e in accepted:
        if e.kind in _SUPERSEDING or e.id in annulled:
            continue
        fix = replacement.get(e.id)
        if fix is not None:
            e = EventFact(
                id=e.id,
                person_id=e.person_id,
                activity_id=fix.activity_id or e.activity_id,
                site_id=e.site_id,
                kind=EventKind(e.kind),
                status=EventStatus(e.status),
                occurred_at=fix.occurred_at,
                supersedes_id=None,
            )
        standing.append(e)
    standing.sort(key=_in_time_order)
    return standing


def _root(event_id: int, by_id: dict[int, Any]) -> int:
    """Follow corrections back to the original event they all correct."""
    seen = set()
    current = by_id.get(event_id)
    while current is not None and current.kind == _CORRECTION and current.supersedes_id:
        if current.id in seen:  # a malformed cycle; stop rather than loop
            break
        seen.add(current.id)
        event_id = current.supersedes_id
        current = by_id.get(event_id)
    return event_id


def _corrected_ids(events: list[Any]) -> set[int]:
    """The original events that a standing correction applies to."""
    corrections = [
        e for e in events if e.kind == _CORRECTION and e.supersedes_id and e.status != _REJECTED
    ]
    if not corrections:
        return set()
    by_id = {e.id: e for e in events}
    return {_root(e.supersedes_id, by_id) for e in corrections}


def pair_events(events: Iterable[Any]) -> Iterator[tuple[Any, Any | None, list[Any]]]:
    """The standing events paired per person and activity: (check-in, closing, repeats).

    The closing event is the ``out`` or ``auto_close`` that ends the stay (None while it is
    open); repeats are further ``in`` scans while it was open (double scans). Pairs come per
    person and activity, each stream in time order.
    """
    streams: dict[tuple[int, int], list[Any]] = {}
    for e in effective_events(events):
        if e.person_id is None or e.activity_id is None:
            continue
        key = (e.person_id, e.activity_id)
        stream = streams.get(key)
        if stream is None:
            streams[key] = [e]
        else:
            stream.append(e)
    for stream in streams.values():
        opening = None
        repeats: list[Any] = []
        for e in stream:
            kind = e.kind
            if kind == _IN:
                if opening is None:
                    opening, repeats = e, []
                else:
                    repeats.append(e)  # double scan
            elif opening is not None and kind in _CLOSING:
                yield opening, e, repeats
                opening = None
        if opening is not None:
            yield opening, None, repeats


def derive_visits(events: Iterable[Any]) -> list[Visit]:
    """Pair the standing in/out events of each person and activity into visits.

    ``events`` are EventFacts or any rows with their fields (codes as enums or as text).
    """
    events = list(events)
    corrected_ids = _corrected_ids(events)
    visits: list[Visit] = []
    for opening, closing, repeats in pair_events(events):
        visit = Visit(
            opening.person_id,
            opening.activity_id,
            opening.site_id,
            opening.occurred_at,
            None,
            in_event_id=opening.id,
            event_ids=[opening.id, *(e.id for e in repeats)],
            corrected=opening.id in corrected_ids,
        )
        if closing is not None:
            visit.out_event_id = closing.id
            visit.event_ids.append(closing.id)
            if closing.kind == _OUT:
                visit.out_at = closing.occurred_at
                visit.corrected = visit.corrected or closing.id in corrected_ids
            else:
                visit.missing_checkout = True
                visit.auto_closed_at = closing.occurred_at
        visits.append(visit)
    visits.sort(key=lambda v: (v.person_id, v.in_at, v.activity_id))
    return visits


def open_visits(events: Iterable[Any]) -> list[Visit]:
    """Visits with a check-in and neither a check-out nor an auto-close yet."""
    return [v for v in derive_visits(events) if v.out_at is None and not v.missing_checkout]


def visits_begun_before(events: Iterable[Any], end: datetime) -> tuple[list[Any], list[Visit]]:
    """A day's events read on past its ``end`` (the late check-out allowance), cut back: the
    events before ``end`` and the later ones of the visits begun before it (a check-out after
    midnight and the rows correcting it), with those visits. ``events`` are rows with the
    fields of EventFact, sorted by time."""
    events = list(events)
    visits = [v for v in derive_visits(map(EventFact.of, events)) if v.in_at < end]
    kept = {i for v in visits for i in v.event_ids}
    grew = True
    while grew:  # corrections of a kept event, and corrections of those
        more = {e.id for e in events if e.supersedes_id in kept and e.id not in kept}
        kept |= more
        grew = bool(more)
    return [e for e in events if e.occurred_at < end or e.id in kept], visits
