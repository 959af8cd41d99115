"""Check-in's domain operations, as plain functions (pretix's ``perform_checkin`` habit).

Each operation is one transaction: it adds and flushes, and the request (or CLI command)
commits. Scans are idempotent on the client's event id through the unique constraint: the row is
inserted with ``INSERT … ON CONFLICT (event_id) DO NOTHING RETURNING id``, and no row returned
means "seen before", never read-then-write. Scans of one person are serialised with a row lock
on the person, so two devices scanning the same person at once cannot both open a visit.
Refusals raise DomainError (ScanRejected for scans, after the rejected scan has been stored)
with a stable code.

A scan is four statements: the device by its token, the person and card (locked) together with
the person's sessions that day, the person's events that day (a new statement after the lock,
so it sees any scan of them that committed meanwhile), and the insert. The device API's scan
runs them as plain SQL on a connection of its own (PlainSql, scan_connection); on PostgreSQL it
folds the first two into one and sends them in two round trips.
"""

from __future__ import annotations

import math
import re
import secrets
import threading
import uuid
import weakref
from collections import namedtuple
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from datetime import UTC, date, datetime, timedelta
from functools import cache

import psycopg
import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from psycopg.pq import TransactionStatus
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from checkin import codes, schedule, validation
from portal import audit
from portal.attendance import EventFact, Visit, derive_visits
from portal.errors import DomainError
from portal.extensions import db
from portal.models import (
    Activity,
    ActivitySession,
    AttendanceEvent,
    Device,
    DeviceEnrolmentCode,
    EventKind,
    EventSource,
    EventStatus,
    Person,
    PersonalCard,
    SigningKey,
    Site,
    StaffUser,
    utcnow,
)
from portal.refs import new_ref

#: The stable codes of refused scans and what they mean to the person at the scanner.
MESSAGES = {
    "unknown_code": _l("Koden känns inte igen."),
    "bad_signature": _l("Koden är inte äkta eller har ändrats."),
    "revoked_card": _l("Kortet är spärrat. Använd ditt nya kort eller visa koden i mobilen."),
    "expired_code": _l("Koden har gått ut. Skanna en ny kod."),
    "wrong_site": _l("Personen ska vara på en annan plats just nu."),
    "not_enrolled": _l("Personen har ingen aktivitet här just nu."),
    "device_revoked": _l("Den här enheten är avregistrerad. Kontakta en administratör."),
    "unauthorized": _l("Enheten är inte registrerad."),
    "refused_offline": _l("Personen släpptes inte in när enheten var utan nät."),
    "invalid_request": _l("Begäran är felaktig."),
    "enrolment_code_invalid": _l("Koden är fel, redan använd eller för gammal."),
    "event_not_correctable": _l("Den här händelsen går inte att rätta."),
    "not_found": _l("Hittades inte."),
    "event_id_conflict": _l("Händelsens id används redan för en annan plats."),
}
#: Codes of refusals where the person was still identified by a genuine code.
IDENTIFIED_REFUSALS = {"revoked_card", "expired_code", "wrong_site", "not_enrolled"}
#: A self check-in repeated within this time shows the first result instead of toggling.
SELF_SCAN_REPEAT = timedelta(minutes=2)
#: How long a grace token carries a scanned site code through sign-in.
GRACE_SECONDS = 600
#: How long an enrolment code is valid.
ENROLMENT_CODE_TTL = timedelta(hours=24)
#: Offline events older than this, or this far in the future, are refused as malformed.
MAX_EVENT_AGE = timedelta(days=31)
MAX_EVENT_AHEAD = timedelta(days=1)
#: Device rows are written at most this often for "last seen" (a write per scan would
#: serialise a device's scans on its row for no benefit).
LAST_SEEN_EVERY = timedelta(seconds=60)
#: An enrolment code: 12 characters without look-alikes (no 0/O, 1/I/L), shown in groups of 4.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def refusal(code: str, status: int = 422) -> DomainError:
    """A DomainError with the message for a stable code (translated when it is shown)."""
    return DomainError(code, MESSAGES.get(code, code), status)


class ScanRejected(DomainError):
    """A refused scan; the rejected event has been stored (commit it before answering)."""

    status = 422

    def __init__(self, code: str, event: AttendanceEvent | None, person: Person | None):
        super().__init__(code, MESSAGES.get(code, code))
        self.event = event
        self.person = person


class _Refusal(Exception):
    """Internal: a scan that cannot be accepted, with the person if the code was genuine."""

    def __init__(self, code: str, person: Person | None = None):
        super().__init__(code)
        self.code = code
        self.person = person


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


# --- Signing keys and personal cards -------------------------------------------------------


def current_signing_key() -> SigningKey:
    """The key that signs new codes: the newest one not retired (made on first use)."""
    key = db.session.scalar(
        sa.select(SigningKey)
        .where(SigningKey.retired_at.is_(None))
        .order_by(SigningKey.created_at.desc(), SigningKey.id.desc())
        .limit(1)
    )
    return key or rotate_signing_key()


def rotate_signing_key() -> SigningKey:
    """Make a new signing key and retire the others; old cards keep verifying by key id."""
    now = utcnow()
    db.session.execute(
        sa.update(SigningKey).where(SigningKey.retired_at.is_(None)).values(retired_at=now)
    )
    new = codes.generate_key(_secret())
    key = SigningKey(
        key_id=new.key_id,
        public_key=new.public_key,
        private_key_encrypted=new.private_key_encrypted,
        created_at=now,
    )
    db.session.add(key)
    db.session.flush()
    return key


def public_keys() -> dict[str, str]:
    """Every key id and its public key (retired keys still verify the cards they signed)."""
    return dict(db.session.execute(sa.select(SigningKey.key_id, SigningKey.public_key)).all())


#: Public keys by key id, per database engine. Keys are never changed or deleted, only added
#: and retired, so a cached key is never wrong; an unknown key id is looked up in the database
#: again. This saves a query per scan and holds no state that correctness depends on.
_KEY_CACHE: weakref.WeakKeyDictionary[sa.Engine, dict[str, str]] = weakref.WeakKeyDictionary()


class _PublicKeys:
    """The mapping verify_personal_code needs, backed by the cache and the database."""

    def get(self, key_id: str) -> str | None:
        keys = _KEY_CACHE.setdefault(db.engine, {})
        if key_id not in keys:
            keys.update(public_keys())
        return keys.get(key_id)


def current_card(person: Person) -> PersonalCard:
    """The person's valid card (the first one is issued on first use)."""
    card = db.session.scalar(
        sa.select(PersonalCard)
        .where(PersonalCard.person_id == person.id, PersonalCard.revoked_at.is_(None))
        .order_by(PersonalCard.serial.desc())
        .limit(1)
    )
    if card is not None:
        return card
    return _issue_card(person)


def _issue_card(person: Person) -> PersonalCard:
    highest = db.session.scalar(
        sa.select(sa.func.max(PersonalCard.serial)).where(PersonalCard.person_id == person.id)
    )
    card = PersonalCard(
        person_id=person.id,
        serial=(highest or 0) + 1,
        key_id=current_signing_key().key_id,
        issued_at=utcnow(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(card)
    except IntegrityError:
        # Two requests issued the first card at once; the other one won, use it.
        return db.session.scalars(
            sa.select(PersonalCard)
            .where(PersonalCard.person_id == person.id, PersonalCard.revoked_at.is_(None))
            .order_by(PersonalCard.serial.desc())
        ).first()
    return card


def replace_card(person: Person, reason: str = "replaced") -> PersonalCard:
    """Revoke the person's cards and issue a new serial (a lost or stolen card)."""
    now = utcnow()
    db.session.execute(
        sa.update(PersonalCard)
        .where(PersonalCard.person_id == person.id, PersonalCard.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason[:200])
    )
    return _issue_card(person)


def personal_code(person: Person, *, printed: bool, now: datetime | None = None) -> str:
    """The signed text of the person's code: a printed card's never expires, a phone's does."""
    card = current_card(person)
    key = db.session.scalar(sa.select(SigningKey).where(SigningKey.key_id == card.key_id))
    if key is None or key.retired_at is not None:
        # The card's key was retired: sign the same serial with the current key.
        key = current_signing_key()
    private = codes.decrypt_private_key(key.private_key_encrypted, key.key_id, _secret())
    issued = int((now or utcnow()).timestamp())
    ttl = 0 if printed else codes.PHONE_CODE_TTL
    return codes.sign_personal_code(
        private, key.key_id, person.public_ref, card.serial, issued, ttl
    )


# --- Devices --------------------------------------------------------------------------------


def _new_enrolment_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
    return "-".join(raw[i : i + 4] for i in range(0, 12, 4))


def normalise_enrolment_code(text: str) -> str:
    """Accept the code typed with or without dashes, spaces or lower case."""
    raw = "".join(ch for ch in text.upper() if ch.isalnum())
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def devices_of(user: StaffUser) -> list[Device]:
    """The devices at the sites of the administrator's municipality."""
    return list(
        db.session.scalars(
            sa.select(Device)
            .join(Site, Device.site_id == Site.id)
            .where(Site.municipality_id == user.municipality_id)
            .order_by(Site.name, Device.name)
        )
    )


def sites_of(user: StaffUser) -> list[Site]:
    """The active sites of the user's municipality (for an administrator's device form)."""
    return list(
        db.session.scalars(
            sa.select(Site)
            .where(Site.municipality_id == user.municipality_id, Site.active.is_(True))
            .order_by(Site.name)
        )
    )


def create_device(actor: StaffUser, site: Site, name: str) -> tuple[Device, str]:
    """Register a scanner or kiosk at a site; returns it with a one-time enrolment code."""
    if site.municipality_id != actor.municipality_id:
        raise refusal("not_found", 404)
    device = Device(public_ref=new_ref(), site_id=site.id, name=name.strip()[:120])
    device.created_by_id = actor.id
    db.session.add(device)
    db.session.flush()
    code = new_enrolment_code(actor, device)
    return device, code


def new_enrolment_code(actor: StaffUser, device: Device) -> str:
    """Issue a fresh one-time code for a device (earlier unused codes stop working)."""
    if device.revoked_at is not None:
        raise refusal("device_revoked", 409)
    now = utcnow()
    db.session.execute(
        sa.update(DeviceEnrolmentCode)
        .where(DeviceEnrolmentCode.device_id == device.id, DeviceEnrolmentCode.used_at.is_(None))
        .values(expires_at=now)
    )
    code = _new_enrolment_code()
    db.session.add(
        DeviceEnrolmentCode(
            device_id=device.id,
            code_hash=codes.sha256_hex(code),
            expires_at=now + ENROLMENT_CODE_TTL,
            created_at=now,
        )
    )
    audit.record("enrolment_code", "device", object_ref=device.public_ref, actor=actor)
    db.session.flush()
    return code


def enrol_device(code: str) -> tuple[Device, str]:
    """Exchange a one-time enrolment code for the device's token (shown only now)."""
    now = utcnow()
    row = db.session.scalar(
        sa.select(DeviceEnrolmentCode).where(
            DeviceEnrolmentCode.code_hash == codes.sha256_hex(normalise_enrolment_code(code))
        )
    )
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise refusal("enrolment_code_invalid", 400)
    # Claim the code atomically: of two devices racing with one code, one wins.
    claimed = db.session.execute(
        sa.update(DeviceEnrolmentCode)
        .where(DeviceEnrolmentCode.id == row.id, DeviceEnrolmentCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise refusal("enrolment_code_invalid", 400)
    device = db.session.get(Device, row.device_id)
    if device is None or device.revoked_at is not None:
        raise refusal("device_revoked", 403)
    token = secrets.token_urlsafe(32)
    device.token_hash = codes.sha256_hex(token)
    device.enrolled_at = now
    device.last_seen_at = now
    db.session.flush()
    return device, token


def revoke_device(actor: StaffUser, device: Device) -> None:
    """Stop a device: its token is refused from now on (scans already synced stand)."""
    if device.revoked_at is None:
        device.revoked_at = utcnow()
        audit.record("revoke", "device", object_ref=device.public_ref, actor=actor)
        db.session.flush()


def _token_hash_parameter() -> sa.BindParameter:
    return sa.bindparam("token_hash", type_=sa.String)


def _device_site_of_token() -> sa.ScalarSelect:
    """The site of the device of a token hash (parameter ``token_hash``), revoked or not."""
    table = Device.__table__
    return (
        sa.select(table.c.site_id).where(table.c.token_hash == _token_hash_parameter())
    ).scalar_subquery()


@cache
def _device_by_token() -> sa.Select:
    """The device row of a token hash, as plain columns (built once, run for every API call)."""
    table = Device.__table__
    return sa.select(*table.columns).where(table.c.token_hash == _token_hash_parameter())


def _persistent(model, values: dict):
    """The session's object for a row read as plain columns, without the ORM's loading.

    The object already in the session is returned as it is; otherwise one is made from the
    values and added as persistent (not new), so nothing is written for it, and any column
    not among the values is loaded from the database when it is first read.
    """
    key = identity_key(model, values["id"])
    existing = db.session.identity_map.get(key)
    if existing is not None:
        return existing
    obj = model(**values)
    make_transient_to_detached(obj)
    db.session.add(obj)
    return obj


def authenticate_device(token: str | None, pg: PlainSql | None = None) -> Device:
    """The device behind a bearer token; unauthorized or device_revoked otherwise.

    Read fresh on every request, so a revoked device is refused at once. Its site is loaded
    when first used (a scan needs only the site id). With ``pg`` (a scan on PostgreSQL) the
    device is a plain DeviceRow read with plain SQL.
    """
    if not token:
        raise refusal("unauthorized", 401)
    if pg is not None:
        device = pg.device(token)
        if device is None:
            raise refusal("unauthorized", 401)
        if device.revoked_at is not None:
            raise refusal("device_revoked", 403)
        return device
    row = db.session.execute(_device_by_token(), {"token_hash": codes.sha256_hex(token)}).first()
    if row is None:
        raise refusal("unauthorized", 401)
    device = _persistent(Device, row._asdict())
    if device.revoked_at is not None:
        raise refusal("device_revoked", 403)
    return device


def device_by_id(device_id: int) -> Device:
    """A device by its row id (read again after a retried transaction)."""
    device = db.session.get(Device, device_id)
    if device is None:
        raise refusal("unauthorized", 401)
    return device


def scan_online(token: str | None, body: object) -> ScanOutcome:
    """One online scan as the device API receives it: authenticate the device, check the
    body's fields strictly and record the scan in the scan's own transaction
    (``scan_connection``), which is ended there. Raises ScanRejected (stored) or DomainError.
    """
    with scan_connection() as pg:
        if pg is not None and token and isinstance(body, dict):
            pg.prefetch_scan(token, body.get("code"), body.get("occurred_at"))
        device = authenticate_device(token, pg)
        if not isinstance(body, dict):
            raise refusal("invalid_request", 400)
        if validation.boolean(body.get("offline"), "offline", False):
            # Offline scans are synced (POST /sync), where they are judged as offline.
            raise validation.InvalidField("offline", "range")
        return record_scan(
            device,
            pg=pg,
            event_id=body.get("event_id"),
            code=body.get("code"),
            mode=body.get("mode"),
            occurred_at=body.get("occurred_at"),
            device_seq=body.get("device_seq"),
            device_time=body.get("device_time"),
        )


def _seen(device: Device, now: datetime, seq: int | None, *, force: bool = False) -> bool:
    """Note that the device was heard from (at most once a minute, unless forced); True if
    the device's row is to be written."""
    if (
        not force
        and device.last_seen_at is not None
        and now - device.last_seen_at < LAST_SEEN_EVERY
    ):
        return False
    device.last_seen_at = now
    if seq is not None and (device.last_seq is None or seq > device.last_seq):
        device.last_seq = seq
    return True


# --- Events: facts, visits and placement ---------------------------------------------------


def _facts(*conditions) -> list[AttendanceEvent]:
    """Events matching the conditions, plus every event that annuls or corrects one of them.

    One query in the usual case: the matching events and their direct annulments and
    corrections together; only a correction of a correction needs another round.
    """
    matching = sa.select(AttendanceEvent.id).where(*conditions)
    rows = list(
        db.session.scalars(
            sa.select(AttendanceEvent).where(
                sa.or_(sa.and_(*conditions), AttendanceEvent.supersedes_id.in_(matching))
            )
        )
    )
    seen = {e.id for e in rows}
    frontier = {e.id for e in rows if e.supersedes_id is not None}
    while frontier:
        more = [
            e
            for e in db.session.scalars(
                sa.select(AttendanceEvent).where(
                    AttendanceEvent.supersedes_id.in_(sorted(frontier))
                )
            )
            if e.id not in seen
        ]
        rows.extend(more)
        frontier = {e.id for e in more}
        seen |= frontier
    return rows


def visits_at(site_id: int, day: date, person_id: int | None = None) -> list[Visit]:
    """Visits at a site on a Stockholm day, derived by portal.attendance."""
    start, end = schedule.day_bounds(day)
    conditions = [
        AttendanceEvent.site_id == site_id,
        AttendanceEvent.occurred_at >= start,
        AttendanceEvent.occurred_at < end,
    ]
    if person_id is not None:
        conditions.append(AttendanceEvent.person_id == person_id)
    return derive_visits(EventFact.of(e) for e in _facts(*conditions))


def _person_facts(person_id: int, site_id: int, day: date, pg: PlainSql | None = None) -> list:
    """The person's events at a site on a day, plus every event annulling or correcting one.

    The same rows as ``_facts`` for these conditions, as plain rows (the fields of EventFact
    and the session), and every row is looked up by person (annulments and corrections carry
    the person of the event they supersede), so it is one index range on
    ``ix_attendance_event_person_occurred`` however big the log or busy the site is.
    """
    start, end = schedule.day_bounds(day)
    params = {"person_id": person_id, "site_id": site_id, "start": start, "end": end}
    if pg is not None:
        rows = pg.facts(params)
    else:
        rows = list(db.session.execute(_person_facts_query(), params))
    seen = {e.id for e in rows}
    frontier = {e.id for e in rows if e.supersedes_id is not None}
    while frontier:  # a correction of a correction (rare)
        more = [
            e
            for e in db.session.execute(
                sa.select(*_FACT_COLUMNS).where(
                    AttendanceEvent.__table__.c.supersedes_id.in_(sorted(frontier))
                )
            )
            if e.id not in seen
        ]
        rows.extend(more)
        frontier = {e.id for e in more}
        seen |= frontier
    return rows


_EVENTS = AttendanceEvent.__table__.c
_FACT_COLUMNS = (
    _EVENTS.id,
    _EVENTS.person_id,
    _EVENTS.activity_id,
    _EVENTS.site_id,
    _EVENTS.session_id,
    _EVENTS.kind,
    _EVENTS.status,
    _EVENTS.occurred_at,
    _EVENTS.supersedes_id,
)


@cache
def _person_facts_query(by_ref: bool = False, by_token: bool = False) -> sa.Select:
    """The statement of ``_person_facts``; ``by_ref``: for the person of a public reference
    (parameter ``ref``), so that it can be sent together with the statement that finds them;
    ``by_token``: at the site of the device of a token hash (parameter ``token_hash``), so
    that it can be sent together with the statement that finds the device."""
    person = _EVENTS.person_id == schedule.person_parameter(by_ref)
    site = _device_site_of_token() if by_token else sa.bindparam("site_id", type_=sa.Integer)
    matching = (
        person,
        _EVENTS.site_id == site,
        _EVENTS.occurred_at >= sa.bindparam("start", type_=_EVENTS.occurred_at.type),
        _EVENTS.occurred_at < sa.bindparam("end", type_=_EVENTS.occurred_at.type),
    )
    superseded = sa.select(_EVENTS.id).where(*matching).scalar_subquery()
    return sa.select(*_FACT_COLUMNS).where(
        person,
        sa.or_(sa.and_(*matching[1:]), _EVENTS.supersedes_id.in_(superseded)),
    )


def _open_visit(
    person_id: int, site_id: int, moment: datetime, pg: PlainSql | None = None
) -> tuple[Visit | None, dict[int, int | None]]:
    """The person's visit at the site that is open at a moment (latest check-in first), and
    the session of each of the day's events (by row id)."""
    facts = _person_facts(person_id, site_id, schedule.local_day(moment), pg)
    open_ = [
        v
        for v in derive_visits(EventFact.of(e) for e in facts)
        if v.in_at <= moment and not v.missing_checkout and (v.out_at is None or v.out_at > moment)
    ]
    sessions_of = {e.id: e.session_id for e in facts}
    return (max(open_, key=lambda v: v.in_at) if open_ else None), sessions_of


@dataclass(frozen=True)
class _Placement:
    activity_id: int | None
    session_id: int | None
    note: str | None
    #: The auto-close event a late check-out replaces (annulled with the check-out).
    reopens: int | None = None


def _after_midnight(moment: datetime) -> bool:
    """Whether a moment is within the late check-out allowance after local midnight, when a
    check-out may still belong to an evening session of the day before."""
    return moment - schedule.day_bounds(schedule.local_day(moment))[0] < schedule.LATE_OUT


def _closable_visit(
    person_id: int, site_id: int, moment: datetime, pg: PlainSql | None = None
) -> tuple[Visit | None, dict[int, int | None], int | None]:
    """The visit a check-out at a moment closes: the one open then (latest check-in first),
    or else one auto-closed at its session's end at most LATE_OUT before the check-out (its
    auto-close event is the third value: the check-out replaces it). A check-out within
    LATE_OUT after midnight also finds a visit of the day before whose session at the site
    ended within the allowance. Also the session of each event read (by row id)."""
    day = schedule.local_day(moment)
    facts = _person_facts(person_id, site_id, day, pg)
    visit, reopens = _closing_candidate(facts, moment)
    if visit is None and _after_midnight(moment):
        before = day - timedelta(days=1)
        ended = [s for s in schedule.expected_slots(before, person_id) if s.site_id == site_id]
        if schedule.closest(ended, moment, before=schedule.EARLY, after=schedule.LATE_OUT):
            seen = {e.id for e in facts}
            facts = facts + [
                e for e in _person_facts(person_id, site_id, before, pg) if e.id not in seen
            ]
            visit, reopens = _closing_candidate(facts, moment)
    return visit, {e.id: e.session_id for e in facts}, reopens


def _closing_candidate(facts: list, moment: datetime) -> tuple[Visit | None, int | None]:
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


def _place(
    person: Person | PersonRow,
    site_id: int,
    kind: EventKind,
    moment: datetime,
    slots: list[schedule.Slot] | None = None,
    pg: PlainSql | None = None,
) -> _Placement:
    """Decide the activity and session of a scan from the person's plan and enrolments.

    A check-out closes the visit it belongs to at the site (``_closable_visit``, also across
    midnight within the late check-out allowance); otherwise the session closest in time
    among the person's sessions at this site that day (for a check-out shortly after
    midnight, also the evening before). Refuses with wrong_site when the person is expected
    elsewhere at the time, and not_enrolled when nowhere. ``slots`` are the person's sessions
    that day, if already read.
    """
    open_visit = None
    if kind == EventKind.OUT:
        visit, sessions_of, reopens = _closable_visit(person.id, site_id, moment, pg)
        if visit is not None:
            return _Placement(visit.activity_id, sessions_of.get(visit.in_event_id), None, reopens)
    else:
        open_visit = _open_visit(person.id, site_id, moment, pg)[0]
    if slots is None:
        slots = schedule.expected_slots(schedule.local_day(moment), person.id)
    mine = slots
    if kind == EventKind.OUT and _after_midnight(moment):
        before = schedule.local_day(moment) - timedelta(days=1)
        mine = mine + schedule.expected_slots(before, person.id)
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
        raise _Refusal("wrong_site" if elsewhere else "not_enrolled", person)
    note = None
    if kind == EventKind.IN and open_visit is not None:
        note = "already_in" if open_visit.activity_id == match.activity_id else None
    elif kind == EventKind.OUT:
        note = "not_in"
    return _Placement(match.activity_id, match.session_id, note)


def _lock_person(person_id: int) -> None:
    """Serialise scans of one person (PostgreSQL row lock; SQLite serialises writers anyway)."""
    db.session.execute(sa.select(Person.id).where(Person.id == person_id).with_for_update())


def _insert(
    event: AttendanceEvent | dict, pg: PlainSql | None = None, *, commit: bool = True
) -> tuple[AttendanceEvent | EventRow, bool]:
    """Insert an event, or return the stored one with the same event id (True = duplicate).

    One statement, ``INSERT … ON CONFLICT (event_id) DO NOTHING RETURNING id``: the unique
    constraint decides, never a read before the write, and no SAVEPOINT is needed since a
    repeat is not an error. A concurrent insert of the same event id makes PostgreSQL wait for
    that transaction and then do nothing, so the stored row is visible to the next statement.
    The new row becomes a persistent object of the session without another round trip.
    With ``pg`` the event is given as a dict of its fields and comes back as an EventRow;
    ``commit`` False keeps the transaction open for another insert after it.
    """
    table = AttendanceEvent.__table__
    given = event if isinstance(event, dict) else event.__dict__
    values = {}
    for column in table.columns:
        if column.key == "id":
            continue
        if column.key in given:
            value = given[column.key]
        elif column.default is not None:
            value = column.default.arg
            value = value(None) if callable(value) else value
        else:
            value = None
        values[column.key] = value
    if pg is not None:
        return pg.insert_event(values, commit=commit)
    new_id = db.session.execute(
        _insert_statement(db.session.get_bind().dialect.name), values
    ).scalar()
    if new_id is None:
        existing = db.session.scalar(
            sa.select(AttendanceEvent).where(AttendanceEvent.event_id == values["event_id"])
        )
        if existing is None:  # cannot happen: DO NOTHING only for this constraint
            raise RuntimeError("event id conflict without a stored event")
        return existing, True
    for key, value in values.items():
        setattr(event, key, value)
    event.id = new_id
    make_transient_to_detached(event)
    db.session.add(event)
    return event, False


@cache
def _insert_statement(dialect: str):
    """The idempotent insert of an event for the database in use (built once per dialect)."""
    from sqlalchemy.dialects import postgresql, sqlite

    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = AttendanceEvent.__table__
    return (
        insert(table)
        .values({c.key: sa.bindparam(c.key, type_=c.type) for c in table.columns if c.key != "id"})
        .on_conflict_do_nothing(index_elements=[table.c.event_id])
        .returning(table.c.id)
    )


def parse_event_id(value: object, field: str = "event_id") -> str:
    """A client event id as a canonical UUID string, or invalid_request naming the field."""
    try:
        return str(uuid.UUID(str(value)))
    except (ValueError, TypeError, AttributeError) as exc:
        raise validation.InvalidField(field, "format") from exc


def parse_moment(value: object, now: datetime, field: str = "occurred_at") -> datetime:
    """An ISO 8601 time with offset (or epoch milliseconds), within sane limits, as UTC."""
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            moment = datetime.fromtimestamp(value / 1000, UTC)
        else:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except (ValueError, TypeError, OverflowError, OSError) as exc:
        raise validation.InvalidField(field, "format") from exc
    if moment.tzinfo is None:
        raise validation.InvalidField(field, "format")
    moment = moment.astimezone(UTC)
    if not (now - MAX_EVENT_AGE <= moment <= now + MAX_EVENT_AHEAD):
        raise validation.InvalidField(field, "range")
    return moment


# --- Scans on PostgreSQL: plain SQL in the session's transaction ----------------------------


@dataclass
class DeviceRow:
    """A device as a scan needs it, read with plain SQL (the PostgreSQL scan's Device)."""

    id: int
    site_id: int
    revoked_at: datetime | None
    last_seen_at: datetime | None
    last_seq: int | None

    @classmethod
    def of(cls, row, prefix: str = "") -> DeviceRow:
        """The device in a result row, its columns named with ``prefix``."""
        return cls(*(getattr(row, prefix + f.name) for f in dataclass_fields(cls)))


@dataclass(frozen=True)
class PersonRow:
    """A scanned person as a scan answers with them (the PostgreSQL scan's Person)."""

    id: int
    public_ref: str
    first_name: str


@dataclass
class EventRow:
    """A stored event as a scan answers with it (the PostgreSQL scan's AttendanceEvent)."""

    id: int
    event_id: str
    person_id: int | None
    kind: EventKind
    status: EventStatus
    reason: str | None
    occurred_at: datetime
    #: The event's person, for a repeated scan.
    person: PersonRow | None = None
    site_id: int | None = None


def _stored_event_query() -> sa.Select:
    """A stored event by its event id, with its person (for a repeated scan)."""
    person = Person.__table__.c
    return (
        sa.select(
            _EVENTS.id,
            _EVENTS.event_id,
            _EVENTS.person_id,
            _EVENTS.kind,
            _EVENTS.status,
            _EVENTS.reason,
            _EVENTS.occurred_at,
            _EVENTS.site_id,
            person.public_ref,
            person.first_name,
        )
        .select_from(
            AttendanceEvent.__table__.outerjoin(Person.__table__, person.id == _EVENTS.person_id)
        )
        .where(_EVENTS.event_id == sa.bindparam("event_id", type_=sa.String))
    )


def _device_seen_statement() -> sa.Update:
    table = Device.__table__
    return (
        sa.update(table)
        .where(table.c.id == sa.bindparam("device_id", type_=sa.Integer))
        .values(
            last_seen_at=sa.bindparam("last_seen_at", type_=table.c.last_seen_at.type),
            last_seq=sa.bindparam("last_seq", type_=table.c.last_seq.type),
        )
    )


_PLAIN_STATEMENTS = {
    "device": lambda: _device_by_token(),
    "person": lambda: _person_and_card(),
    "device_and_person": lambda: _device_and_person(),
    "facts": lambda: _person_facts_query(),
    "facts_by_ref": lambda: _person_facts_query(by_ref=True),
    "facts_for_device": lambda: _person_facts_query(by_ref=True, by_token=True),
    "insert": lambda: _insert_statement("postgresql"),
    "stored": _stored_event_query,
    "seen": _device_seen_statement,
}


@cache
def _plain_sql(
    name: str, dialect_name: str = "postgresql"
) -> tuple[str, dict, dict, Callable, bool]:
    """A scan statement compiled once for the driver (psycopg, or sqlite3 with named
    parameters): its SQL, the values of its literal parameters, the bind processors of its
    named ones (as SQLAlchemy would run them), a row factory making named tuples of its result
    columns (known here, so not read from each result's description), and whether it returns
    rows. On SQLite the row factory also turns the stored text back into values (timestamps,
    times, enums, JSON), with the result processors SQLAlchemy would run; psycopg gives
    PostgreSQL's values as they are."""
    from sqlalchemy.dialects import postgresql, sqlite

    if dialect_name == "sqlite":
        dialect = sqlite.pysqlite.dialect(paramstyle="named")
    else:
        dialect = postgresql.psycopg.dialect()
    statement = _PLAIN_STATEMENTS[name]()
    compiled = statement.compile(dialect=dialect)
    if isinstance(statement, sa.Select):
        columns = list(statement.selected_columns)
    else:
        columns = list(getattr(statement, "_returning", ()))
    names = [c.key for c in columns]
    make = namedtuple(f"{name}_row", names)._make if names else tuple

    if dialect_name == "sqlite":
        converters = [
            (i, process)
            for i, column in enumerate(columns)
            if (process := column.type.dialect_impl(dialect).result_processor(dialect, None))
        ]

        def row_factory(_cursor, row):
            if converters:
                row = list(row)
                for i, process in converters:
                    row[i] = process(row[i])
            return make(row)

        def placeholder(key):
            return re.search(rf":{re.escape(key)}\b", compiled.string)
    else:

        def row_factory(_cursor):
            return make

        def placeholder(key):
            return f"%({key})s" in compiled.string

    literals, processors = {}, {}
    for key, bind in compiled.binds.items():
        if not placeholder(key):
            continue
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if bind.value is not None:
            literals[key] = process(bind.value) if process else bind.value
        elif process is not None:
            processors[key] = process
    return compiled.string, literals, processors, row_factory, bool(names)


_IDLE = TransactionStatus.IDLE
_BEGIN, _COMMIT = b"BEGIN", b"COMMIT"
#: The statements that only read (an exchange of them alone may be sent again).
_READS = frozenset(
    {"device", "person", "device_and_person", "facts", "facts_by_ref", "facts_for_device", "stored"}
)


def _utc(value: datetime | None) -> datetime | None:
    return value.astimezone(UTC) if value is not None else None


class PlainSql:
    """A scan's statements as plain SQL on a psycopg connection (PostgreSQL) or a sqlite3 one
    (SQLite; see ``scan_connection``), sent in as few round trips as their order allows.

    The statements are the SQLAlchemy ones compiled once, run with the same parameters (and
    bind processors) in the same transaction, so the FOR UPDATE lock and the ON CONFLICT
    idempotency are unchanged; only SQLAlchemy's per-statement work (compiling the cache
    key, result processing, ORM objects) is left out. Timestamps are read back in UTC, as
    UtcDateTime does.

    Every exchange with the server is one ``exchange``: its statements go in one round trip
    (psycopg's pipeline mode, which also carries the BEGIN of a new transaction). An online
    scan is two: ``prefetch_scan`` reads the device, the person (locked) and the person's
    events; the insert goes with the device's "last seen" write and, with
    ``commit_with_insert``, the COMMIT.

    On SQLite there is no round trip to save: the statements run one after another, nothing
    is prefetched, and the sqlite3 module begins the transaction at the insert (the reads,
    as through SQLAlchemy on SQLite, each see what was committed before them).
    """

    def __init__(
        self,
        connection,
        *,
        commit_with_insert: bool = False,
        cursors: dict | None = None,
        reconnect: Callable[[Exception], tuple] | None = None,
        dialect: str = "postgresql",
    ):
        self.connection = connection
        #: "postgresql" (psycopg, pipelined) or "sqlite" (sqlite3, one after another).
        self.dialect = dialect
        #: Called with the error when the connection turns out to be dead at the first
        #: exchange; gives a new (connection, cursors) to run it again on (scan_connection).
        self._reconnect = reconnect
        self._exchanged = False
        #: A cursor for each statement, kept with the connection (``scan_connection``): a
        #: cursor that runs the same statement again keeps its adapters, where a new one
        #: would look up how to send each parameter again.
        self._cursors: dict = {} if cursors is None else cursors
        #: Commit the transaction in the insert's round trip (the device API's scan, whose
        #: request would commit right after it anyway).
        self.commit_with_insert = commit_with_insert
        #: What prefetch_scan read, by what it was read for.
        self._device: tuple[str, DeviceRow | None] | None = None  # (token, device)
        self._person: tuple[tuple, list] | None = None
        #: The person's events read with the person: ((person id, site id, day), rows).
        self._facts: tuple[tuple, list] | None = None
        #: The device's "last seen" write, sent with the insert.
        self._seen: dict | None = None

    def _send(self, name: str, params: dict):
        """A cursor on which the statement has been sent (its rows come with fetchall)."""
        sql, literals, processors, row_factory, _returns_rows = _plain_sql(name, self.dialect)
        for key, process in processors.items():
            if key in params:
                params[key] = process(params[key])
        cursor = self._cursor(name, row_factory)
        cursor.execute(sql, {**literals, **params})
        return cursor

    def _cursor(self, name: str, row_factory=None):
        cursor = self._cursors.get(name)
        if self.dialect == "sqlite":
            if cursor is None:
                cursor = self._cursors[name] = self.connection.cursor()
                cursor.row_factory = row_factory
        elif cursor is None or cursor.closed:
            cursor = self._cursors[name] = self.connection.cursor(row_factory=row_factory)
        return cursor

    def exchange(self, *statements: tuple[str, dict], commit: bool = False) -> list[list]:
        """Send the statements (and a COMMIT after them) in one round trip; their rows.

        The connection is in autocommit mode (``scan_connection``) and the transaction's
        BEGIN and COMMIT are sent as statements of the pipeline: psycopg, left to begin and
        commit itself, waits for each of them in a round trip of its own.
        """
        if self.dialect == "sqlite":
            return self._in_order(statements, commit)
        first, self._exchanged = not self._exchanged, True
        try:
            cursors = self._pipeline(statements, commit)
        except psycopg.OperationalError as exc:
            # A connection that died while idle in the pool (a database restart, an idle
            # timeout) is found here, not by a ping on every checkout. The first exchange
            # only reads, so it is sent again on a new connection; later ones are not.
            if not (first and self.connection.broken and self._reconnect is not None):
                raise
            if not {name for name, _ in statements} <= _READS:
                raise
            self.connection, self._cursors = self._reconnect(exc)
            cursors = self._pipeline(statements, commit)
        out = []
        for name, cursor in cursors:
            out.append(cursor.fetchall() if _plain_sql(name)[4] else [])
        return out

    def _in_order(self, statements, commit: bool) -> list[list]:
        """SQLite: run the statements one after another (each result is read before the
        next, and before the COMMIT, so that an INSERT … RETURNING has finished)."""
        out = []
        for name, params in statements:
            cursor = self._send(name, params)
            out.append(cursor.fetchall() if _plain_sql(name, "sqlite")[4] else [])
        if commit:
            self.connection.commit()
        return out

    def _pipeline(self, statements, commit: bool) -> list:
        connection = self.connection
        with connection.pipeline():
            if connection.info.transaction_status == _IDLE:
                self._cursor("BEGIN").execute(_BEGIN)
            cursors = [(name, self._send(name, params)) for name, params in statements]
            if commit:
                self._cursor("COMMIT").execute(_COMMIT)
        return cursors

    def rows(self, name: str, params: dict) -> list:
        return self.exchange((name, params))[0]

    def prefetch_scan(self, token: str, code, occurred_at) -> None:
        """Read in one round trip what a scan with this device token and code will read.

        For a genuine code (a valid signature): the device with the person (locked, only
        while the device may scan) and the person's sessions that day, then the person's
        events of the day at the device's site; otherwise just the device. Nothing is
        decided here: what was read is used by ``device`` and ``person_and_facts`` when
        they ask for the same, and a malformed or refused request reads nothing more. On
        SQLite nothing is read ahead: there is no round trip to save.
        """
        if self.dialect == "sqlite":
            return
        token_hash = codes.sha256_hex(token)
        claims = day = None
        if isinstance(code, str) and len(code) <= 512:
            try:
                claims = codes.verify_personal_code(code, _PublicKeys())
                day = schedule.local_day(parse_moment(occurred_at, utcnow()))
            except (codes.CodeError, DomainError):
                claims = None
        if claims is None:
            self._device = (token, self.device(token))
            return
        start, end = schedule.day_bounds(day)
        rows, fact_rows = self.exchange(
            (
                "device_and_person",
                {
                    "token_hash": token_hash,
                    "ref": claims.person_ref,
                    "serial": claims.serial,
                    "day": day,
                    "weekday": day.isoweekday(),
                },
            ),
            (
                "facts_for_device",
                {"token_hash": token_hash, "ref": claims.person_ref, "start": start, "end": end},
            ),
        )
        device = DeviceRow.of(rows[0], "device_") if rows else None
        self._device = (token, device)
        if device is None or device.revoked_at is not None:
            return
        site_id = device.site_id
        person_rows = [row for row in rows if row.id is not None]
        self._person = ((claims.person_ref, claims.serial, day, site_id), person_rows)
        if person_rows:
            self._facts = ((person_rows[0].id, site_id, day), fact_rows)

    def device(self, token: str) -> DeviceRow | None:
        """The device of a bearer token (``authenticate_device``), unless already read."""
        if self._device is not None and self._device[0] == token:
            return self._device[1]
        rows = self.rows("device", {"token_hash": codes.sha256_hex(token)})
        return DeviceRow.of(rows[0]) if rows else None

    def person_and_facts(self, params: dict, site_id: int, day: date) -> list:
        """The rows of the person statement and, in the same round trip, the person's events
        of the day at the site; the events statement runs after the locking one, so it sees
        every scan of the person committed before the lock. Either as prefetched."""
        key = (params["ref"], params["serial"], day, site_id)
        if self._person is not None and self._person[0] == key:
            return self._person[1]
        start, end = schedule.day_bounds(day)
        rows, fact_rows = self.exchange(
            ("person", params),
            (
                "facts_by_ref",
                {"ref": params["ref"], "site_id": site_id, "start": start, "end": end},
            ),
        )
        if rows:
            self._facts = ((rows[0].id, site_id, day), fact_rows)
        return rows

    def facts(self, params: dict) -> list:
        """The rows of the person's events (``_person_facts``), if not already read."""
        key = (params["person_id"], params["site_id"], schedule.local_day(params["start"]))
        if self._facts is not None and self._facts[0] == key:
            return self._facts[1]
        return self.rows("facts", params)

    def seen(self, device: DeviceRow) -> None:
        """Write the device's last seen time and sequence number (see ``_seen``), with the
        next insert."""
        self._seen = {
            "device_id": device.id,
            "last_seen_at": device.last_seen_at,
            "last_seq": device.last_seq,
        }

    def insert_event(self, values: dict, *, commit: bool = True) -> tuple[EventRow, bool]:
        """The idempotent insert of ``_insert``; a repeat returns the stored event. With
        ``commit`` False the transaction stays open (another insert follows)."""
        statements = [("insert", dict(values))]
        if self._seen is not None:
            statements.append(("seen", self._seen))
            self._seen = None
        inserted = self.exchange(*statements, commit=self.commit_with_insert and commit)[0]
        if inserted:
            return EventRow(
                inserted[0].id,
                values["event_id"],
                values["person_id"],
                EventKind(values["kind"]),
                EventStatus(values["status"]),
                values["reason"],
                values["occurred_at"],
                site_id=values["site_id"],
            ), False
        stored = self.rows("stored", {"event_id": values["event_id"]})
        if not stored:  # cannot happen: DO NOTHING only for this constraint
            raise RuntimeError("event id conflict without a stored event")
        row = stored[0]
        person = (
            PersonRow(row.person_id, row.public_ref, row.first_name)
            if row.person_id is not None
            else None
        )
        return EventRow(
            row.id,
            row.event_id,
            row.person_id,
            EventKind(row.kind),
            EventStatus(row.status),
            row.reason,
            _utc(row.occurred_at),
            person,
            row.site_id,
        ), True


#: The scans' engine of each app engine (see _scan_engine).
_SCAN_ENGINES: weakref.WeakKeyDictionary[sa.Engine, sa.Engine] = weakref.WeakKeyDictionary()
_SCAN_ENGINES_LOCK = threading.Lock()


def _scan_engine() -> sa.Engine:
    """The engine of the scans' connections: the app's database and engine options, but no
    ping on checkout (a round trip per scan; PlainSql finds a dead connection at its first
    exchange instead) and no reset on checkin. Disposed of with the app's engine."""
    engine = db.engine
    scan = _SCAN_ENGINES.get(engine)
    if scan is not None:
        return scan  # every scan but the first: no lock taken
    with _SCAN_ENGINES_LOCK:
        scan = _SCAN_ENGINES.get(engine)
        if scan is None:
            options = dict(current_app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
            options["pool_pre_ping"] = False
            # A scan's connection goes back idle, out of autocommit mode, or is dropped
            # (_check_in): no rollback is needed on its way into the pool.
            options["pool_reset_on_return"] = None
            scan = _SCAN_ENGINES[engine] = sa.create_engine(engine.url, **options)
            sa.event.listen(engine, "engine_disposed", lambda _engine: scan.dispose())
    return scan


@contextmanager
def scan_connection() -> Iterator[PlainSql | None]:
    """A scan's own database connection, with its statements as plain SQL (PostgreSQL and
    SQLite), or None (another database, or the app sets CHECKIN_PLAIN_SQL false: the session
    is used).

    The connection comes from the scans' pool (``_scan_engine``), outside the request's
    session, in autocommit mode: PlainSql sends the BEGIN and the COMMIT with its statements,
    and the scan's one transaction is committed with its insert. A refusal (DomainError)
    leaves only reads behind, which are ended with a COMMIT as well: a ROLLBACK would make
    psycopg discard its prepared statements, and every scan after it pay for planning them
    again. Anything else is rolled back.

    On SQLite the connection is one of the app engine's (a ping there costs no round trip),
    left in the sqlite3 module's own transaction handling (see PlainSql).
    """
    dialect = db.engine.dialect.name
    if not current_app.config.get("CHECKIN_PLAIN_SQL", True) or dialect not in (
        "postgresql",
        "sqlite",
    ):
        yield None
        return
    if dialect == "sqlite":
        pooled = db.engine.raw_connection()
        cursors = pooled.info.setdefault("scan_cursors", {})
        plain = PlainSql(
            pooled.driver_connection, commit_with_insert=True, cursors=cursors, dialect="sqlite"
        )
        try:
            with _scan_transaction(plain):
                yield plain
        finally:
            pooled.close()
        return
    engine = _scan_engine()
    pooled = None

    def checkout() -> tuple:
        nonlocal pooled
        pooled = engine.raw_connection()
        pooled.driver_connection.autocommit = True
        return pooled.driver_connection, pooled.info.setdefault("scan_cursors", {})

    def reconnect(error: Exception) -> tuple:
        pooled.invalidate(error)
        pooled.close()
        engine.dispose()  # the pool's other connections are as likely to be dead
        return checkout()

    connection, cursors = checkout()
    try:
        pg = PlainSql(connection, commit_with_insert=True, cursors=cursors, reconnect=reconnect)
        with _scan_transaction(pg):
            yield pg
    finally:
        _check_in(pooled)


@contextmanager
def _scan_transaction(plain: PlainSql) -> Iterator[None]:
    """End the scan's transaction: committed after the scan, and after a refusal too (which
    leaves only reads behind, or a stored rejected scan); rolled back on any other error.
    ``plain.connection`` is read at the end, as PlainSql may have moved to a new one."""
    try:
        yield
    except DomainError:
        plain.connection.commit()
        raise
    except BaseException:
        if not getattr(plain.connection, "closed", False):  # sqlite3 has no "closed"
            plain.connection.rollback()
        raise
    plain.connection.commit()


def _check_in(pooled) -> None:
    """Give a scan's connection back to the pool, out of autocommit mode, or drop it."""
    connection = pooled.driver_connection
    try:
        if connection is None:
            pass  # already invalidated
        elif not connection.closed and connection.info.transaction_status == _IDLE:
            connection.autocommit = False
        else:
            pooled.invalidate()
    finally:
        pooled.close()


# --- Scans by a device ---------------------------------------------------------------------


@dataclass
class ScanOutcome:
    """An accepted (or flagged) scan, or the stored first copy of a repeated one."""

    event: AttendanceEvent
    person: Person | None
    duplicate: bool = False
    #: For self check-in: shown again because the person scanned twice within minutes.
    repeat: bool = False


@cache
def _person_and_card() -> sa.Select:
    """The person of a code with their card of that serial, locked, and the sessions they
    are expected at that day: one statement (built once).

    The sessions come from enrolments and plans, which scans never write, so reading them
    in the locking statement's snapshot is safe; the person's events are read afterwards.
    """
    person, card = Person.__table__.c, PersonalCard.__table__.c
    slot = schedule.slot_query()
    statement = (
        sa.select(
            person.id,
            person.public_ref,
            person.first_name,
            card.id.label("card_id"),
            card.revoked_at.label("card_revoked_at"),
            slot.c.session_id,
            slot.c.activity_id,
            slot.c.start_time,
            slot.c.end_time,
            slot.c.site_id,
            slot.c.activity_name,
            slot.c.session_ids,
        )
        .select_from(
            Person.__table__.outerjoin(
                PersonalCard.__table__,
                sa.and_(
                    card.person_id == person.id,
                    card.serial == sa.bindparam("serial", type_=sa.Integer),
                ),
            ).outerjoin(slot, sa.true())
        )
        .where(person.public_ref == sa.bindparam("ref", type_=sa.String))
        # Serialise scans of one person (PostgreSQL; SQLite serialises writers anyway).
        .with_for_update(of=Person.__table__)
    )
    return statement


@cache
def _device_and_person() -> sa.Select:
    """The device of a token hash (parameter ``token_hash``) and, only while it may scan,
    the rows of ``_person_and_card`` (the person locked): one statement, so that a scan
    reads both in one snapshot and a refused device finds and locks nobody. Every row
    carries the device as ``device_*``; the person's columns are empty when nobody was
    found (or the device is revoked), and there is no row for an unknown token."""
    device = Device.__table__
    person = (
        _person_and_card().where(device.c.revoked_at.is_(None)).correlate(device).lateral("scanned")
    )
    return (
        sa.select(
            device.c.id.label("device_id"),
            device.c.site_id.label("device_site_id"),
            device.c.revoked_at.label("device_revoked_at"),
            device.c.last_seen_at.label("device_last_seen_at"),
            device.c.last_seq.label("device_last_seq"),
            *person.c,
        )
        .select_from(device.outerjoin(person, sa.true()))
        .where(device.c.token_hash == _token_hash_parameter())
    )


def _identify(
    text: str,
    fresh_at: datetime,
    day: date,
    pg: PlainSql | None = None,
    site_id: int | None = None,
) -> tuple[Person, list[schedule.Slot]]:
    """Verify a personal code; load (and lock) its person and card, and the person's sessions
    on the day, in one query. With ``pg`` and ``site_id`` the person's events of the day at
    the site (``_person_facts``) are read in the same round trip, by the next statement."""
    try:
        claims = codes.verify_personal_code(text, _PublicKeys())
    except codes.CodeError as exc:
        raise _Refusal(exc.code) from exc
    params = {
        "ref": claims.person_ref,
        "serial": claims.serial,
        "day": day,
        "weekday": day.isoweekday(),
    }
    if pg is not None and site_id is not None:
        rows = pg.person_and_facts(params, site_id, day)
    elif pg is not None:
        rows = pg.rows("person", params)
    else:
        rows = db.session.execute(_person_and_card(), params).all()
    if not rows or rows[0].card_id is None:
        raise _Refusal("unknown_code")
    row = rows[0]
    if pg is not None:
        person = PersonRow(row.id, row.public_ref, row.first_name)
    else:
        person = _persistent(
            Person, {"id": row.id, "public_ref": row.public_ref, "first_name": row.first_name}
        )
    if row.card_revoked_at is not None:
        raise _Refusal("revoked_card", person)
    try:
        codes.check_fresh(claims, fresh_at)
    except codes.CodeError as exc:
        raise _Refusal(exc.code, person) from exc
    return person, schedule.slots_of(rows, day)


def record_scan(
    device: Device,
    *,
    event_id,
    code: str,
    mode: str,
    occurred_at,
    device_seq: int | None = None,
    offline: bool = False,
    local_result: str | None = None,
    device_time=None,
    now: datetime | None = None,
    touch_device: bool = True,
    pg: PlainSql | None = None,
) -> ScanOutcome:
    """Record a staff scan of a personal code at the device's site (online or synced).

    The scan is stored whatever happens, with its event id as the idempotency key: a repeat
    returns the first outcome. ``mode`` is "in" or "out", chosen by the staff (a scan never
    toggles). Offline scans that the device let in (``local_result`` "accepted" or "forced")
    but that fail here are stored as flagged, not dropped; scans the device turned away are
    stored as rejected. Raises ScanRejected (rejected event stored), or DomainError
    invalid_request / device_revoked before anything is stored. With ``pg`` (PostgreSQL) the
    same statements run as plain SQL in the same transaction (see PlainSql).
    """
    now = now or utcnow()
    if device.revoked_at is not None:
        raise refusal("device_revoked", 403)
    event_id = parse_event_id(validation.string(event_id, "event_id", max_length=64), "event_id")
    code = validation.string(code, "code", max_length=512)
    kind = EventKind(validation.choice(mode, "mode", (EventKind.IN, EventKind.OUT)))
    occurred = parse_moment(validation.moment_value(occurred_at, "occurred_at"), now, "occurred_at")
    local_result = validation.choice(
        local_result, "local_result", ("accepted", "rejected", "forced"), optional=True
    )
    device_seq = validation.integer(device_seq, "device_seq")
    offline = validation.boolean(offline, "offline", False)
    skew = None
    if device_time is not None:
        sent = validation.moment_value(device_time, "device_time")
        skew = int((parse_moment(sent, now, "device_time") - now).total_seconds())
    elif not offline:
        skew = int((occurred - now).total_seconds())
    site_id = device.site_id

    person: Person | None = None
    placement = _Placement(None, None, None)
    status, reason = EventStatus.ACCEPTED, None
    try:
        # The person's row is locked from here, so the open-visit check below (a new
        # statement, hence a fresh snapshot) sees any scan of them that committed meanwhile.
        person, slots = _identify(
            code, occurred if offline else now, schedule.local_day(occurred), pg, site_id
        )
        placement = _place(person, site_id, kind, occurred, slots, pg)
        reason = placement.note
        if local_result == "rejected":
            status, reason = EventStatus.REJECTED, "refused_offline"
        elif local_result == "forced" and reason is None:
            reason = "forced"
    except _Refusal as refused:
        person = refused.person
        reason = refused.code
        if offline and person is not None and local_result in ("accepted", "forced"):
            # The person was let in while the device was offline: a fact to review, not drop.
            status = EventStatus.FLAGGED
            if refused.code in ("revoked_card", "expired_code"):
                try:
                    placement = _place(person, site_id, kind, occurred, pg=pg)
                except _Refusal:
                    placement = _Placement(None, None, None)
        else:
            status = EventStatus.REJECTED

    fields = {
        "event_id": event_id,
        "person_id": person.id if person else None,
        "site_id": site_id,
        "activity_id": placement.activity_id,
        "session_id": placement.session_id,
        "device_id": device.id,
        "kind": kind,
        "source": EventSource.STAFF_SCAN,
        "occurred_at": occurred,
        "received_at": now,
        "offline": bool(offline),
        "device_seq": device_seq,
        "status": status,
        "reason": reason,
        "token_hash": codes.sha256_hex(code),
        "clock_skew_s": skew,
    }
    if touch_device and _seen(device, now, device_seq) and pg is not None:
        pg.seen(device)  # written with the insert
    late_out = placement.reopens is not None and status != EventStatus.REJECTED
    event, duplicate = _insert(
        fields if pg is not None else AttendanceEvent(**fields), pg, commit=not late_out
    )
    if duplicate and event.site_id != site_id:
        # Another site's event id: say nothing about that scan or its person.
        raise refusal("event_id_conflict", 409)
    if late_out and not duplicate:
        _replace_auto_close(fields, placement.reopens, pg)
    if duplicate and pg is not None:
        person = event.person
    elif duplicate:
        person = db.session.get(Person, event.person_id) if event.person_id else None
    if event.status == EventStatus.REJECTED:
        raise ScanRejected(event.reason or "unknown_code", event, person)
    return ScanOutcome(event, person, duplicate=duplicate)


#: Namespace of the ids of the annulments a late check-out makes of an auto-close.
_LATE_OUT_NS = uuid.UUID("0b6f7c3e-52d4-4f0e-9f7a-6c1d2e3f4a5b")


def _replace_auto_close(out: dict, auto_close_id: int, pg: PlainSql | None) -> None:
    """Annul the auto-close of a visit that a late check-out (within the allowance) closes,
    so the visit ends at the check-out. The annulment's id derives from the check-out's."""
    fields = {
        **out,
        "event_id": str(uuid.uuid5(_LATE_OUT_NS, out["event_id"])),
        "kind": EventKind.ANNUL,
        "source": EventSource.AUTO,
        "status": EventStatus.ACCEPTED,
        "reason": "late_checkout",
        "supersedes_id": auto_close_id,
        "device_seq": None,
        "token_hash": None,
        "clock_skew_s": None,
    }
    _insert(fields if pg is not None else AttendanceEvent(**fields), pg)


#: Most items one sync request may carry.
SYNC_BATCH_MAX = 200


def sync_batch(device: Device, items: object, device_time: object = None) -> list[dict]:
    """Store a batch of offline scans; answer per item (accepted, duplicate, rejected, error).

    One transaction. Every person the batch names is locked up front, in the order of their
    row ids, so two devices syncing the same people in opposite orders (the entrance's and
    the exit's queues after an outage) wait for each other instead of deadlocking. The items
    are then placed in the order they happened (``occurred_at``), whatever order they came
    in, so a check-out sent before its check-in closes the visit the check-in opens; the
    answers keep the batch's order. An item is checked before anything of it is written and
    inserted with ON CONFLICT DO NOTHING, so one bad item never loses the others; the same
    batch sent twice answers "duplicate" for every stored item and changes nothing. Each
    answer says whether the item is stored (``stored``): items with "error" were not
    (malformed) and stay in the device's queue. The caller retries the whole batch if the
    database ends the transaction as a deadlock victim (``retry.retry_conflicts``).
    """
    now = utcnow()
    if device.revoked_at is not None:
        raise refusal("device_revoked", 403)
    if not isinstance(items, list):
        raise validation.InvalidField("items", "type")
    if len(items) > SYNC_BATCH_MAX:
        raise validation.InvalidField("items", "range")
    if device_time is not None:
        parse_moment(validation.moment_value(device_time, "device_time"), now, "device_time")
    _lock_people_of(items)
    results: list[dict | None] = [None] * len(items)
    for index in sorted(range(len(items)), key=lambda i: _time_order(items[i], now)):
        results[index] = _sync_item(device, items[index], device_time, now)
    seqs = [i.get("device_seq") for i in items if isinstance(i, dict)]
    seqs = [q for q in seqs if isinstance(q, int) and not isinstance(q, bool) and q >= 0]
    _seen(device, now, min(max(seqs), validation.MAX_SEQ) if seqs else None, force=True)
    return [r for r in results if r is not None]


def _time_order(item: object, now: datetime) -> tuple[int, datetime]:
    """Where an item goes when a batch is placed in time order (malformed ones first: they
    are answered without being stored)."""
    if isinstance(item, dict):
        try:
            return 1, parse_moment(item.get("occurred_at"), now)
        except DomainError:
            pass
    return 0, now


def _lock_people_of(items: list) -> None:
    """Lock every person whose genuine code is in the batch, in ascending row id order, in
    one statement (PostgreSQL; SQLite lets one writer in at a time anyway)."""
    refs = set()
    keys = _PublicKeys()
    for item in items:
        code = item.get("code") if isinstance(item, dict) else None
        if isinstance(code, str) and len(code) <= 512:
            try:
                refs.add(codes.verify_personal_code(code, keys).person_ref)
            except codes.CodeError:
                continue
    if refs:
        db.session.execute(
            sa.select(Person.id)
            .where(Person.public_ref.in_(sorted(refs)))
            .order_by(Person.id)
            .with_for_update()
        ).all()


def _sync_item(device: Device, item: object, device_time: object, now: datetime) -> dict:
    """Store one item of a sync batch and say what became of it."""
    raw_id = item.get("event_id") if isinstance(item, dict) else None
    event_id = raw_id if isinstance(raw_id, str) and len(raw_id) <= 64 else None
    try:
        if not isinstance(item, dict):
            raise validation.InvalidField("item", "type")
        # record_scan writes nothing before its checks pass and a repeat is no error,
        # so a refused or malformed item leaves the rest of the batch untouched.
        outcome = record_scan(
            device,
            event_id=item.get("event_id"),
            code=item.get("code"),
            mode=item.get("mode"),
            occurred_at=item.get("occurred_at"),
            device_seq=item.get("device_seq"),
            offline=validation.boolean(item.get("offline"), "offline", True),
            local_result=item.get("local_result", "accepted"),
            device_time=device_time,
            now=now,
            touch_device=False,
        )
    except ScanRejected as rejected:
        return {
            "event_id": rejected.event.event_id,
            "result": "rejected",
            "stored": True,
            "code": rejected.code,
            "message": str(rejected.message),
        }
    except DomainError as error:
        if error.code == "device_revoked":
            raise
        answer = {
            "event_id": event_id,
            "result": "error",
            "stored": False,
            "code": error.code,
            "message": str(error.message),
        }
        if isinstance(error, validation.InvalidField):
            answer["field"] = error.field
        return answer
    return {
        "event_id": outcome.event.event_id,
        "result": "duplicate" if outcome.duplicate else "accepted",
        "stored": True,
        "status": str(outcome.event.status),
        "reason": outcome.event.reason,
    }


# --- Roster for a device and the kiosk's rotating code ---------------------------------------


def roster(device: Device, now: datetime | None = None) -> dict:
    """What a scanner needs to check codes offline today: keys, revocations, sessions, people."""
    now = now or utcnow()
    site = device.site
    day = schedule.local_day(now)
    expected = schedule.expected_on(day, site_ids={site.id})
    people = {
        p.id: p
        for p in db.session.scalars(
            sa.select(Person).where(Person.id.in_(sorted({e.person_id for e in expected})))
        )
    }
    cards = dict(
        db.session.execute(
            sa.select(PersonalCard.person_id, sa.func.max(PersonalCard.serial))
            .where(PersonalCard.person_id.in_(list(people)), PersonalCard.revoked_at.is_(None))
            .group_by(PersonalCard.person_id)
        ).all()
    )
    revoked = db.session.execute(
        sa.select(Person.public_ref, PersonalCard.serial)
        .join(Person, PersonalCard.person_id == Person.id)
        .where(PersonalCard.revoked_at.is_not(None), Person.municipality_id == site.municipality_id)
        .order_by(Person.public_ref, PersonalCard.serial)
    ).all()
    keys = db.session.scalars(sa.select(SigningKey).order_by(SigningKey.created_at)).all()
    sessions: dict[int, dict] = {}
    participants: dict[int, dict] = {}
    for e in expected:
        sessions.setdefault(
            e.session.id,
            {
                "id": e.session.id,
                "activity_ref": e.activity.public_ref,
                "activity": e.activity.name,
                "starts_at": e.starts_at.isoformat(),
                "ends_at": e.ends_at.isoformat(),
            },
        )
        person = people[e.person_id]
        entry = participants.setdefault(
            person.id,
            {
                "ref": person.public_ref,
                "first_name": person.first_name,
                "serial": cards.get(person.id),
                "sessions": [],
            },
        )
        entry["sessions"].append(e.session.id)
    _seen(device, now, None)
    return {
        "device": {"ref": device.public_ref, "name": device.name},
        "site": {
            "ref": site.public_ref,
            "name": site.name,
            "latitude": site.latitude,
            "longitude": site.longitude,
        },
        "day": day.isoformat(),
        "server_time": now.isoformat(),
        "keys": [
            {"key_id": k.key_id, "public_key": k.public_key, "retired": k.retired_at is not None}
            for k in keys
        ],
        "revoked": [f"{ref}:{serial}" for ref, serial in revoked],
        "sessions": sorted(sessions.values(), key=lambda s: s["starts_at"]),
        "participants": sorted(participants.values(), key=lambda p: p["first_name"]),
        "margins": {
            "early_minutes": int(schedule.EARLY.total_seconds() // 60),
            "late_out_minutes": int(schedule.LATE_OUT.total_seconds() // 60),
        },
    }


@dataclass(frozen=True)
class KioskCode:
    """The rotating self check-in code of a site for the current slot."""

    site: Site
    slot: int
    mac: str
    valid_from: datetime
    valid_until: datetime


def kiosk_code(device: Device, now: datetime | None = None) -> KioskCode:
    """The current slot's code for the device's site, by the server's clock."""
    now = now or utcnow()
    site = device.site
    slot = codes.slot_of(now)
    _seen(device, now, None)
    return KioskCode(
        site,
        slot,
        codes.site_mac(site.site_key, site.public_ref, slot),
        codes.slot_start(slot),
        codes.slot_start(slot + 1),
    )


# --- Self check-in --------------------------------------------------------------------------


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
    _insert(
        AttendanceEvent(
            event_id=str(uuid.uuid4()),
            person_id=person.id,
            site_id=site.id if site else None,
            kind=EventKind.IN,
            source=EventSource.SELF_SCAN,
            occurred_at=now,
            received_at=now,
            status=EventStatus.REJECTED,
            reason=code,
            token_hash=codes.sha256_hex(token),
        )
    )


def grace_token(site: Site, now: datetime | None = None) -> str:
    """A signed grace token for a verified scan of a site's code (see codes.make_grace_token)."""
    now = now or utcnow()
    return codes.make_grace_token(
        _secret(), site.public_ref, str(uuid.uuid4()), int(now.timestamp())
    )


def read_grace(token: str) -> tuple[Site, str, datetime]:
    """The site, event id and scan time of a grace token; expired_code after ten minutes."""
    try:
        site_ref, event_id, scanned = codes.read_grace_token(_secret(), token, GRACE_SECONDS)
    except codes.CodeError as exc:
        raise refusal(exc.code) from exc
    site = db.session.scalar(sa.select(Site).where(Site.public_ref == site_ref))
    if site is None:
        raise refusal("unknown_code")
    return site, parse_event_id(event_id), datetime.fromtimestamp(scanned, UTC)


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


def _valid_position(latitude, longitude) -> tuple[float | None, float | None]:
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
    latitude=None,
    longitude=None,
) -> ScanOutcome:
    """Check a person in (or out, if a visit is open) after they scanned the site's code.

    A repeat within two minutes shows the first result instead of toggling back. The phone's
    position is recorded when given and never blocks. Raises ScanRejected (stored) for
    wrong_site or not_enrolled.
    """
    now = utcnow()
    event_id = parse_event_id(event_id)
    _lock_person(person.id)
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
        return ScanOutcome(recent, person, duplicate=recent.event_id == event_id, repeat=True)
    kind = EventKind.OUT if _open_visit(person.id, site.id, occurred_at)[0] else EventKind.IN
    lat, lon = _valid_position(latitude, longitude)
    status, reason = EventStatus.ACCEPTED, None
    placement = _Placement(None, None, None)
    try:
        placement = _place(person, site.id, kind, occurred_at)
        reason = None if placement.note == "not_in" else placement.note
    except _Refusal as refused:
        status, reason = EventStatus.REJECTED, refused.code
    event, duplicate = _insert(
        AttendanceEvent(
            event_id=event_id,
            person_id=person.id,
            site_id=site.id,
            activity_id=placement.activity_id,
            session_id=placement.session_id,
            kind=kind,
            source=EventSource.SELF_SCAN,
            occurred_at=occurred_at,
            received_at=now,
            status=status,
            reason=reason,
            latitude=lat,
            longitude=lon,
            distance_m=distance_m(site, lat, lon),
        )
    )
    if event.status == EventStatus.REJECTED:
        raise ScanRejected(event.reason or "not_enrolled", event, person)
    return ScanOutcome(event, person, duplicate=duplicate)


def activity_name(activity_id: int | None) -> str | None:
    """The name of an activity, for showing a result."""
    if activity_id is None:
        return None
    return db.session.scalar(sa.select(Activity.name).where(Activity.id == activity_id))


# --- Site staff: the day at a site, corrections, annulments, manual registration -------------


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
    events = _facts(
        AttendanceEvent.site_id == site.id,
        AttendanceEvent.occurred_at >= start,
        AttendanceEvent.occurred_at < end,
    )
    events.sort(key=lambda e: (e.occurred_at, e.id))
    visits = derive_visits(EventFact.of(e) for e in events)
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
    rows = _facts(AttendanceEvent.id == event.id)
    return sorted((e for e in rows if e.id != event.id), key=lambda e: e.id)


def correct_event(
    actor: StaffUser, site: Site, event: AttendanceEvent, new_time: datetime, reason: str
) -> AttendanceEvent:
    """Give an event a new time: a new row superseding it, with who and why (audited)."""
    _correctable(event)
    now = utcnow()
    if new_time > now + timedelta(minutes=5):
        raise DomainError("future_time", _("Tiden kan inte ligga i framtiden."), 400)
    correction = AttendanceEvent(
        event_id=str(uuid.uuid4()),
        person_id=event.person_id,
        site_id=site.id,
        activity_id=event.activity_id,
        session_id=event.session_id,
        kind=EventKind.CORRECTION,
        source=EventSource.MANUAL,
        occurred_at=new_time,
        received_at=now,
        status=EventStatus.ACCEPTED,
        supersedes_id=event.id,
        actor_user_id=actor.id,
        note=reason.strip(),
    )
    db.session.add(correction)
    db.session.flush()
    audit.record(
        "correct",
        "attendance_event",
        person=db.session.get(Person, event.person_id),
        object_ref=event.event_id,
        why=reason.strip(),
        actor=actor,
    )
    return correction


def annul_event(
    actor: StaffUser, site: Site, event: AttendanceEvent, reason: str
) -> AttendanceEvent:
    """Annul an event (a scan by mistake): a new row superseding it, with who and why."""
    _correctable(event)
    now = utcnow()
    annulment = AttendanceEvent(
        event_id=str(uuid.uuid4()),
        person_id=event.person_id,
        site_id=site.id,
        activity_id=event.activity_id,
        session_id=event.session_id,
        kind=EventKind.ANNUL,
        source=EventSource.MANUAL,
        occurred_at=now,
        received_at=now,
        status=EventStatus.ACCEPTED,
        supersedes_id=event.id,
        actor_user_id=actor.id,
        note=reason.strip(),
    )
    db.session.add(annulment)
    db.session.flush()
    audit.record(
        "annul",
        "attendance_event",
        person=db.session.get(Person, event.person_id),
        object_ref=event.event_id,
        why=reason.strip(),
        actor=actor,
    )
    return annulment


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


# --- Auto-close -----------------------------------------------------------------------------

#: Namespace of the deterministic event ids of auto-close events (one per check-in).
_AUTO_CLOSE_NS = uuid.UUID("6d3c2d3e-7f1c-4a53-9a55-3b0e8a4f6c21")


def auto_close(now: datetime | None = None, lookback: timedelta = timedelta(days=2)) -> int:
    """Close visits still open after their session ended, flagged ``missing_checkout``.

    Idempotent and safe to run concurrently: each auto-close event's id is derived from the
    check-in it closes, so the unique constraint stops a second one. Returns how many visits
    were closed.
    """
    now = now or utcnow()
    events = _facts(
        AttendanceEvent.occurred_at >= now - lookback,
        AttendanceEvent.occurred_at <= now,
        AttendanceEvent.person_id.is_not(None),
        AttendanceEvent.status != EventStatus.REJECTED,
    )
    by_id = {e.id: e for e in events}
    closed = 0
    for visit in derive_visits(EventFact.of(e) for e in events):
        if visit.out_at is not None or visit.missing_checkout or visit.in_event_id is None:
            continue
        in_event = by_id.get(visit.in_event_id)
        ends_at = _session_end(in_event, visit)
        if ends_at is None or ends_at > now:
            continue
        _event, duplicate = _insert(
            AttendanceEvent(
                event_id=str(uuid.uuid5(_AUTO_CLOSE_NS, in_event.event_id)),
                person_id=visit.person_id,
                site_id=visit.site_id,
                activity_id=visit.activity_id,
                session_id=in_event.session_id,
                kind=EventKind.AUTO_CLOSE,
                source=EventSource.AUTO,
                occurred_at=ends_at,
                received_at=now,
                status=EventStatus.ACCEPTED,
                reason="missing_checkout",
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
        sa.select(sa.func.max(ActivitySession.end_time)).where(
            ActivitySession.activity_id == visit.activity_id,
            ActivitySession.weekday == day.isoweekday(),
        )
    )
    if last is not None and schedule.local_moment(day, last) > visit.in_at:
        return schedule.local_moment(day, last)
    return schedule.day_bounds(day)[1]
