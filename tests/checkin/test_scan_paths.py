"""The device API's scans: every outcome a scan can have, as answered and stored, on each
database (PostgresStore on PostgreSQL, CoreStore on SQLite: the same scan either way)."""

from __future__ import annotations

import uuid
from datetime import UTC, timedelta

import pytest
import sqlalchemy as sa

from checkin import services
from portal.extensions import db
from portal.models import AttendanceEvent, Device
from tests.checkin.conftest import local, new_device

#: Scans run on a database connection of their own (checkin.store.scan_transaction).
pytestmark = pytest.mark.commits

API = "/api/checkin/v1"


def _scan(client, token, code, mode="in", at="2026-03-02 09:30", **kw):
    body = {
        "event_id": kw.pop("event_id", str(uuid.uuid4())),
        "code": code,
        "mode": mode,
        "occurred_at": local(at).isoformat(),
        "device_seq": kw.pop("device_seq", 1),
        **kw,
    }
    resp = client.post(f"{API}/scans", json=body, headers={"Authorization": f"Bearer {token}"})
    return resp.status_code, resp.get_json()


def _stored(event_id):
    db.session.expire_all()
    return db.session.scalar(sa.select(AttendanceEvent).where(AttendanceEvent.event_id == event_id))


def test_every_outcome_of_a_scan(client, ck, monday):
    code = ck.code()
    alma = {"ref": ck.person.public_ref, "first_name": "Alma"}

    status, body = _scan(client, ck.token, code, device_seq=7)
    assert status == 201 and body["result"] == "accepted" and body["reason"] is None
    assert body["person"] == alma and body["kind"] == "in" and body["status"] == "accepted"
    assert body["occurred_at"] == local("2026-03-02 09:30").astimezone(UTC).isoformat()
    assert body["message"] == "Alma är incheckad. Välkommen!"
    first = _stored(body["event_id"])
    assert first.activity_id == ck.world.activity_a.id and first.session_id is not None
    assert first.device_id == ck.device.id and first.device_seq == 7 and not first.offline
    assert first.token_hash == services.codes.sha256_hex(code) and first.clock_skew_s is not None
    device = db.session.get(Device, ck.device.id)
    assert device.last_seq is None  # heard from at enrolment, under a minute ago
    # Stored as SQLAlchemy stores it (on SQLite as text, which range queries compare).
    raw = db.session.execute(
        sa.text(
            "SELECT kind, status, source, occurred_at, offline FROM attendance_event"
            " WHERE event_id = :event_id"
        ),
        {"event_id": body["event_id"]},
    ).one()
    assert (raw.kind, raw.status, raw.source, raw.offline) == ("in", "accepted", "staff_scan", 0)
    if db.engine.dialect.name == "sqlite":
        assert raw.occurred_at == "2026-03-02 08:30:00.000000"

    # The answer was lost: the same event id again is a duplicate, with the first outcome.
    status, again = _scan(client, ck.token, code, event_id=body["event_id"], device_seq=7)
    assert status == 200 and again == {**body, "result": "duplicate"}

    status, body = _scan(client, ck.token, code, at="2026-03-02 09:35")
    assert status == 201 and body["reason"] == "already_in"
    assert body["message"] == "Alma är redan incheckad."

    status, body = _scan(client, ck.token, code, mode="out", at="2026-03-02 11:00")
    assert status == 201 and body["kind"] == "out" and body["reason"] is None
    out = _stored(body["event_id"])
    assert out.session_id == first.session_id and out.activity_id == first.activity_id

    status, body = _scan(client, ck.token, code, mode="out", at="2026-03-02 11:05")
    assert status == 201 and body["reason"] == "not_in"

    status, body = _scan(client, ck.token, "AKP1.garbage")
    assert status == 422 and body["code"] == "unknown_code" and body["person"] is None
    assert _stored(body["event_id"]).status == "rejected"
    status, again = _scan(client, ck.token, "AKP1.garbage", event_id=body["event_id"])
    assert status == 422 and again == body

    status, body = _scan(client, ck.token, ck.code(ck.world.person_b))
    assert status == 422 and body["code"] == "not_enrolled"
    assert body["person"]["ref"] == ck.world.person_b.public_ref

    other, other_token = new_device(ck.world.admin, ck.world.site_b, "Borta")
    db.session.commit()
    status, body = _scan(client, other_token, code)
    assert status == 422 and body["code"] == "wrong_site" and body["person"] == alma
    assert _stored(body["event_id"]).site_id == ck.world.site_b.id

    services.replace_card(ck.person, "lost")
    db.session.commit()
    status, body = _scan(client, ck.token, code)
    assert status == 422 and body["code"] == "revoked_card" and body["person"] == alma

    status, body = _scan(client, ck.token, code, mode="sideways")
    assert status == 400 and body["code"] == "invalid_request"

    monday.move_to(local("2026-03-02 09:30") + timedelta(minutes=5))
    device = db.session.get(Device, ck.device.id)
    db.session.refresh(device)
    seen = device.last_seen_at
    status, body = _scan(client, ck.token, ck.code(), device_seq=9)
    db.session.refresh(device)
    assert status == 201 and device.last_seq == 9 and device.last_seen_at > seen
    assert other.id != ck.device.id


def test_a_revoked_device_is_refused_before_anything_is_stored(client, ck, login):
    login(ck.world.admin)
    client.post(f"/checkin/enheter/{ck.device.public_ref}/avregistrera")
    client.post("/auth/logga-ut")
    status, body = _scan(client, ck.token, ck.code())
    assert status == 403 and body["code"] == "device_revoked"
    status, body = _scan(client, "nonsense", ck.code())
    assert status == 401 and body["code"] == "unauthorized"
    assert db.session.scalar(sa.select(sa.func.count(AttendanceEvent.id))) == 0
