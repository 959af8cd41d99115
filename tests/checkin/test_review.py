"""The fraud review list: each rule finds what it should, only at the staff member's sites."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from checkin import review, services
from portal.extensions import db
from portal.models import AttendanceEvent, EventKind, EventSource, EventStatus
from tests import factories
from tests.checkin.conftest import enrol, local


def _rules(ck, site=None):
    return [i.rule for i in review.review_items({(site or ck.world.site_a).id})]


def _item(code, at, **kw):
    return {
        "event_id": str(uuid.uuid4()),
        "code": code,
        "mode": "in",
        "occurred_at": at.isoformat(),
        **kw,
    }


def test_nothing_to_review_on_a_normal_morning(ck):
    ck.scan(ck.code())
    assert _rules(ck) == []


def test_a_device_clock_off_by_more_than_five_minutes(ck):
    services.sync_batch(
        ck.device,
        [_item(ck.code(), local("2026-03-02 09:10"))],
        local("2026-03-02 09:36").isoformat(),
    )
    [item] = review.review_items({ck.world.site_a.id})
    assert (
        item.rule == "clock_skew" and item.detail["minutes"] == 6 and item.device.id == ck.device.id
    )


def test_a_forced_offline_admission(ck):
    services.sync_batch(
        ck.device,
        [_item(ck.code(ck.world.person_b), local("2026-03-02 09:10"), local_result="forced")],
    )
    [item] = review.review_items({ck.world.site_a.id})
    assert item.rule == "forced_offline" and item.person.id == ck.world.person_b.id
    assert item.detail["reason"] == "not_enrolled"


def test_a_burst_of_check_ins_from_one_device(ck):
    people = [factories.person(ck.world.municipality) for _ in range(review.BURST_LIMIT + 1)]
    for p in people:
        enrol(p, ck.world.activity_a)
    items = [
        _item(ck.code(p), local("2026-03-02 09:10") + timedelta(seconds=2 * i))
        for i, p in enumerate(people)
    ]
    services.sync_batch(ck.device, items)
    [item] = review.review_items({ck.world.site_a.id})
    assert item.rule == "burst" and item.count == review.BURST_LIMIT + 1


def test_impossible_travel_between_sites(ck):
    ck.world.site_a.latitude, ck.world.site_a.longitude = 59.33, 18.07  # Stockholm
    ck.world.site_b.latitude, ck.world.site_b.longitude = 57.71, 11.97  # Göteborg
    afternoon_b = factories.activity(ck.world.site_b, slots=((1, "09:00", "12:00"),))
    enrol(ck.person, afternoon_b)
    ck.scan(ck.code(), at=local("2026-03-02 09:05"))
    from tests.checkin.conftest import new_device

    device_b, _ = new_device(ck.world.admin, ck.world.site_b)
    services.record_scan(
        device_b,
        event_id=str(uuid.uuid4()),
        code=ck.code(),
        mode="in",
        occurred_at=local("2026-03-02 09:25").isoformat(),
        device_time=local("2026-03-02 09:30").isoformat(),
    )
    [item] = review.review_items({ck.world.site_a.id})
    assert item.rule == "impossible_travel" and item.detail["other_site"] == "Plats B"
    assert item.detail["km"] > 300 and item.detail["minutes"] == 20
    assert _rules(ck, ck.world.site_b) == ["impossible_travel"]


def test_a_self_check_in_far_from_the_site(ck):
    ck.world.site_a.latitude, ck.world.site_a.longitude = 59.33, 18.07
    services.self_check_in(
        ck.person,
        ck.world.site_a,
        event_id=str(uuid.uuid4()),
        occurred_at=local("2026-03-02 09:30"),
        latitude="59.40",
        longitude="18.07",
    )
    [item] = review.review_items({ck.world.site_a.id})
    assert item.rule == "far_self_scan" and item.detail["metres"] > 7000


def test_repeated_failed_scans_of_one_person_or_one_unknown_code(ck):
    for _ in range(3):
        with pytest.raises(services.ScanRejected):
            ck.scan(ck.code(ck.world.person_b))
        with pytest.raises(services.ScanRejected):
            ck.scan("AKP1.some-forged-thing")
    items = review.review_items({ck.world.site_a.id})
    assert sorted((i.rule, i.count, i.person is not None) for i in items) == [
        ("failed_scans", 3, False),
        ("failed_scans", 3, True),
    ]


def test_staff_only_see_their_own_sites(client, ck, login):
    services.sync_batch(
        ck.device,
        [_item(ck.code(), local("2026-03-02 09:10"))],
        local("2026-03-02 10:30").isoformat(),
    )
    db.session.commit()
    assert review.review_items({ck.world.site_b.id}) == []
    login(ck.world.site_staff)
    text = client.get("/checkin/granska").get_data(as_text=True)
    assert "Fel klocka" in text and "Surfplatta" in text


def test_every_rule_renders(client, ck, login):
    """All six kinds at once on the page, in words."""
    ck.world.site_a.latitude, ck.world.site_a.longitude = 59.33, 18.07
    services.sync_batch(
        ck.device,
        [_item(ck.code(ck.world.person_b), local("2026-03-02 09:10"), local_result="forced")],
        local("2026-03-02 10:30").isoformat(),
    )
    services.self_check_in(
        ck.person,
        ck.world.site_a,
        event_id=str(uuid.uuid4()),
        occurred_at=local("2026-03-02 09:30"),
        latitude="59.40",
        longitude="18.07",
    )
    for _ in range(3):
        with pytest.raises(services.ScanRejected):
            ck.scan("garbage")
    db.session.add(
        AttendanceEvent(
            event_id=str(uuid.uuid4()),
            person_id=ck.person.id,
            site_id=ck.world.site_b.id,
            activity_id=None,
            kind=EventKind.IN,
            source=EventSource.MANUAL,
            occurred_at=local("2026-03-02 09:33"),
            status=EventStatus.ACCEPTED,
        )
    )
    db.session.commit()
    login(ck.world.site_staff)
    text = client.get("/checkin/granska").get_data(as_text=True)
    for words in (
        "Fel klocka",
        "Insläppt utan nät",
        "Långt från platsen",
        "Upprepade nekade skanningar",
        "Två platser på för kort tid",
    ):
        assert words in text, words
