"""A scan's cost in statements: it is what bounds the morning rush (bench/checkin.py)."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from checkin import services
from portal.extensions import db
from portal.models import Device
from tests.checkin.conftest import local
from tests.checkin.test_concurrency import POSTGRES_ONLY

#: Scans run on a database connection of their own (checkin.store.scan_transaction).
pytestmark = pytest.mark.commits

API = "/api/checkin/v1"


def _statements(client, ck, monkeypatch, trips=None, **body):
    """The scan's statements as sent: SQLAlchemy's on SQLite (CoreStore), and the names of
    the statements of each round trip on PostgreSQL (PostgresStore), appended to ``trips``."""
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        seen.append(" ".join(statement.split())[:90])

    exchange = services.PostgresStore.exchange

    def round_trip(self, *calls, commit=False):
        names = [name for name, _ in calls]
        seen.extend(f"pg:{name}" for name in names)
        if trips is not None:
            trips.append(names + (["COMMIT"] if commit else []))
        return exchange(self, *calls, commit=commit)

    monkeypatch.setattr(services.PostgresStore, "exchange", round_trip)

    payload = {
        "event_id": str(uuid.uuid4()),
        "code": ck.code(),
        "mode": "in",
        "occurred_at": local("2026-03-02 09:30").isoformat(),
        "device_seq": 1,
        **body,
    }
    db.session.expunge_all()  # as in a server: a fresh session per request
    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        resp = client.post(f"{API}/scans", json=payload, headers=ck.headers())
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    return resp, seen


def test_a_scan_is_at_most_four_statements_and_a_repeat_one_more(client, ck, monkeypatch):
    _statements(client, ck, monkeypatch)  # the first scan also caches the public keys
    trips: list[list[str]] = []
    resp, seen = _statements(client, ck, monkeypatch, trips)
    assert resp.status_code == 201, resp.get_data(as_text=True)
    assert not [s for s in seen if "SAVEPOINT" in s]
    if db.engine.dialect.name == "postgresql":
        # Three statements in two round trips: the device with the person (locked), card
        # and sessions, then the person's events (after the lock); the insert with the
        # commit.
        assert trips == [
            ["device_and_person", "facts_for_device"],
            ["insert", "COMMIT"],
        ]
        assert seen == ["pg:device_and_person", "pg:facts_for_device", "pg:insert"]
    else:
        # SQLite: the write lock (pysqlite would send a BEGIN before the insert anyway); the
        # device; the person, card and sessions; the events; the insert.
        assert seen[0] == "BEGIN IMMEDIATE" and len(seen) == 5, seen
        assert trips == []
    event_id = resp.get_json()["event_id"]
    trips.clear()
    first = len(seen)
    again, seen = _statements(client, ck, monkeypatch, trips, event_id=event_id)
    assert again.status_code == 200 and again.get_json()["result"] == "duplicate"
    assert len(seen) == first + 1, seen  # … and the stored event
    if trips:
        assert trips[-1] == ["stored"]


def test_the_last_seen_write_goes_with_the_insert(client, ck, monkeypatch):
    trips: list[list[str]] = []
    device_id = ck.device.id
    db.session.execute(sa.update(Device).where(Device.id == device_id).values(last_seen_at=None))
    db.session.commit()
    resp, seen = _statements(client, ck, monkeypatch, trips, device_seq=41)
    assert resp.status_code == 201, resp.get_data(as_text=True)
    if db.engine.dialect.name == "postgresql":
        assert trips[-1] == ["insert", "seen", "COMMIT"]
    else:
        assert [s for s in seen if s.startswith("UPDATE device")], seen
    db.session.expire_all()
    device = db.session.get(Device, device_id)
    assert device.last_seen_at is not None and device.last_seq == 41


def test_a_device_sequence_number_too_big_to_store_is_invalid(client, ck, monkeypatch):
    resp, _seen = _statements(client, ck, monkeypatch, device_seq=2**63)
    assert resp.status_code == 400 and resp.get_json()["code"] == "invalid_request"


@POSTGRES_ONLY
def test_a_scan_waits_for_the_database_twice(client, ck, monkeypatch):
    """Round trips as the network sees them: each pipeline ends with a Sync, which the client
    waits for; BEGIN and COMMIT travel with the statements, and no ping goes first."""
    from psycopg._pipeline_base import BasePipeline

    _statements(client, ck, monkeypatch)  # connections, prepared statements, public keys
    payload = {
        "event_id": str(uuid.uuid4()),
        "code": ck.code(),
        "mode": "out",
        "occurred_at": local("2026-03-02 11:30").isoformat(),
    }
    db.session.expunge_all()
    syncs, pings = [], []
    enqueue_sync = BasePipeline._enqueue_sync
    dialect = type(db.engine.dialect)
    do_ping = dialect.do_ping

    def counted_sync(self):
        syncs.append(1)
        return enqueue_sync(self)

    def counted_ping(self, dbapi_connection):
        pings.append(1)
        return do_ping(self, dbapi_connection)

    monkeypatch.setattr(BasePipeline, "_enqueue_sync", counted_sync)
    monkeypatch.setattr(dialect, "do_ping", counted_ping)
    resp = client.post(f"{API}/scans", json=payload, headers=ck.headers())
    assert resp.status_code == 201, resp.get_data(as_text=True)
    assert (len(syncs), len(pings)) == (2, 0)
