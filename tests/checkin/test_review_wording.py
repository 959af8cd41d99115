"""Fraud review entries that are true and readable, a wrong-site answer that names where the
person is expected, and a device told that its clock is off."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from checkin import services, wording
from portal.extensions import db
from portal.models import AttendanceEvent, EventKind, EventSource, EventStatus
from tests import factories
from tests.checkin.conftest import enrol, local

API = "/api/checkin/v1"


def test_distances_and_clock_skew_in_words(app):
    with app.test_request_context():
        assert wording.distance_text(850) == "850 m"
        assert wording.distance_text(1915) == "1,9 km"
        assert wording.distance_text(396853) == "396,9 km"
        assert wording.skew_text(-1960 * 60) == "33 timmar efter"
        assert wording.skew_text(6 * 60) == "6 minuter före"
        assert wording.skew_text(-60) == "1 minut efter"
        assert wording.skew_text(5 * 86400) == "5 dygn före"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        from flask_babel import force_locale

        with force_locale("en"):
            assert wording.distance_text(396853) == "396.9 km"
            assert wording.skew_text(-1960 * 60) == "33 hours behind"
            assert wording.skew_text(-60) == "1 minute behind"


def _self_scan(ck, site, status, reason, metres):
    db.session.add(
        AttendanceEvent(
            event_id=str(uuid.uuid4()),
            person_id=ck.person.id,
            site_id=site.id,
            kind=EventKind.IN,
            source=EventSource.SELF_SCAN,
            occurred_at=local("2026-03-02 09:20"),
            received_at=local("2026-03-02 09:20"),
            status=status,
            reason=reason,
            distance_m=metres,
        )
    )
    db.session.commit()


def test_a_refused_far_self_scan_is_not_called_a_check_in(client, ck, login):
    _self_scan(ck, ck.world.site_a, EventStatus.REJECTED, "wrong_site", 1915)
    login(ck.world.site_staff)
    text = client.get("/checkin/granska").get_data(as_text=True)
    assert "1,9 km från platsen" in text and "Skanningen nekades" in text and "Fel plats" in text
    assert "checkade in själv" not in text


def test_an_accepted_far_self_scan_reads_in_km(client, ck, login):
    _self_scan(ck, ck.world.site_a, EventStatus.ACCEPTED, None, 396853)
    login(ck.world.site_staff)
    text = client.get("/checkin/granska").get_data(as_text=True)
    assert "checkade in själv 396,9 km från platsen" in text
    assert "396853" not in text


def test_clock_skew_reads_behind_with_plurals_and_links_to_its_event_and_day(
    client, ck, login, monday
):
    code = ck.code()
    monday.move_to(local("2026-03-03 08:00"))  # the sync arrives the next morning
    services.sync_batch(
        ck.device,
        [
            {
                "event_id": str(uuid.uuid4()),
                "code": code,
                "mode": "in",
                "occurred_at": local("2026-03-02 09:10").isoformat(),
            }
        ],
        (local("2026-03-03 08:00") - timedelta(minutes=1960)).isoformat(),
    )
    db.session.commit()
    event = db.session.scalar(sa.select(AttendanceEvent))
    login(ck.world.site_staff)
    text = client.get("/checkin/granska").get_data(as_text=True)
    assert "gick 33 timmar efter serverns klocka" in text
    assert "Det gällde 1 skanning." in text
    assert "-1960" not in text
    site = ck.world.site_a.public_ref
    assert f"/checkin/platser/{site}/handelser/{event.event_id}" in text
    assert f"/checkin/platser/{site}?dag=2026-03-02" in text


@pytest.fixture
def bashir_at_b(ck):
    """Bashir is expected at site B on Monday mornings."""
    activity_b = factories.activity(ck.world.site_b, slots=((1, "09:00", "12:00"),))
    enrol(ck.world.person_b, activity_b)
    db.session.commit()
    return activity_b


@pytest.mark.commits  # a scan commits on a connection of its own
def test_a_wrong_site_answer_names_the_site_where_the_person_is_expected(client, ck, bashir_at_b):
    resp = client.post(
        f"{API}/scans",
        json={
            "event_id": str(uuid.uuid4()),
            "code": ck.code(ck.world.person_b),
            "mode": "in",
            "occurred_at": local("2026-03-02 09:30").isoformat(),
        },
        headers=ck.headers(),
    )
    assert resp.status_code == 422
    body = resp.get_json()
    assert body["code"] == "wrong_site" and body["expected_site"] == "Plats B"
    assert "Plats B" in body["message"]


def test_a_self_scan_at_the_wrong_site_names_the_right_one(ck, bashir_at_b):
    with pytest.raises(services.ScanRejected) as refused:
        services.self_check_in(
            ck.world.person_b,
            ck.world.site_a,
            event_id=str(uuid.uuid4()),
            occurred_at=local("2026-03-02 09:30"),
        )
    assert refused.value.code == "wrong_site" and refused.value.expected_site == "Plats B"


@pytest.mark.commits  # a scan commits on a connection of its own
def test_an_online_scan_from_a_device_with_a_wrong_clock_is_judged_by_server_time(client, ck):
    behind = local("2026-03-02 09:30") - timedelta(hours=32)
    resp = client.post(
        f"{API}/scans",
        json={
            "event_id": str(uuid.uuid4()),
            "code": ck.code(),
            "mode": "in",
            "occurred_at": behind.isoformat(),
            "device_time": behind.isoformat(),
        },
        headers=ck.headers(),
    )
    assert resp.status_code == 201, resp.get_data(as_text=True)
    body = resp.get_json()
    assert body["clock_off_s"] == -32 * 3600
    assert "32 timmar efter" in body["clock_warning"]
    db.session.expire_all()
    event = db.session.scalar(sa.select(AttendanceEvent))
    assert event.occurred_at == local("2026-03-02 09:30")  # the server's time …
    assert event.clock_skew_s == -32 * 3600  # … and the device's kept


def test_an_offline_scan_keeps_its_own_time_whatever_the_clock(ck):
    [result] = services.sync_batch(
        ck.device,
        [
            {
                "event_id": str(uuid.uuid4()),
                "code": ck.code(),
                "mode": "in",
                "occurred_at": local("2026-03-02 09:10").isoformat(),
            }
        ],
        local("2026-03-02 11:00").isoformat(),
    )
    assert result["result"] == "accepted"
    db.session.commit()
    event = db.session.scalar(sa.select(AttendanceEvent))
    assert event.occurred_at == local("2026-03-02 09:10")
