"""A scan of a personal code by a site's device, written once (pretix's ``perform_checkin``).

``record_scan`` is the domain function; it runs over a ScanStore (checkin.store), which owns
the transaction: an online scan (``scan_online``) and an offline batch (checkin.sync) run on
a connection of their own (``scan_transaction``), anything else in the caller's transaction.

A scan is idempotent on the client's event id through the unique constraint: the row is
inserted with ``INSERT … ON CONFLICT (event_id) DO NOTHING RETURNING id``, and no row back
means "seen before", never read-then-write. Scans of one person are serialised with a row
lock on the person, taken by the statement that reads them, so two devices scanning the
same person at once cannot both open a visit; the person's events are read after the lock.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from checkin import codes, schedule, validation
from checkin.keys import PublicKeys
from checkin.placement import NOWHERE, Placement, place
from checkin.refusals import Refusal, ScanRejected, refusal
from checkin.rows import DeviceRow, EventRow, PersonRow, event_values
from checkin.store import CoreStore, ScanStore, scan_transaction
from portal.models import Device, EventKind, EventSource, EventStatus, utcnow

#: Device rows are written at most this often for "last seen" (a write per scan would
#: serialise a device's scans on its row for no benefit).
LAST_SEEN_EVERY = timedelta(seconds=60)
#: How far a device's clock may be off before the scan is judged by the server's clock (an
#: online scan) and the device is told so.
ALLOWED_SKEW = timedelta(minutes=5)
#: Namespace of the ids of the annulments a late check-out makes of an auto-close.
_LATE_OUT_NS = uuid.UUID("0b6f7c3e-52d4-4f0e-9f7a-6c1d2e3f4a5b")


@dataclass
class ScanOutcome:
    """An accepted (or flagged) scan, or the stored first copy of a repeated one."""

    event: EventRow
    person: PersonRow | None
    duplicate: bool = False
    #: For self check-in: shown again because the person scanned twice within minutes.
    repeat: bool = False
    #: The device's clock is off by more than ALLOWED_SKEW (seconds ahead, negative behind).
    clock_off_s: int | None = None


def seen(
    device: DeviceRow | Device, now: datetime, seq: int | None, *, force: bool = False
) -> bool:
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


def identify(
    store: ScanStore, text: str, fresh_at: datetime, day: date, site_id: int
) -> tuple[PersonRow, list[schedule.Slot]]:
    """Verify a personal code; load (and lock) its person and card, and the person's sessions
    on the day. Raises Refusal with the person once the code is known to be theirs."""
    try:
        claims = codes.verify_personal_code(text, PublicKeys())
    except codes.CodeError as exc:
        raise Refusal(exc.code) from exc
    rows = store.person(claims.person_ref, claims.serial, claims.key_id, day, site_id)
    if rows and rows[0].key_revoked_at is not None:
        # Signed with a compromised key: whoever holds it could name anyone, so the code
        # identifies nobody.
        raise Refusal("revoked_key")
    if not rows or rows[0].card_id is None:
        raise Refusal("unknown_code")
    row = rows[0]
    person = PersonRow(row.id, row.public_ref, row.first_name)
    if row.card_revoked_at is not None:
        raise Refusal("revoked_card", person)
    try:
        codes.check_fresh(claims, fresh_at)
    except codes.CodeError as exc:
        raise Refusal(exc.code, person) from exc
    return person, schedule.slots_of(rows, day)


def record_scan(
    device: DeviceRow | Device,
    *,
    event_id: object,
    code: object,
    mode: object,
    occurred_at: object,
    device_seq: object = None,
    offline: object = False,
    local_result: object = None,
    device_time: object = None,
    now: datetime | None = None,
    touch_device: bool = True,
    store: ScanStore | None = None,
) -> ScanOutcome:
    """Record a staff scan of a personal code at the device's site (online or synced).

    The scan is stored whatever happens, with its event id as the idempotency key: a repeat
    returns the first outcome (another site's event id is refused, revealing nothing).
    ``mode`` is "in" or "out", chosen by the staff (a scan never toggles). An online scan
    from a device whose clock is off by more than ALLOWED_SKEW is judged by the server's
    time (the device's is kept as the clock skew). Offline scans that the device let in
    (``local_result`` "accepted" or "forced") but that fail here are stored as flagged, not
    dropped; scans the device turned away are stored as rejected. Raises ScanRejected
    (rejected event stored), or DomainError (invalid_request naming the field,
    device_revoked) before anything is stored. Without ``store`` the scan runs in the
    caller's transaction.
    """
    store = store or CoreStore.of_session()
    now = now or utcnow()
    if device.revoked_at is not None:
        raise refusal("device_revoked", 403)
    text_id = validation.string(event_id, "event_id", max_length=64)
    event_id = validation.parse_event_id(text_id)
    code = validation.string(code, "code", max_length=512)
    kind = EventKind(validation.choice(mode, "mode", (EventKind.IN, EventKind.OUT)))
    sent = validation.moment_value(occurred_at, "occurred_at")
    local_result = validation.choice(
        local_result, "local_result", ("accepted", "rejected", "forced"), optional=True
    )
    device_seq = validation.integer(device_seq, "device_seq")
    offline = validation.boolean(offline, "offline", False)
    occurred = validation.parse_moment(sent, now, "occurred_at")
    skew = None
    if device_time is not None:
        clock = validation.moment_value(device_time, "device_time")
        skew = int((validation.parse_moment(clock, now, "device_time") - now).total_seconds())
    elif not offline:
        skew = int((occurred - now).total_seconds())
    clock_off = skew is not None and abs(skew) > ALLOWED_SKEW.total_seconds()
    if clock_off and not offline:
        occurred = now  # an online scan happened now, whatever the device's clock says
    site_id = device.site_id

    person: PersonRow | None = None
    placement, expected_site = NOWHERE, None
    status, reason = EventStatus.ACCEPTED, None
    try:
        person, slots = identify(
            store, code, occurred if offline else now, schedule.local_day(occurred), site_id
        )
        placement = place(store, person, site_id, kind, occurred, slots)
        reason = placement.note
        if local_result == "rejected":
            status, reason = EventStatus.REJECTED, "refused_offline"
        elif local_result == "forced" and reason is None:
            reason = "forced"
    except Refusal as refused:
        person, reason, expected_site = refused.person, refused.code, refused.expected_site
        if offline and person is not None and local_result in ("accepted", "forced"):
            # The person was let in while the device was offline: a fact to review, not drop.
            status = EventStatus.FLAGGED
            if refused.code in ("revoked_card", "expired_code"):
                try:
                    placement = place(store, person, site_id, kind, occurred)
                except Refusal:
                    placement = NOWHERE
        else:
            status = EventStatus.REJECTED

    fields = event_values(
        {
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
            "offline": offline,
            "device_seq": device_seq,
            "status": status,
            "reason": reason,
            "token_hash": codes.sha256_hex(code),
            "clock_skew_s": skew,
        }
    )
    if touch_device and seen(device, now, device_seq):
        store.seen(device)  # written with the insert
    late_out = placement.reopens is not None and status != EventStatus.REJECTED
    event, duplicate = store.insert(fields, last=not late_out)
    if duplicate and event.site_id != site_id:
        # Another site's event id: say nothing about that scan or its person.
        raise refusal("event_id_conflict", 409)
    if late_out and not duplicate:
        _replace_auto_close(store, fields, placement)
    if duplicate:
        person = event.person
    else:
        event.person = person
    if event.status == EventStatus.REJECTED:
        rejected = ScanRejected(event.reason or "unknown_code", event, person)
        rejected.expected_site = expected_site if not duplicate else None
        rejected.clock_off_s = skew if clock_off else None
        raise rejected
    return ScanOutcome(event, person, duplicate=duplicate, clock_off_s=skew if clock_off else None)


def _replace_auto_close(store: ScanStore, out: dict[str, Any], placement: Placement) -> None:
    """Annul the auto-close of a visit that a late check-out (within the allowance) closes,
    so the visit ends at the check-out. The annulment's id derives from the check-out's."""
    fields = {
        **out,
        "event_id": str(uuid.uuid5(_LATE_OUT_NS, out["event_id"])),
        "kind": EventKind.ANNUL,
        "source": EventSource.AUTO,
        "status": EventStatus.ACCEPTED,
        "reason": "late_checkout",
        "supersedes_id": placement.reopens,
        "device_seq": None,
        "token_hash": None,
        "clock_skew_s": None,
    }
    store.insert(fields)


def authenticate(store: ScanStore, token: str | None) -> DeviceRow:
    """The device behind a bearer token, read in the scan's transaction; unauthorized or
    device_revoked otherwise."""
    if not token:
        raise refusal("unauthorized", 401)
    device = store.device(token)
    if device is None:
        raise refusal("unauthorized", 401)
    if device.revoked_at is not None:
        raise refusal("device_revoked", 403)
    return device


def scan_online(token: str | None, body: object) -> ScanOutcome:
    """One online scan as the device API receives it: authenticate the device, check the
    body's fields strictly and record the scan in a transaction of its own. Raises
    ScanRejected (stored) or DomainError."""
    with scan_transaction() as store:
        if token and isinstance(body, dict):
            store.prefetch_scan(token, body.get("code"), body.get("occurred_at"))
        device = authenticate(store, token)
        if not isinstance(body, dict):
            raise refusal("invalid_request", 400)
        if validation.boolean(body.get("offline"), "offline", False):
            # Offline scans are synced (POST /sync), where they are judged as offline.
            raise validation.InvalidField("offline", "range")
        return record_scan(
            device,
            store=store,
            event_id=body.get("event_id"),
            code=body.get("code"),
            mode=body.get("mode"),
            occurred_at=body.get("occurred_at"),
            device_seq=body.get("device_seq"),
            device_time=body.get("device_time"),
        )
