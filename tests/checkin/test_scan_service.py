"""Scans and sync through the service: stored, idempotent, refused with stable codes."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from checkin import codes, services
from portal.attendance import EventFact, derive_visits
from portal.extensions import db
from portal.models import AttendanceEvent, EventKind, EventStatus
from tests import factories
from tests.checkin.conftest import enrol, local, new_device


def _events():
    return db.session.scalars(sa.select(AttendanceEvent).order_by(AttendanceEvent.id)).all()


def _visits():
    return derive_visits(EventFact.of(e) for e in _events())


def test_a_valid_card_checks_in_to_the_session_closest_in_time(ck):
    outcome = ck.scan(ck.code())
    db.session.commit()
    event = outcome.event
    assert (event.status, event.kind, event.reason) == (EventStatus.ACCEPTED, EventKind.IN, None)
    assert event.activity_id == ck.world.activity_a.id
    assert event.session_id == ck.world.activity_a.sessions[0].id
    assert event.device_id == ck.device.id and event.token_hash
    assert outcome.person.first_name == "Alma"
    [visit] = _visits()
    assert visit.in_at == local("2026-03-02 09:30") and visit.out_at is None


def test_the_same_event_id_twice_is_a_duplicate_and_stores_nothing_new(ck):
    event_id = str(uuid.uuid4())
    first = ck.scan(ck.code(), event_id=event_id)
    second = ck.scan(ck.code(), event_id=event_id)
    db.session.commit()
    assert not first.duplicate and second.duplicate
    assert second.event.id == first.event.id
    assert len(_events()) == 1


def test_check_out_closes_the_visit(ck, monday):
    ck.scan(ck.code(), "in")
    monday.move_to(local("2026-03-02 11:45"))
    out = ck.scan(ck.code(), "out")
    db.session.commit()
    assert out.event.kind == EventKind.OUT and out.event.reason is None
    [visit] = _visits()
    assert visit.out_at == local("2026-03-02 11:45")


def test_a_second_check_in_says_already_in_and_still_one_visit(ck, monday):
    ck.scan(ck.code(), "in")
    monday.move_to(local("2026-03-02 09:40"))
    again = ck.scan(ck.code(), "in")
    assert again.event.reason == "already_in"
    assert len(_visits()) == 1


def test_a_forged_code_is_refused_and_stored_without_a_person(ck):
    genuine = ck.code()
    forged = genuine[:-3] + ("AAA" if not genuine.endswith("AAA") else "BBB")
    with pytest.raises(services.ScanRejected) as err:
        ck.scan(forged)
    assert err.value.code == "bad_signature" and err.value.status == 422
    db.session.commit()
    [event] = _events()
    assert (event.status, event.reason, event.person_id) == (
        EventStatus.REJECTED,
        "bad_signature",
        None,
    )


def test_a_tampered_person_reference_is_refused(ck):
    other = factories.person(ck.world.municipality, first_name="Other")
    parts = ck.code().split(".")
    parts[2] = other.public_ref
    with pytest.raises(services.ScanRejected) as err:
        ck.scan(".".join(parts))
    assert err.value.code == "bad_signature"


def test_garbage_is_an_unknown_code(ck):
    with pytest.raises(services.ScanRejected) as err:
        ck.scan("https://example.org/not-our-code")
    assert err.value.code == "unknown_code"
    assert _events()[0].status == EventStatus.REJECTED


def test_a_replaced_card_is_revoked_but_the_new_one_works(ck):
    old = ck.code()
    services.replace_card(ck.person, "lost")
    with pytest.raises(services.ScanRejected) as err:
        ck.scan(old)
    assert err.value.code == "revoked_card"
    assert err.value.person.id == ck.person.id  # the name is shown so staff can explain
    assert ck.scan(ck.code()).event.status == EventStatus.ACCEPTED


def test_a_phone_code_past_its_ttl_is_expired(ck, monday):
    phone = ck.code(printed=False)
    monday.move_to(local("2026-03-02 09:30") + timedelta(seconds=codes.PHONE_CODE_TTL + 301))
    with pytest.raises(services.ScanRejected) as err:
        ck.scan(phone)
    assert err.value.code == "expired_code"


def test_someone_expected_at_another_site_is_at_the_wrong_site(ck):
    other_device, _token = new_device(ck.world.admin, ck.world.site_b)
    with pytest.raises(services.ScanRejected) as err:
        services.record_scan(
            other_device,
            event_id=str(uuid.uuid4()),
            code=ck.code(),
            mode="in",
            occurred_at=local("2026-03-02 09:30").isoformat(),
        )
    assert err.value.code == "wrong_site"
    assert _events()[0].site_id == ck.world.site_b.id


def test_someone_with_no_activity_now_is_not_enrolled(ck, monday):
    bashir = ck.world.person_b
    with pytest.raises(services.ScanRejected) as err:
        ck.scan(ck.code(bashir))
    assert err.value.code == "not_enrolled"
    monday.move_to(local("2026-03-02 13:30"))  # Alma's session ended at 12:00
    with pytest.raises(services.ScanRejected) as err:
        ck.scan(ck.code(), "in")
    assert err.value.code == "not_enrolled"


def test_plan_items_limited_to_some_sessions_count_only_those(ck):
    from datetime import date, time

    from portal.models import ActivitySession, PlanItem, PlanVersion

    activity = factories.activity(
        ck.world.site_a, slots=((1, "13:00", "15:00"), (2, "09:00", "10:00"))
    )
    tuesday = next(s for s in activity.sessions if s.weekday == 2)
    plan = PlanVersion(
        person_id=ck.world.person_b.id,
        version=1,
        valid_from=date(2026, 1, 1),
        purpose="Svenska",
        follow_up_date=date(2026, 6, 1),
        items=[
            PlanItem(activity_id=activity.id, session_ids=[tuesday.id], from_date=date(2026, 1, 1))
        ],
    )
    db.session.add(plan)
    db.session.flush()
    assert isinstance(tuesday, ActivitySession) and tuesday.start_time == time(9)
    with pytest.raises(services.ScanRejected) as err:  # Monday 13:00 is not in Bashir's plan
        ck.scan(ck.code(ck.world.person_b), at=local("2026-03-02 12:30"))
    assert err.value.code == "not_enrolled"


def test_a_revoked_device_is_refused_before_anything_is_stored(ck):
    services.revoke_device(ck.world.admin, ck.device)
    with pytest.raises(services.DomainError) as err:
        ck.scan(ck.code())
    assert err.value.code == "device_revoked"
    assert _events() == []
    with pytest.raises(services.DomainError) as err:
        services.authenticate_device(ck.token)
    assert err.value.code == "device_revoked"


def test_out_of_order_events_fall_into_place(ck, monday):
    code = ck.code()
    monday.move_to(local("2026-03-02 12:30"))
    # The check-out arrives first (another device synced sooner) …
    items = [
        {
            "event_id": str(uuid.uuid4()),
            "code": code,
            "mode": "out",
            "occurred_at": local("2026-03-02 11:50").isoformat(),
            "device_seq": 2,
        },
        {
            "event_id": str(uuid.uuid4()),
            "code": code,
            "mode": "in",
            "occurred_at": local("2026-03-02 09:05").isoformat(),
            "device_seq": 1,
        },
    ]
    first = services.sync_batch(ck.device, items[:1])
    second = services.sync_batch(ck.device, items[1:])
    db.session.commit()
    assert first[0]["result"] == "accepted" and second[0]["result"] == "accepted"
    [visit] = _visits()
    assert (visit.in_at, visit.out_at) == (local("2026-03-02 09:05"), local("2026-03-02 11:50"))


def _batch(ck, n=3, **extra):
    code = ck.code()
    return [
        {
            "event_id": str(uuid.uuid4()),
            "code": code,
            "mode": "in" if i % 2 == 0 else "out",
            "occurred_at": local(f"2026-03-02 09:{10 + i:02d}").isoformat(),
            "device_seq": i + 1,
            **extra,
        }
        for i in range(n)
    ]


def test_the_same_batch_synced_twice_changes_nothing(ck):
    batch = _batch(ck) + [
        {
            "event_id": str(uuid.uuid4()),
            "code": "rubbish",
            "mode": "in",
            "occurred_at": local("2026-03-02 09:20").isoformat(),
            "local_result": "rejected",
        }
    ]
    first = services.sync_batch(ck.device, batch, local("2026-03-02 09:30").isoformat())
    db.session.commit()
    rows = [(e.id, e.event_id, e.status, e.reason) for e in _events()]
    second = services.sync_batch(ck.device, batch)
    db.session.commit()
    assert [r["result"] for r in first] == ["accepted", "accepted", "accepted", "rejected"]
    assert [r["result"] for r in second] == ["duplicate", "duplicate", "duplicate", "rejected"]
    assert [(e.id, e.event_id, e.status, e.reason) for e in _events()] == rows
    assert ck.device.last_seq == 3
    assert all(e.offline for e in _events())


def test_a_malformed_item_is_an_error_and_does_not_spoil_the_batch(ck):
    batch = _batch(ck, 1) + [
        {
            "event_id": "not-a-uuid",
            "code": "x",
            "mode": "in",
            "occurred_at": "2026-03-02T09:00:00+01:00",
        },
        "nonsense",
        {
            "event_id": str(uuid.uuid4()),
            "code": "x",
            "mode": "sideways",
            "occurred_at": "2026-03-02T09:00:00+01:00",
        },
    ]
    results = services.sync_batch(ck.device, batch)
    assert [r["result"] for r in results] == ["accepted", "error", "error", "error"]
    assert {r.get("code") for r in results[1:]} == {"invalid_request"}
    assert len(_events()) == 1


def test_offline_scans_the_device_let_in_but_that_fail_here_are_flagged_not_dropped(ck):
    old = ck.code()
    services.replace_card(ck.person)  # the device's revocation list was out of date
    [result] = services.sync_batch(
        ck.device,
        [
            {
                "event_id": str(uuid.uuid4()),
                "code": old,
                "mode": "in",
                "occurred_at": local("2026-03-02 09:10").isoformat(),
                "local_result": "accepted",
            }
        ],
    )
    assert (
        result["result"] == "accepted"
        and result["status"] == "flagged"
        and result["reason"] == "revoked_card"
    )
    [visit] = _visits()  # still a fact: the person was there
    assert visit.in_at == local("2026-03-02 09:10")


def test_forced_offline_admission_of_someone_not_expected_is_flagged(ck):
    bashir = ck.world.person_b
    [result] = services.sync_batch(
        ck.device,
        [
            {
                "event_id": str(uuid.uuid4()),
                "code": ck.code(bashir),
                "mode": "in",
                "occurred_at": local("2026-03-02 09:10").isoformat(),
                "local_result": "forced",
            }
        ],
    )
    assert (result["status"], result["reason"]) == ("flagged", "not_enrolled")


def test_an_offline_scan_the_device_turned_away_is_stored_as_rejected(ck):
    [result] = services.sync_batch(
        ck.device,
        [
            {
                "event_id": str(uuid.uuid4()),
                "code": ck.code(),
                "mode": "in",
                "occurred_at": local("2026-03-02 09:10").isoformat(),
                "local_result": "rejected",
            }
        ],
    )
    assert (result["result"], result["code"]) == ("rejected", "refused_offline")
    assert _visits() == []


def test_a_batch_that_is_too_big_is_refused(ck):
    with pytest.raises(services.DomainError) as err:
        services.sync_batch(ck.device, _batch(ck, 1) * (services.SYNC_BATCH_MAX + 1))
    assert err.value.code == "invalid_request"


def test_clock_skew_is_recorded_from_the_device_time(ck):
    [result] = services.sync_batch(ck.device, _batch(ck, 1), local("2026-03-02 09:40").isoformat())
    assert _events()[0].clock_skew_s == 600
    ck.scan(ck.code(), "out", at=local("2026-03-02 09:27"), device_time=None)
    assert _events()[1].clock_skew_s == -180


def test_enrolment_codes_are_one_time_and_expire(world, monday, request_ctx):
    device, code = services.create_device(world.admin, world.site_a, "Mobil")
    services.enrol_device(code.lower().replace("-", " "))
    with pytest.raises(services.DomainError) as err:
        services.enrol_device(code)
    assert err.value.code == "enrolment_code_invalid"
    fresh = services.new_enrolment_code(world.admin, device)
    monday.move_to(local("2026-03-03 09:31"))
    with pytest.raises(services.DomainError):
        services.enrol_device(fresh)


def test_a_new_enrolment_code_replaces_the_token_and_voids_older_codes(world, monday, request_ctx):
    device, first = services.create_device(world.admin, world.site_a, "Mobil")
    second = services.new_enrolment_code(world.admin, device)
    with pytest.raises(services.DomainError):
        services.enrol_device(first)
    _device, token = services.enrol_device(second)
    assert services.authenticate_device(token).id == device.id


def test_key_rotation_keeps_old_cards_valid_and_signs_new_codes_with_the_new_key(ck):
    old = ck.code()
    key = services.rotate_signing_key()
    new = ck.code()
    assert new.split(".")[1] == key.key_id != old.split(".")[1]
    ck.scan(old)
    ck.scan(new, "out", at=local("2026-03-02 11:00"))
    assert [e.status for e in _events()] == [EventStatus.ACCEPTED, EventStatus.ACCEPTED]


def test_enrolment_in_another_activity_on_the_same_day_picks_the_closest_session(ck):
    afternoon = factories.activity(ck.world.site_a, slots=((1, "13:00", "16:00"),))
    enrol(ck.person, afternoon)
    outcome = ck.scan(ck.code(), at=local("2026-03-02 12:40"))
    assert outcome.event.activity_id == afternoon.id


def test_sessions_follow_stockholm_time_across_daylight_saving(ck, monday):
    from checkin import schedule

    # Summer time began on Sunday 29 March 2026: 09:00 in Stockholm is then 07:00 UTC.
    monday.move_to(local("2026-03-30 09:30"))
    [expected] = schedule.expected_on(local("2026-03-30 00:00").date(), person_ids={ck.person.id})
    assert expected.starts_at.isoformat() == "2026-03-30T07:00:00+00:00"
    assert ck.scan(ck.code()).event.session_id == expected.session.id


def test_no_session_on_a_public_holiday(ck, monday):
    monday.move_to(local("2026-04-06 09:30"))  # Easter Monday (annandag påsk)
    with pytest.raises(services.ScanRejected) as err:
        ck.scan(ck.code())
    assert err.value.code == "not_enrolled"
