"""The morning after an outage: strict types on the device API, batches placed in the order
things happened, late check-outs across midnight, duplicates that reveal nothing of another
site, and concurrent opposite-order syncs that neither deadlock nor lose an item."""

from __future__ import annotations

import threading
import uuid

import psycopg
import pytest
import sqlalchemy as sa

from checkin import retry, services
from checkin.refusals import ScanRejected
from portal.attendance import EventFact, derive_visits
from portal.errors import DomainError
from portal.extensions import db
from portal.models import AttendanceEvent, EventKind, EventStatus
from tests import factories
from tests.checkin.conftest import enrol, local, new_device
from tests.checkin.test_concurrency import POSTGRES_ONLY

#: Scans run on a database connection of their own (checkin.store.scan_transaction).
pytestmark = pytest.mark.commits

API = "/api/checkin/v1"


def _body(ck, **kw):
    return {
        "event_id": str(uuid.uuid4()),
        "code": ck.code(),
        "mode": "in",
        "occurred_at": local("2026-03-02 09:30").isoformat(),
        "device_seq": 1,
        **kw,
    }


def _events():
    db.session.expire_all()
    return db.session.scalars(sa.select(AttendanceEvent).order_by(AttendanceEvent.id)).all()


def _visits():
    return derive_visits(EventFact.of(e) for e in _events())


def _sync(client, headers, items, **kw):
    return client.post(f"{API}/sync", json={"items": items, **kw}, headers=headers)


# --- Strict types ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("device_seq", True, "type"),
        ("device_seq", "7", "type"),
        ("device_seq", 1.5, "type"),
        ("device_seq", -1, "range"),
        ("device_seq", 2**63, "range"),
        ("offline", "false", "type"),
        ("offline", 0, "type"),
        ("mode", True, "type"),
        ("code", 12, "type"),
        ("occurred_at", True, "type"),
        ("occurred_at", 10**30, "format"),
        ("device_time", False, "type"),
        ("event_id", ["x"], "type"),
    ],
)
def test_a_scan_with_a_wrong_type_is_a_400_naming_the_field(client, ck, field, value, problem):
    resp = client.post(f"{API}/scans", json=_body(ck, **{field: value}), headers=ck.headers())
    assert resp.status_code == 400, resp.get_data(as_text=True)
    body = resp.get_json()
    assert body["code"] == "invalid_request" and body["field"] == field and body["message"]
    assert _events() == []


def test_a_scan_with_booleans_and_integers_as_they_should_be_is_stored(client, ck):
    resp = client.post(
        f"{API}/scans", json=_body(ck, offline=False, device_seq=2**63 - 1), headers=ck.headers()
    )
    assert resp.status_code == 201
    [event] = _events()
    assert event.device_seq == 2**63 - 1 and event.offline is False


def test_a_deeply_nested_body_is_refused_before_it_is_parsed(client, ck):
    for path in ("/scans", "/sync"):
        # Absurd nesting: refused before parsing, by the app-wide guard on a sync (as on
        # every JSON endpoint) and by the scan's own cheaper check on the hot path.
        resp = client.post(
            f"{API}{path}",
            data='{"items": ' + "[" * 100_000 + "]" * 100_000 + "}",
            headers={**ck.headers(), "Content-Type": "application/json"},
        )
        expected = "json_too_deep" if path == "/sync" else "invalid_request"
        assert resp.status_code == 400 and resp.get_json()["code"] == expected
        # Deeper than a scan ever is: the device API's own limit, naming the field.
        resp = client.post(
            f"{API}{path}",
            data='{"items": ' + "[" * 8 + "]" * 8 + "}",
            headers={**ck.headers(), "Content-Type": "application/json"},
        )
        assert resp.status_code == 400
        assert resp.get_json() | {"message": ""} == {
            "code": "invalid_request",
            "field": "body",
            "message": "",
        }
    # Brackets inside strings are text, not nesting.
    resp = client.post(f"{API}/scans", json=_body(ck, device_time="[[[[[[[["), headers=ck.headers())
    assert resp.status_code == 400 and resp.get_json()["field"] == "device_time"


def test_a_sync_item_with_a_wrong_type_is_answered_alone_and_the_others_are_stored(client, ck):
    good = _body(ck, local_result="accepted", occurred_at=local("2026-03-02 09:05").isoformat())
    bad_seq = _body(ck, device_seq=True)
    bad_offline = _body(ck, offline="false", device_seq=3)
    resp = _sync(client, ck.headers(), [bad_seq, good, bad_offline])
    assert resp.status_code == 200
    results = resp.get_json()["results"]
    assert [(r["result"], r["stored"], r.get("field")) for r in results] == [
        ("error", False, "device_seq"),
        ("accepted", True, None),
        ("error", False, "offline"),
    ]
    assert [r["event_id"] for r in results] == [
        bad_seq["event_id"],
        good["event_id"],
        bad_offline["event_id"],
    ]
    assert [e.event_id for e in _events()] == [good["event_id"]]
    for items, field in (("x", "items"), ([{}] * 201, "items")):
        resp = _sync(client, ck.headers(), items)
        assert resp.status_code == 400 and resp.get_json()["field"] == field
    resp = _sync(client, ck.headers(), [good], device_time=True)
    assert resp.status_code == 400 and resp.get_json()["field"] == "device_time"


# --- Order, midnight and other sites ---------------------------------------------------------


def test_a_check_out_sent_before_its_check_in_in_one_batch_closes_that_visit(client, ck):
    code = ck.code()
    check_out = _body(ck, code=code, mode="out", occurred_at=local("2026-03-02 11:40").isoformat())
    check_in = _body(ck, code=code, occurred_at=local("2026-03-02 09:10").isoformat())
    resp = _sync(client, ck.headers(), [check_out, check_in])
    results = resp.get_json()["results"]
    assert [(r["event_id"], r["result"], r["reason"]) for r in results] == [
        (check_out["event_id"], "accepted", None),
        (check_in["event_id"], "accepted", None),
    ]
    [visit] = _visits()
    assert (visit.in_at, visit.out_at) == (local("2026-03-02 09:10"), local("2026-03-02 11:40"))


@pytest.fixture
def evening(ck):
    """An evening activity at site A, Mondays 21:00-23:59, with Alma enrolled."""
    activity = factories.activity(ck.world.site_a, slots=((1, "21:00", "23:59"),), name="Kväll")
    enrol(ck.person, activity)
    db.session.commit()
    return activity


def test_a_check_out_after_midnight_closes_the_evening_visit(ck, monday, evening):
    code = ck.code()
    monday.move_to(local("2026-03-02 21:05"))
    ck.scan(code, at=local("2026-03-02 21:05"))
    db.session.commit()
    monday.move_to(local("2026-03-03 00:20"))
    outcome = ck.scan(code, "out", at=local("2026-03-03 00:20"))
    db.session.commit()
    assert outcome.event.reason is None and outcome.event.activity_id == evening.id
    [visit] = _visits()
    assert visit.out_at == local("2026-03-03 00:20") and not visit.missing_checkout


def test_every_view_of_the_evening_shows_the_visit_closed_after_midnight(
    ck, monday, evening, request_ctx
):
    from admin.reconciliation.services import day_scans, period_of
    from checkin.corrections import site_day
    from portal.services.attendance import visits

    code = ck.code()
    monday.move_to(local("2026-03-02 21:05"))
    ck.scan(code, at=local("2026-03-02 21:05"))
    db.session.commit()
    monday.move_to(local("2026-03-03 00:20"))
    out = ck.scan(code, "out", at=local("2026-03-03 00:20")).event
    monday.move_to(local("2026-03-03 06:00"))
    with pytest.raises(ScanRejected):  # stored, refused: the next morning's, not the evening's
        ck.scan(code, at=local("2026-03-03 06:00"))
    db.session.commit()
    closed_at = local("2026-03-03 00:20")
    mon, tue = local("2026-03-02 12:00").date(), local("2026-03-03 12:00").date()

    # The applicant's "My attendance".
    [mine] = visits(ck.person, mon, mon)
    assert mine.visit.out_at == closed_at
    # Site staff's day at the site: the visit, and its check-out among the day's events.
    staff_day = site_day(ck.world.site_a, mon)
    [visit] = staff_day.visits
    assert visit.out_at == closed_at
    assert [e.occurred_at for e in staff_day.events][-1] == closed_at
    assert all(e.occurred_at <= closed_at for e in staff_day.events)
    # The caseworker's scans behind the day.
    scans = day_scans(ck.person, period_of("2026-03"), mon)
    assert [v.out_at for v, _name in scans.visits] == [closed_at]
    assert out.id in [row.event.id for row in scans.events]
    assert all(row.event.occurred_at <= closed_at for row in scans.events)
    # Tuesday begins with the check-out of Monday's visit, which opens nothing.
    assert all(v.in_at.date() != mon for v in site_day(ck.world.site_a, tue).visits)


def test_a_late_check_out_replaces_the_auto_close_across_midnight(ck, monday, evening):
    code = ck.code()
    monday.move_to(local("2026-03-02 21:05"))
    ck.scan(code, at=local("2026-03-02 21:05"))
    db.session.commit()
    monday.move_to(local("2026-03-03 00:05"))
    assert services.auto_close() == 1
    db.session.commit()
    assert _visits()[0].missing_checkout
    monday.move_to(local("2026-03-03 00:20"))
    outcome = ck.scan(code, "out", at=local("2026-03-03 00:20"))
    db.session.commit()
    assert outcome.event.status == EventStatus.ACCEPTED and outcome.event.reason is None
    [visit] = _visits()
    assert visit.out_at == local("2026-03-03 00:20") and not visit.missing_checkout
    annul = _events()[-1]
    assert (annul.kind, annul.reason) == (EventKind.ANNUL, "late_checkout")
    # Past the allowance (2 hours after the session's end) a check-out is refused.
    monday.move_to(local("2026-03-03 02:30"))
    with pytest.raises(services.ScanRejected) as refused:
        ck.scan(code, "out", at=local("2026-03-03 02:30"))
    assert refused.value.code == "not_enrolled"


def test_a_late_check_out_the_same_day_replaces_the_auto_close(ck, monday):
    code = ck.code()
    ck.scan(code)
    db.session.commit()
    monday.move_to(local("2026-03-02 12:05"))
    assert services.auto_close() == 1
    db.session.commit()
    monday.move_to(local("2026-03-02 12:40"))
    ck.scan(code, "out", at=local("2026-03-02 12:40"))
    db.session.commit()
    [visit] = _visits()
    assert visit.out_at == local("2026-03-02 12:40") and not visit.missing_checkout
    assert services.auto_close() == 0


def test_another_sites_event_id_reveals_nothing(client, ck):
    event_id = str(uuid.uuid4())
    first = client.post(f"{API}/scans", json=_body(ck, event_id=event_id), headers=ck.headers())
    assert first.status_code == 201
    _device, token = new_device(ck.world.admin, ck.world.site_b, "Annan plats")
    db.session.commit()
    other = {"Authorization": f"Bearer {token}"}
    resp = client.post(f"{API}/scans", json=_body(ck, event_id=event_id), headers=other)
    assert resp.status_code == 409
    text = resp.get_data(as_text=True)
    assert resp.get_json()["code"] == "event_id_conflict"
    assert "Alma" not in text and ck.person.public_ref not in text
    [result] = _sync(client, other, [_body(ck, event_id=event_id)]).get_json()["results"]
    assert result["result"] == "error" and result["code"] == "event_id_conflict"
    assert "Alma" not in str(result) and ck.person.public_ref not in str(result)
    assert len(_events()) == 1


# --- Deadlocks and retries -------------------------------------------------------------------


def test_a_deadlock_is_retried_and_then_answered_truthfully(app, request_ctx, monkeypatch):
    monkeypatch.setattr(retry.time, "sleep", lambda s: None)
    deadlock = sa.exc.OperationalError("INSERT", {}, psycopg.errors.DeadlockDetected())
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise deadlock
        return "stored"

    assert retry.retry_conflicts(flaky) == "stored" and len(calls) == 3
    assert retry.is_conflict(psycopg.errors.SerializationFailure())
    assert not retry.is_conflict(sa.exc.OperationalError("x", {}, psycopg.OperationalError()))

    def always():
        raise deadlock

    with pytest.raises(DomainError) as busy:
        retry.retry_conflicts(always)
    assert (busy.value.code, busy.value.status) == ("busy", 503)


PEOPLE = 20


@pytest.mark.postgres
@POSTGRES_ONLY
def test_opposite_order_syncs_from_several_devices_all_store_every_item(app, ck):
    """The entrance's queue checks p1..p20 in, the exit's checks p20..p1 out, two more
    devices send the same in reverse: all at once, no 500, every item stored once."""
    people = [ck.person] + [
        factories.person(ck.world.municipality, first_name=f"P{i}") for i in range(PEOPLE - 1)
    ]
    for p in people[1:]:
        enrol(p, ck.world.activity_a)
    db.session.commit()
    code_of = [ck.code(p) for p in people]
    devices = [ck.token] + [
        new_device(ck.world.admin, ck.world.site_a, f"Skanner {i}")[1] for i in range(3)
    ]
    db.session.commit()

    def item(i, mode, minute):
        return {
            "event_id": str(uuid.uuid4()),
            "code": code_of[i],
            "mode": mode,
            "occurred_at": local(f"2026-03-02 {minute}").isoformat(),
            "device_seq": i + 1,
        }

    ins = [item(i, "in", "09:05") for i in range(PEOPLE)]
    outs = [item(i, "out", "11:50") for i in reversed(range(PEOPLE))]
    batches = [ins, outs, list(reversed(ins)), list(reversed(outs))]
    barrier = threading.Barrier(len(batches))
    answers: list = [None] * len(batches)

    def send(n):
        client = app.test_client()
        barrier.wait(timeout=10)
        answers[n] = client.post(
            f"{API}/sync",
            json={"items": batches[n]},
            headers={"Authorization": f"Bearer {devices[n]}"},
        )

    threads = [threading.Thread(target=send, args=(n,)) for n in range(len(batches))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert [a.status_code for a in answers] == [200] * len(batches)
    for answer, batch in zip(answers, batches, strict=True):
        results = answer.get_json()["results"]
        assert [r["event_id"] for r in results] == [i["event_id"] for i in batch]
        assert all(r["stored"] and r["result"] in ("accepted", "duplicate") for r in results)
    events = _events()
    assert len(events) == 2 * PEOPLE
    assert len({e.event_id for e in events}) == 2 * PEOPLE
    visits = _visits()
    assert len(visits) == PEOPLE and all(v.out_at is not None for v in visits)
