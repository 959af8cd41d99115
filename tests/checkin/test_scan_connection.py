"""A scan's own connection on PostgreSQL (services.scan_transaction): no ping on checkout, so
a connection that died in the pool is found by the scan's first exchange, which only reads
and is sent again on a new connection."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from checkin import services
from portal.extensions import db
from portal.models import AttendanceEvent
from tests.checkin.conftest import local
from tests.checkin.test_concurrency import POSTGRES_ONLY

API = "/api/checkin/v1"

#: Scans run on a database connection of their own (checkin.store.scan_transaction).
pytestmark = [POSTGRES_ONLY, pytest.mark.commits]


def _scan(client, ck, mode="in", at="2026-03-02 09:30"):
    return client.post(
        f"{API}/scans",
        json={
            "event_id": str(uuid.uuid4()),
            "code": ck.code(),
            "mode": mode,
            "occurred_at": local(at).isoformat(),
        },
        headers=ck.headers(),
    )


def _pooled_backends() -> list[int]:
    """The server process ids of the scans' pooled connections (checked in)."""
    engine = services._scan_engine()
    pids = []
    with engine.connect() as conn:
        pids.append(conn.connection.driver_connection.info.backend_pid)
    return pids


def _terminate(pids: list[int]) -> None:
    with db.engine.connect() as conn:
        for pid in pids:
            conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        conn.commit()


def test_a_scan_goes_through_after_the_database_dropped_its_connection(client, ck):
    assert _scan(client, ck).status_code == 201
    dead = _pooled_backends()
    _terminate(dead)

    resp = _scan(client, ck, mode="out", at="2026-03-02 11:30")

    assert resp.status_code == 201, resp.get_data(as_text=True)
    assert resp.get_json()["kind"] == "out"
    assert _pooled_backends() != dead
    kinds = db.session.scalars(sa.select(AttendanceEvent.kind).order_by(AttendanceEvent.id))
    assert [str(k) for k in kinds] == ["in", "out"]


def test_the_scan_connection_is_back_in_the_pool_out_of_autocommit(client, ck):
    assert _scan(client, ck).status_code == 201
    with services._scan_engine().connect() as conn:
        assert conn.connection.driver_connection.autocommit is False


def test_a_connection_lost_after_the_reads_is_not_sent_again(client, ck, monkeypatch):
    """Only the first exchange (reads) is retried: the insert is not sent a second time on a
    new connection, the scan fails, and the scanner sends it again with the same event id."""
    insert = services.PostgresStore.insert

    def dies_first(self, values, **kw):
        _terminate([self.connection.info.backend_pid])
        return insert(self, values, **kw)

    monkeypatch.setattr(services.PostgresStore, "insert", dies_first)
    event_id = str(uuid.uuid4())
    body = {
        "event_id": event_id,
        "code": ck.code(),
        "mode": "in",
        "occurred_at": local("2026-03-02 09:30").isoformat(),
    }
    with pytest.raises(Exception, match="terminat|closed|connection"):
        client.post(f"{API}/scans", json=body, headers=ck.headers())
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AttendanceEvent)) == 0

    monkeypatch.setattr(services.PostgresStore, "insert", insert)
    again = client.post(f"{API}/scans", json=body, headers=ck.headers())
    assert again.status_code == 201, again.get_data(as_text=True)
    assert again.get_json()["event_id"] == event_id
