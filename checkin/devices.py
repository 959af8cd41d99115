"""Scanners and kiosks: registration by an administrator, enrolment with a one-time code
for a revocable token bound to one site, what a device downloads (keys, revocations, the
day's roster) and the kiosk's rotating code."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from checkin import codes, schedule
from checkin.refusals import refusal
from checkin.scanning import seen
from portal import audit
from portal.extensions import db
from portal.models import (
    Device,
    DeviceEnrolmentCode,
    Person,
    PersonalCard,
    SigningKey,
    Site,
    StaffUser,
    utcnow,
)
from portal.refs import new_ref

#: How long an enrolment code is valid.
ENROLMENT_CODE_TTL = timedelta(hours=24)
#: An enrolment code: 12 characters without look-alikes (no 0/O, 1/I/L), shown in groups of 4.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


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


def authenticate_device(token: str | None) -> Device:
    """The device behind a bearer token; unauthorized or device_revoked otherwise.

    Read fresh on every request, so a revoked device is refused at once.
    """
    if not token:
        raise refusal("unauthorized", 401)
    device = db.session.scalar(
        sa.select(Device).where(Device.token_hash == codes.sha256_hex(token))
    )
    if device is None:
        raise refusal("unauthorized", 401)
    if device.revoked_at is not None:
        raise refusal("device_revoked", 403)
    return device


def device_by_id(device_id: int) -> Device:
    """A device by its row id."""
    device = db.session.get(Device, device_id)
    if device is None:
        raise refusal("unauthorized", 401)
    return device


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
    signing_keys = db.session.scalars(sa.select(SigningKey).order_by(SigningKey.created_at)).all()
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
    seen(device, now, None)
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
        # A revoked key is left out: the device refuses its codes from this download on.
        "keys": [
            {"key_id": k.key_id, "public_key": k.public_key, "retired": k.retired_at is not None}
            for k in signing_keys
            if k.revoked_at is None
        ],
        "revoked_keys": [k.key_id for k in signing_keys if k.revoked_at is not None],
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
    seen(device, now, None)
    return KioskCode(
        site,
        slot,
        codes.site_mac(site.site_key, site.public_ref, slot),
        codes.slot_start(slot),
        codes.slot_start(slot + 1),
    )
