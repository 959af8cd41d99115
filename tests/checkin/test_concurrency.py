"""Concurrent scans on PostgreSQL: several threads, one person, exactly one visit.

These run on PostgreSQL only, but one: that scans in their own transactions are serialised on
SQLite too. Without TEST_DATABASE_URL they are skipped locally; in CI (CI=true) a missing
PostgreSQL fails the run.
"""

from __future__ import annotations

import threading
import uuid

import pytest
import sqlalchemy as sa

from checkin import services
from portal.attendance import EventFact, derive_visits
from portal.errors import DomainError
from portal.extensions import db
from portal.models import AttendanceEvent, Device, EventStatus
from tests.checkin.conftest import local, new_device
from tests.conftest import POSTGRES_ONLY

#: Threads with sessions of their own: what each commits is real.
pytestmark = pytest.mark.commits

THREADS = 8


def _run_in_threads(app, work, n=THREADS):
    """Run work(i) in n threads released at once, each with its own app context and session."""
    barrier = threading.Barrier(n)
    results, errors = [None] * n, []

    def target(i):
        with app.app_context(), app.test_request_context():
            try:
                barrier.wait(timeout=10)
                results[i] = work(i)
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                db.session.rollback()
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results, errors


def _events():
    db.session.expire_all()
    return db.session.scalars(sa.select(AttendanceEvent).order_by(AttendanceEvent.id)).all()


def _scan(device_id: int, token: str, plain: bool, **fields):
    """A scan as the scan API runs it: in a transaction of its own, what it reads prefetched
    (PostgreSQL), or in the caller's transaction (the session's connection)."""
    if not plain:
        return services.record_scan(db.session.get(Device, device_id), **fields)
    with services.scan_transaction() as store:
        store.prefetch_scan(token, fields["code"], fields["occurred_at"])
        device = services.authenticate(store, token)
        return services.record_scan(device, store=store, **fields)


PLAIN = pytest.mark.parametrize(
    "plain", [True, False], ids=["own-transaction", "caller-transaction"]
)


@pytest.mark.postgres
@POSTGRES_ONLY
@PLAIN
def test_concurrent_check_ins_of_one_person_make_exactly_one_visit(app, ck, plain):
    assert db.engine.dialect.name == "postgresql"
    code, device_id = ck.code(), ck.device.id
    db.session.commit()

    def scan(i):
        outcome = _scan(
            device_id,
            ck.token,
            plain,
            event_id=str(uuid.uuid4()),
            code=code,
            mode="in",
            occurred_at=local("2026-03-02 09:30").isoformat(),
            device_seq=i + 1,
        )
        return outcome.event.reason

    reasons, errors = _run_in_threads(app, scan)
    assert errors == []
    assert sorted(reasons, key=str) == [None] + ["already_in"] * (THREADS - 1)
    events = _events()
    assert len(events) == THREADS
    assert len(derive_visits(EventFact.of(e) for e in events)) == 1


def test_scans_in_their_own_transactions_are_serialised_on_sqlite_too(app, ck):
    # SQLite has no row locks: the scan's transaction takes the write lock before it reads.
    code = ck.code()
    db.session.commit()

    def scan(i):
        fields = {
            "event_id": str(uuid.uuid4()),
            "code": code,
            "mode": "in",
            "occurred_at": local("2026-03-02 09:30").isoformat(),
            "device_seq": i + 1,
        }
        return _scan(None, ck.token, True, **fields).event.reason

    reasons, errors = _run_in_threads(app, scan)
    assert errors == []
    assert sorted(reasons, key=str) == [None] + ["already_in"] * (THREADS - 1)


@pytest.mark.postgres
@POSTGRES_ONLY
@PLAIN
def test_the_same_event_sent_from_several_threads_is_stored_once(app, ck, plain):
    code, device_id, event_id = ck.code(), ck.device.id, str(uuid.uuid4())
    db.session.commit()

    def scan(i):
        outcome = _scan(
            device_id,
            ck.token,
            plain,
            event_id=event_id,
            code=code,
            mode="in",
            occurred_at=local("2026-03-02 09:30").isoformat(),
        )
        return outcome.duplicate

    duplicates, errors = _run_in_threads(app, scan)
    assert errors == []
    assert sorted(duplicates) == [False] + [True] * (THREADS - 1)
    [event] = _events()
    assert event.status == EventStatus.ACCEPTED


@pytest.mark.postgres
@POSTGRES_ONLY
def test_the_same_batch_synced_concurrently_is_stored_once(app, ck):
    code, device_id = ck.code(), ck.device.id
    db.session.commit()
    batch = [
        {
            "event_id": str(uuid.uuid4()),
            "code": code,
            "mode": "in" if i % 2 == 0 else "out",
            "occurred_at": local(f"2026-03-02 09:{10 + i:02d}").isoformat(),
            "device_seq": i + 1,
        }
        for i in range(6)
    ]

    def sync(i):
        return services.sync_batch(db.session.get(Device, device_id), batch)

    results, errors = _run_in_threads(app, sync, n=4)
    assert errors == []
    assert all(r["result"] in ("accepted", "duplicate") for rs in results for r in rs)
    assert len(_events()) == 6
    assert len(derive_visits(EventFact.of(e) for e in _events())) == 3


@pytest.mark.postgres
@POSTGRES_ONLY
def test_concurrent_auto_close_closes_once(app, ck, monday):
    ck.scan(ck.code())
    db.session.commit()
    monday.move_to(local("2026-03-02 12:30"))
    closed, errors = _run_in_threads(app, lambda i: services.auto_close(), n=4)
    assert errors == []
    assert sum(closed) >= 1
    assert [e.kind for e in _events()].count("auto_close") == 1


def _person_locked(person_id: int) -> bool:
    """Whether another transaction holds the person's row lock (asked from a connection of
    its own, without waiting)."""
    with db.engine.connect() as conn:
        try:
            conn.execute(
                sa.text("SELECT id FROM person WHERE id = :id FOR UPDATE NOWAIT"), {"id": person_id}
            )
        except sa.exc.OperationalError:
            return True
        finally:
            conn.rollback()
    return False


@pytest.mark.postgres
@POSTGRES_ONLY
def test_what_a_scan_reads_first_locks_the_person_only_for_a_device_that_may_scan(app, ck):
    code, person_id = ck.code(), ck.person.id
    occurred = local("2026-03-02 09:30").isoformat()
    other, other_token = new_device(ck.world.admin, ck.world.site_a, "Reserv")
    db.session.commit()

    with services.scan_transaction() as store:
        store.prefetch_scan(ck.token, code, occurred)
        assert _person_locked(person_id)
        assert services.authenticate(store, ck.token).id == ck.device.id

    services.revoke_device(ck.world.admin, other)
    db.session.commit()
    for token in (other_token, "not-a-token"):
        with pytest.raises(DomainError) as refused, services.scan_transaction() as store:
            store.prefetch_scan(token, code, occurred)
            assert not _person_locked(person_id)
            services.authenticate(store, token)
        assert refused.value.code in ("device_revoked", "unauthorized")
    assert not _person_locked(person_id)
