"""Offline scans synced in a batch: the same scan (checkin.scanning.record_scan) for every
item, in one transaction of the batch's own, answered item by item."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime
from typing import Any

from checkin import codes, validation
from checkin.keys import PublicKeys
from checkin.refusals import ScanRejected, refusal
from checkin.rows import DeviceRow
from checkin.scanning import authenticate, record_scan, seen
from checkin.store import CoreStore, ScanStore, scan_transaction
from portal.errors import DomainError
from portal.models import Device, utcnow

#: Most items one sync request may carry.
SYNC_BATCH_MAX = 200

log = logging.getLogger(__name__)


def sync_online(token: str | None, body: dict[str, Any]) -> list[dict[str, Any]]:
    """A sync request as the device API receives it, in a transaction of its own (the
    caller retries it as a whole after a deadlock: ``retry.retry_conflicts``)."""
    with scan_transaction(batch=True) as store:
        device = authenticate(store, token)
        return sync_batch(device, body.get("items"), body.get("device_time"), store=store)


def sync_batch(
    device: DeviceRow | Device,
    items: object,
    device_time: object = None,
    *,
    store: ScanStore | None = None,
) -> list[dict[str, Any]]:
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
    (malformed) and stay in the device's queue. Without ``store``: in the caller's
    transaction.
    """
    store = store or CoreStore.of_session()
    now = utcnow()
    if device.revoked_at is not None:
        raise refusal("device_revoked", 403)
    if not isinstance(items, list):
        raise validation.InvalidField("items", "type")
    if len(items) > SYNC_BATCH_MAX:
        raise validation.InvalidField("items", "range")
    if device_time is not None:
        clock = validation.moment_value(device_time, "device_time")
        validation.parse_moment(clock, now, "device_time")
    refs = _people_of(items)
    if refs:
        store.lock_people(refs)
    results: list[dict[str, Any] | None] = [None] * len(items)
    for index in sorted(range(len(items)), key=lambda i: _time_order(items[i], now)):
        results[index] = _sync_item(store, device, items[index], device_time, now)
    seqs = [i.get("device_seq") for i in items if isinstance(i, dict)]
    seqs = [q for q in seqs if isinstance(q, int) and not isinstance(q, bool) and q >= 0]
    if seen(device, now, min(max(seqs), validation.MAX_SEQ) if seqs else None, force=True):
        store.seen(device)
    answers = [r for r in results if r is not None]
    counts = Counter(str(a.get("status", "error")) for a in answers)
    log.info(
        "sync device=%s items=%d %s",
        getattr(device, "id", "-"),
        len(answers),
        " ".join(f"{status}={n}" for status, n in sorted(counts.items())),
    )
    return answers


def _time_order(item: object, now: datetime) -> tuple[int, datetime]:
    """Where an item goes when a batch is placed in time order (malformed ones first: they
    are answered without being stored)."""
    if isinstance(item, dict):
        try:
            return 1, validation.parse_moment(item.get("occurred_at"), now)
        except DomainError:
            pass
    return 0, now


def _people_of(items: list[Any]) -> set[str]:
    """The public references of the people whose genuine codes are in the batch."""
    refs = set()
    keys = PublicKeys()
    for item in items:
        code = item.get("code") if isinstance(item, dict) else None
        if isinstance(code, str) and len(code) <= 512:
            try:
                refs.add(codes.verify_personal_code(code, keys).person_ref)
            except codes.CodeError:
                continue
    return refs


def _sync_item(
    store: ScanStore, device: DeviceRow | Device, item: object, device_time: object, now: datetime
) -> dict[str, Any]:
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
            store=store,
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
