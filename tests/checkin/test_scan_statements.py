"""A scan's cost in statements: it is what bounds the morning rush (bench/checkin.py)."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from checkin import services
from portal.extensions import db
from tests.checkin.conftest import local

API = "/api/checkin/v1"


@pytest.fixture(params=[True, False], ids=["plain-sql", "sqlalchemy"])
def plain(request, app, monkeypatch):
    """Both ways of running a scan's statements (plain SQL is used on PostgreSQL only)."""
    monkeypatch.setitem(app.config, "CHECKIN_PLAIN_SQL", request.param)
    return request.param


def _statements(client, ck, monkeypatch, **body):
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        seen.append(" ".join(statement.split())[:90])

    send = services.PlainSql._cursor

    def plain(self, name, params):
        seen.append(f"plain:{name}")
        return send(self, name, params)

    monkeypatch.setattr(services.PlainSql, "_cursor", plain)

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


def test_a_scan_is_four_statements_and_a_repeat_one_more(client, ck, plain, monkeypatch):
    _statements(client, ck, monkeypatch)  # the first scan also caches the public keys
    resp, seen = _statements(client, ck, monkeypatch)
    assert resp.status_code == 201, resp.get_data(as_text=True)
    # device; person, card and sessions (locked); the person's events; the insert.
    assert len(seen) == 4, seen
    assert not [s for s in seen if "SAVEPOINT" in s]
    on_postgresql = db.engine.dialect.name == "postgresql"
    if plain and on_postgresql:
        # The person's events are sent with the locking read, in one round trip.
        assert seen == ["plain:device", "plain:person", "plain:facts_by_ref", "plain:insert"]
    else:
        assert not [s for s in seen if s.startswith("plain:")], seen
    event_id = resp.get_json()["event_id"]
    again, seen = _statements(client, ck, monkeypatch, event_id=event_id)
    assert again.status_code == 200 and again.get_json()["result"] == "duplicate"
    assert len(seen) == 5, seen  # … and the stored event


def test_a_device_sequence_number_too_big_to_store_is_invalid(client, ck, monkeypatch):
    resp, _seen = _statements(client, ck, monkeypatch, device_seq=2**63)
    assert resp.status_code == 400 and resp.get_json()["code"] == "invalid_request"
