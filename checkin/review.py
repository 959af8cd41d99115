"""The fraud review list for site staff (checkin.md, "Review queue for staff").

Nothing here blocks anyone: it points staff at events worth a second look. The rules:

- clock_skew: a device whose clock was more than five minutes off the server's;
- forced_offline: scans let in while the device was offline that failed the server's checks,
  or that staff let in although the device's own check failed;
- burst: one device checking in more than BURST_LIMIT people within a minute;
- impossible_travel: the same person at two sites further apart than they could travel;
- far_self_scan: a self check-in whose phone position was far from the site;
- failed_scans: repeated refused scans of one person (or one unknown code) in a day.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from checkin import schedule
from checkin.selfscan import distance_m
from portal.extensions import db
from portal.models import (
    AttendanceEvent,
    Device,
    EventKind,
    EventSource,
    EventStatus,
    Person,
    Site,
    utcnow,
)

CLOCK_SKEW_LIMIT = timedelta(minutes=5)
BURST_WINDOW = timedelta(seconds=60)
BURST_LIMIT = 15
#: Faster than this between two sites is not plausible in a municipality (km/h).
TRAVEL_KMH = 60
#: Without coordinates: two different sites within this time.
TRAVEL_MIN_GAP = timedelta(minutes=10)
FAR_SELF_SCAN_M = 1000
FAILED_SCANS_LIMIT = 3
REVIEW_DAYS = 7


@dataclass
class ReviewItem:
    """One thing to look at."""

    rule: str
    at: datetime
    site: Site
    person: Person | None = None
    device: Device | None = None
    event_id: str | None = None
    count: int = 1
    #: Numbers for the sentence shown (seconds of skew, metres, the other site …).
    detail: dict = field(default_factory=dict)
    #: The Stockholm day of the linked event (where the day at the site lists it).
    on: date | None = None

    @property
    def day(self) -> date:
        """The Stockholm date, for linking to the day at the site that shows the event."""
        return self.on or schedule.local_day(self.at)


def review_items(site_ids: set[int], now: datetime | None = None) -> list[ReviewItem]:
    """Everything worth a look at these sites in the last week, newest first."""
    if not site_ids:
        return []
    now = now or utcnow()
    since = now - timedelta(days=REVIEW_DAYS)
    events = list(
        db.session.scalars(
            sa.select(AttendanceEvent)
            .where(
                AttendanceEvent.site_id.in_(sorted(site_ids)),
                AttendanceEvent.received_at >= since,
            )
            .order_by(AttendanceEvent.occurred_at, AttendanceEvent.id)
        )
    )
    sites = {s.id: s for s in db.session.scalars(sa.select(Site))}
    person_ids = {e.person_id for e in events if e.person_id}
    people = {
        p.id: p
        for p in db.session.scalars(sa.select(Person).where(Person.id.in_(sorted(person_ids))))
    }
    device_ids = {e.device_id for e in events if e.device_id}
    devices = {
        d.id: d
        for d in db.session.scalars(sa.select(Device).where(Device.id.in_(sorted(device_ids))))
    }
    items: list[ReviewItem] = []
    items += _clock_skew(events, sites, devices)
    items += _forced_offline(events, sites, people, devices)
    items += _bursts(events, sites, devices)
    items += _impossible_travel(person_ids, site_ids, since, sites, people)
    items += _far_self_scans(events, sites, people)
    items += _failed_scans(events, sites, people)
    items.sort(key=lambda i: i.at, reverse=True)
    return items


def _clock_skew(events, sites, devices) -> list[ReviewItem]:
    worst: dict[int, list[AttendanceEvent]] = defaultdict(list)
    for e in events:
        if (
            e.device_id
            and e.clock_skew_s is not None
            and abs(e.clock_skew_s) > CLOCK_SKEW_LIMIT.total_seconds()
        ):
            worst[e.device_id].append(e)
    items = []
    for device_id, rows in worst.items():
        top = max(rows, key=lambda e: abs(e.clock_skew_s))
        items.append(
            ReviewItem(
                "clock_skew",
                top.received_at,
                sites[top.site_id],
                device=devices.get(device_id),
                event_id=top.event_id,
                count=len(rows),
                detail={"skew_s": top.clock_skew_s, "minutes": round(top.clock_skew_s / 60)},
                on=schedule.local_day(top.occurred_at),
            )
        )
    return items


def _forced_offline(events, sites, people, devices) -> list[ReviewItem]:
    return [
        ReviewItem(
            "forced_offline",
            e.occurred_at,
            sites[e.site_id],
            person=people.get(e.person_id),
            device=devices.get(e.device_id),
            event_id=e.event_id,
            detail={"reason": e.reason},
        )
        for e in events
        if e.offline and (e.status == EventStatus.FLAGGED or e.reason == "forced")
    ]


def _bursts(events, sites, devices) -> list[ReviewItem]:
    by_device: dict[int, list[AttendanceEvent]] = defaultdict(list)
    for e in events:
        if e.device_id and e.kind == EventKind.IN and e.status != EventStatus.REJECTED:
            by_device[e.device_id].append(e)
    items = []
    for device_id, rows in by_device.items():
        start = 0
        current: ReviewItem | None = None
        current_end = None
        for end, e in enumerate(rows):
            while e.occurred_at - rows[start].occurred_at > BURST_WINDOW:
                start += 1
            count = end - start + 1
            if count <= BURST_LIMIT:
                continue
            if current is not None and rows[start].occurred_at <= current_end:
                current.count = max(current.count, count)  # the same burst goes on
            else:
                current = ReviewItem(
                    "burst",
                    rows[start].occurred_at,
                    sites[e.site_id],
                    device=devices.get(device_id),
                    event_id=rows[start].event_id,
                    count=count,
                )
                items.append(current)
            current_end = e.occurred_at
    return items


def _impossible_travel(person_ids, site_ids, since, sites, people) -> list[ReviewItem]:
    if not person_ids:
        return []
    rows = db.session.scalars(
        sa.select(AttendanceEvent)
        .where(
            AttendanceEvent.person_id.in_(sorted(person_ids)),
            AttendanceEvent.received_at >= since,
            AttendanceEvent.status != EventStatus.REJECTED,
            AttendanceEvent.kind.in_([EventKind.IN, EventKind.OUT]),
            AttendanceEvent.site_id.is_not(None),
        )
        .order_by(AttendanceEvent.person_id, AttendanceEvent.occurred_at)
    ).all()
    items = []
    for before, after in zip(rows, rows[1:], strict=False):
        if before.person_id != after.person_id or before.site_id == after.site_id:
            continue
        if before.site_id not in site_ids and after.site_id not in site_ids:
            continue
        gap = after.occurred_at - before.occurred_at
        a, b = sites[before.site_id], sites[after.site_id]
        metres = distance_m(a, b.latitude, b.longitude)
        if metres is not None:
            hours = max(gap.total_seconds(), 1) / 3600
            implausible = metres > 1000 and metres / 1000 / hours > TRAVEL_KMH
        else:
            implausible = gap < TRAVEL_MIN_GAP
        if implausible:
            here, there = (after, before) if after.site_id in site_ids else (before, after)
            items.append(
                ReviewItem(
                    "impossible_travel",
                    after.occurred_at,
                    sites[here.site_id],
                    person=people.get(after.person_id),
                    event_id=here.event_id,
                    detail={
                        "other_site": sites[there.site_id].name,
                        "minutes": int(gap.total_seconds() // 60),
                        "metres": metres,
                        "km": round(metres / 1000, 1) if metres is not None else None,
                    },
                    on=schedule.local_day(here.occurred_at),
                )
            )
    return items


def _far_self_scans(events, sites, people) -> list[ReviewItem]:
    return [
        ReviewItem(
            "far_self_scan",
            e.occurred_at,
            sites[e.site_id],
            person=people.get(e.person_id),
            event_id=e.event_id,
            detail={
                "metres": e.distance_m,
                "refused": e.status == EventStatus.REJECTED,
                "reason": e.reason,
            },
        )
        for e in events
        if e.source == EventSource.SELF_SCAN
        and e.distance_m is not None
        and e.distance_m > FAR_SELF_SCAN_M
    ]


def _failed_scans(events, sites, people) -> list[ReviewItem]:
    groups: dict[tuple, list[AttendanceEvent]] = defaultdict(list)
    for e in events:
        if e.status == EventStatus.REJECTED:
            who = ("person", e.person_id) if e.person_id else ("token", e.token_hash)
            groups[(who, e.site_id, schedule.local_day(e.occurred_at))].append(e)
    items = []
    for ((who_kind, _who), site_id, _day), rows in groups.items():
        if len(rows) < FAILED_SCANS_LIMIT:
            continue
        last = rows[-1]
        items.append(
            ReviewItem(
                "failed_scans",
                last.occurred_at,
                sites[site_id],
                person=people.get(last.person_id) if who_kind == "person" else None,
                event_id=last.event_id,
                count=len(rows),
                detail={"reasons": sorted({r.reason or "" for r in rows})},
            )
        )
    return items
