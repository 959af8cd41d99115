"""Check-in's domain operations, as plain functions (pretix's ``perform_checkin`` habit).

The operations live in modules by subject; this module is their public face for the views,
the CLI, the benchmark and the tests:

- checkin.keys: signing keys (rotation, revocation) and personal cards;
- checkin.devices: scanners and kiosks, enrolment, the roster, the kiosk's rotating code;
- checkin.scanning: a staff scan, written once over a store (checkin.store) that owns the
  transaction; checkin.placement: which visit and session a scan belongs to;
- checkin.sync: offline batches, through the same scan;
- checkin.selfscan: a person scanning a site's code;
- checkin.corrections: the day at a site, corrections, annulments, registration by hand;
- checkin.autoclose: closing visits left open;
- checkin.review: the fraud review.

Each operation raises DomainError (ScanRejected for a stored refused scan) with a stable code.
"""

from __future__ import annotations

from checkin import codes
from checkin.autoclose import auto_close
from checkin.corrections import (
    ExpectedRow,
    SiteDay,
    annul_event,
    backdate_days,
    correct_event,
    event_at_site,
    expected_session,
    is_correctable,
    may_register_afterwards,
    register_afterwards,
    register_manually,
    site_day,
    superseding,
)
from checkin.devices import (
    ENROLMENT_CODE_TTL,
    KioskCode,
    authenticate_device,
    create_device,
    device_by_id,
    devices_of,
    enrol_device,
    kiosk_code,
    new_enrolment_code,
    normalise_enrolment_code,
    revoke_device,
    roster,
    sites_of,
)
from checkin.keys import (
    current_card,
    current_signing_key,
    personal_code,
    public_keys,
    replace_card,
    rotate_signing_key,
)
from checkin.refusals import IDENTIFIED_REFUSALS, MESSAGES, ScanRejected, refusal
from checkin.scanning import ALLOWED_SKEW, ScanOutcome, authenticate, record_scan, scan_online
from checkin.selfscan import (
    GRACE_SECONDS,
    SELF_SCAN_REPEAT,
    activity_name,
    check_site_code,
    distance_m,
    grace_token,
    read_grace,
    record_refused_self_scan,
    self_check_in,
)
from checkin.store import CoreStore, PostgresStore, _scan_engine, scan_transaction
from checkin.sync import SYNC_BATCH_MAX, sync_batch, sync_online
from checkin.validation import parse_event_id, parse_moment
from portal.errors import DomainError

__all__ = [
    "ALLOWED_SKEW",
    "ENROLMENT_CODE_TTL",
    "GRACE_SECONDS",
    "IDENTIFIED_REFUSALS",
    "MESSAGES",
    "SELF_SCAN_REPEAT",
    "SYNC_BATCH_MAX",
    "CoreStore",
    "DomainError",
    "ExpectedRow",
    "KioskCode",
    "PostgresStore",
    "ScanOutcome",
    "ScanRejected",
    "SiteDay",
    "_scan_engine",
    "activity_name",
    "annul_event",
    "backdate_days",
    "authenticate",
    "authenticate_device",
    "auto_close",
    "check_site_code",
    "codes",
    "correct_event",
    "create_device",
    "current_card",
    "current_signing_key",
    "device_by_id",
    "devices_of",
    "distance_m",
    "enrol_device",
    "event_at_site",
    "expected_session",
    "grace_token",
    "is_correctable",
    "kiosk_code",
    "may_register_afterwards",
    "new_enrolment_code",
    "normalise_enrolment_code",
    "parse_event_id",
    "parse_moment",
    "personal_code",
    "public_keys",
    "read_grace",
    "record_refused_self_scan",
    "record_scan",
    "refusal",
    "register_afterwards",
    "register_manually",
    "replace_card",
    "revoke_device",
    "rotate_signing_key",
    "roster",
    "scan_online",
    "scan_transaction",
    "self_check_in",
    "site_day",
    "sites_of",
    "superseding",
    "sync_batch",
    "sync_online",
]
