"""Self check-in: a person's phone opened the rotating code of a site's kiosk. The site code
is checked, a grace token carries it through sign-in, and the person is checked in (or out)
with the same placement rules as a staff scan (checkin.placement), in the request's
transaction."""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from checkin import codes, keys, validation
from checkin.placement import NOWHERE, open_visit, place
from checkin.refusals import Refusal, ScanRejected, refusal
from checkin.rows import EventRow, PersonRow, event_values
from checkin.scanning import ScanOutcome
from checkin.store import CoreStore
from portal.extensions import db
from portal.models import (
    Activity,
    AttendanceEvent,
    EventKind,
    EventSource,
    EventStatus,
    Person,
    Site,
    utcnow,
)

#: A self check-in repeated within this time shows the first result instead of toggling.
SELF_SCAN_REPEAT = timedelta(minutes=2)
#: How long a grace token carries a scanned site code through sign-in.
GRACE_SECONDS = 600


def check_site_code(site_ref: str, slot: int, mac: str, now: datetime | None = None) -> Site:
    """The site of a scanned rotating code, if it is genuine and current (±1 slot).

    Raises DomainError unknown_code (no such site, or a forged code) or expired_code (a real
    code replayed outside its window).
    """
    now = now or utcnow()
    site = db.session.scalar(
        sa.select(Site).where(Site.public_ref == site_ref, Site.active.is_(True))
    )
    if site is None:
        raise refusal("unknown_code")
    try:
        codes.verify_site_code(site.site_key, site.public_ref, slot, mac, now)
    except codes.CodeError as exc:
        raise refusal(exc.code) from exc
    return site


def record_refused_self_scan(person: Person, site_ref: str, code: str, token: str) -> None:
    """Keep a signed-in person's failed self-scan (expired or forged site code) for review."""
    site = db.session.scalar(sa.select(Site).where(Site.public_ref == site_ref))
    now = utcnow()
    CoreStore.of_session().insert(
        event_values(
            {
                "event_id": str(uuid.uuid4()),
                "person_id": person.id,
                "site_id": site.id if site else None,
                "kind": EventKind.IN,
                "source": EventSource.SELF_SCAN,
                "occurred_at": now,
                "received_at": now,
                "status": EventStatus.REJECTED,
                "reason": code,
                "token_hash": codes.sha256_hex(token),
            }
        )
    )


def grace_token(site: Site, now: datetime | None = None) -> str:
    """A signed grace token for a verified scan of a site's code (see codes.make_grace_token)."""
    now = now or utcnow()
    return codes.make_grace_token(
        keys.secret(), site.public_ref, str(uuid.uuid4()), int(now.timestamp())
    )


def read_grace(token: str) -> tuple[Site, str, datetime]:
    """The site, event id and scan time of a grace token; expired_code after ten minutes."""
    try:
        site_ref, event_id, scanned = codes.read_grace_token(keys.secret(), token, GRACE_SECONDS)
    except codes.CodeError as exc:
        raise refusal(exc.code) from exc
    site = db.session.scalar(sa.select(Site).where(Site.public_ref == site_ref))
    if site is None:
        raise refusal("unknown_code")
    return site, validation.parse_event_id(event_id), datetime.fromtimestamp(scanned, UTC)


def distance_m(site: Site, latitude: float | None, longitude: float | None) -> int | None:
    """Great-circle distance from the site in metres, when both positions are known."""
    if None in (site.latitude, site.longitude, latitude, longitude):
        return None
    lat1, lon1, lat2, lon2 = map(math.radians, (site.latitude, site.longitude, latitude, longitude))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return round(2 * 6_371_000 * math.asin(min(1.0, math.sqrt(h))))


def _valid_position(latitude: object, longitude: object) -> tuple[float | None, float | None]:
    try:
        lat, lon = float(latitude), float(longitude)
    except (TypeError, ValueError):
        return None, None
    if math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180:
        return lat, lon
    return None, None


def self_check_in(
    person: Person,
    site: Site,
    *,
    event_id: str,
    occurred_at: datetime,
    latitude: object = None,
    longitude: object = None,
) -> ScanOutcome:
    """Check a person in (or out, if a visit is open) after they scanned the site's code.

    A repeat within two minutes shows the first result instead of toggling back. The phone's
    position is recorded when given and never blocks. Raises ScanRejected (stored) for
    wrong_site (naming the site where the person is expected) or not_enrolled.
    """
    now = utcnow()
    event_id = validation.parse_event_id(event_id)
    store = CoreStore.of_session()
    store.lock_people([person.public_ref])
    me = PersonRow(person.id, person.public_ref, person.first_name)
    recent = db.session.scalar(
        sa.select(AttendanceEvent)
        .where(
            AttendanceEvent.person_id == person.id,
            AttendanceEvent.site_id == site.id,
            AttendanceEvent.source == EventSource.SELF_SCAN,
            AttendanceEvent.status != EventStatus.REJECTED,
            AttendanceEvent.received_at >= now - SELF_SCAN_REPEAT,
        )
        .order_by(AttendanceEvent.received_at.desc())
        .limit(1)
    )
    if recent is not None:
        return ScanOutcome(
            EventRow.of(recent, me), me, duplicate=recent.event_id == event_id, repeat=True
        )
    kind = EventKind.OUT if open_visit(store, person.id, site.id, occurred_at)[0] else EventKind.IN
    lat, lon = _valid_position(latitude, longitude)
    status, reason, expected_site = EventStatus.ACCEPTED, None, None
    placement = NOWHERE
    try:
        placement = place(store, me, site.id, kind, occurred_at)
        reason = None if placement.note == "not_in" else placement.note
    except Refusal as refused:
        status, reason, expected_site = EventStatus.REJECTED, refused.code, refused.expected_site
    event, duplicate = store.insert(
        event_values(
            {
                "event_id": event_id,
                "person_id": person.id,
                "site_id": site.id,
                "activity_id": placement.activity_id,
                "session_id": placement.session_id,
                "kind": kind,
                "source": EventSource.SELF_SCAN,
                "occurred_at": occurred_at,
                "received_at": now,
                "status": status,
                "reason": reason,
                "latitude": lat,
                "longitude": lon,
                "distance_m": distance_m(site, lat, lon),
            }
        )
    )
    event.person = me
    if event.status == EventStatus.REJECTED:
        rejected = ScanRejected(event.reason or "not_enrolled", event, me)
        rejected.expected_site = expected_site
        raise rejected
    return ScanOutcome(event, me, duplicate=duplicate)


def activity_name(activity_id: int | None) -> str | None:
    """The name of an activity, for showing a result."""
    if activity_id is None:
        return None
    return db.session.scalar(sa.select(Activity.name).where(Activity.id == activity_id))
