"""The device API over HTTP: authentication, JSON errors with stable codes, the OpenAPI document."""

from __future__ import annotations

import json
import uuid

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import AttendanceEvent, EventStatus
from tests.checkin.conftest import local

#: Scans run on a database connection of their own (checkin.store.scan_transaction).
pytestmark = pytest.mark.commits

API = "/api/checkin/v1"


def _scan(client, ck, code=None, mode="in", **kw):
    body = {
        "event_id": kw.pop("event_id", str(uuid.uuid4())),
        "code": code or ck.code(),
        "mode": mode,
        "occurred_at": kw.pop("occurred_at", local("2026-03-02 09:30").isoformat()),
        "device_seq": kw.pop("device_seq", 1),
        **kw,
    }
    return client.post(f"{API}/scans", json=body, headers=ck.headers())


def _assert_error(resp, status, code):
    assert resp.status_code == status, resp.get_data(as_text=True)
    body = resp.get_json()
    assert body["code"] == code and isinstance(body["message"], str) and body["message"]


def test_a_scan_is_accepted_then_a_repeat_is_a_duplicate(client, ck):
    event_id = str(uuid.uuid4())
    first = _scan(client, ck, event_id=event_id)
    assert first.status_code == 201
    body = first.get_json()
    assert body["result"] == "accepted" and body["kind"] == "in" and body["status"] == "accepted"
    assert body["person"] == {"ref": ck.person.public_ref, "first_name": "Alma"}
    assert "Alma" in body["message"]
    again = _scan(client, ck, event_id=event_id)
    assert again.status_code == 200 and again.get_json()["result"] == "duplicate"
    assert db.session.scalar(sa.select(sa.func.count(AttendanceEvent.id))) == 1


def test_a_refused_scan_is_a_422_with_a_code_and_is_kept(client, ck):
    resp = _scan(client, ck, code="AKP1.not-a-code")
    _assert_error(resp, 422, "unknown_code")
    db.session.expire_all()
    event = db.session.scalar(sa.select(AttendanceEvent))
    assert event.status == EventStatus.REJECTED and event.event_id == resp.get_json()["event_id"]


def test_the_api_speaks_english_when_the_browser_session_chose_english(client, ck):
    client.post("/language", data={"lang": "en", "next": "/"})
    resp = _scan(client, ck, code="garbage")
    assert resp.get_json()["message"] == "The code is not recognised."


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Basic abc"}]
)
def test_without_a_valid_token_every_device_endpoint_is_unauthorized(client, ck, headers):
    for method, path in (
        ("get", "/roster"),
        ("post", "/scans"),
        ("post", "/sync"),
        ("get", "/kiosk/code"),
    ):
        resp = getattr(client, method)(f"{API}{path}", json={}, headers=headers)
        _assert_error(resp, 401, "unauthorized")


def test_a_revoked_device_gets_device_revoked(client, ck, login):
    login(ck.world.admin)
    client.post(f"/checkin/enheter/{ck.device.public_ref}/avregistrera")
    _assert_error(_scan(client, ck), 403, "device_revoked")
    _assert_error(client.get(f"{API}/roster", headers=ck.headers()), 403, "device_revoked")


def test_bad_json_is_invalid_request(client, ck):
    resp = client.post(
        f"{API}/scans", data="{", headers={**ck.headers(), "Content-Type": "application/json"}
    )
    _assert_error(resp, 400, "invalid_request")
    _assert_error(_scan(client, ck, mode="sideways"), 400, "invalid_request")
    _assert_error(_scan(client, ck, event_id="1"), 400, "invalid_request")
    _assert_error(_scan(client, ck, occurred_at="yesterday"), 400, "invalid_request")
    _assert_error(_scan(client, ck, occurred_at="2026-03-02T09:30:00"), 400, "invalid_request")
    _assert_error(
        _scan(client, ck, occurred_at="2020-01-01T09:30:00+01:00"), 400, "invalid_request"
    )


def test_unknown_paths_and_methods_answer_json(client, ck):
    _assert_error(client.get(f"{API}/nothing-here"), 404, "http_404")
    _assert_error(client.get(f"{API}/scans", headers=ck.headers()), 405, "http_405")


def test_enrolment_over_http_is_one_time(client, world, request_ctx):
    from checkin import services

    device, code = services.create_device(world.admin, world.site_a, "Entrén")
    db.session.commit()
    resp = client.post(f"{API}/enrol", json={"code": code})
    assert resp.status_code == 201
    body = resp.get_json()
    assert body["site"]["name"] == "Plats A" and len(body["token"]) > 30
    _assert_error(client.post(f"{API}/enrol", json={"code": code}), 400, "enrolment_code_invalid")
    _assert_error(client.post(f"{API}/enrol", json={}), 400, "enrolment_code_invalid")
    roster = client.get(f"{API}/roster", headers={"Authorization": f"Bearer {body['token']}"})
    assert roster.status_code == 200


def test_the_roster_has_keys_revocations_sessions_and_first_names_only(client, ck):
    from checkin import services

    ck.code()  # issues card 1
    services.replace_card(ck.person)
    db.session.commit()
    resp = client.get(f"{API}/roster", headers=ck.headers())
    body = resp.get_json()
    assert body["site"]["ref"] == ck.world.site_a.public_ref
    assert body["keys"] and body["keys"][0]["public_key"]
    assert f"{ck.person.public_ref}:1" in body["revoked"]
    [participant] = body["participants"]
    assert participant == {
        "ref": ck.person.public_ref,
        "first_name": "Alma",
        "serial": 2,
        "sessions": [ck.world.activity_a.sessions[0].id],
    }
    [session] = body["sessions"]
    assert session["starts_at"] == local("2026-03-02 09:00").isoformat().replace(
        "+01:00", "+00:00"
    ) or session["starts_at"].startswith("2026-03-02T08:00")
    text = json.dumps(body)
    assert ck.person.identity.personnummer not in text and ck.person.last_name not in text


def test_sync_over_http_answers_per_item(client, ck):
    items = [
        {
            "event_id": str(uuid.uuid4()),
            "code": ck.code(),
            "mode": "in",
            "occurred_at": local("2026-03-02 09:05").isoformat(),
            "device_seq": 1,
            "local_result": "accepted",
        },
        {
            "event_id": str(uuid.uuid4()),
            "code": "forged",
            "mode": "in",
            "occurred_at": local("2026-03-02 09:06").isoformat(),
            "device_seq": 2,
            "local_result": "rejected",
        },
    ]
    resp = client.post(
        f"{API}/sync",
        json={"device_time": local("2026-03-02 09:30").isoformat(), "items": items},
        headers=ck.headers(),
    )
    assert resp.status_code == 200
    assert [r["result"] for r in resp.get_json()["results"]] == ["accepted", "rejected"]
    again = client.post(f"{API}/sync", json={"items": items}, headers=ck.headers())
    assert [r["result"] for r in again.get_json()["results"]] == ["duplicate", "rejected"]
    _assert_error(
        client.post(f"{API}/sync", json={"items": "x"}, headers=ck.headers()),
        400,
        "invalid_request",
    )


def test_the_kiosk_code_is_a_url_for_the_current_slot(client, ck):
    from checkin import codes

    resp = client.get(f"{API}/kiosk/code", headers=ck.headers())
    body = resp.get_json()
    slot = codes.slot_of(local("2026-03-02 09:30"))
    assert body["slot"] == slot
    assert body["url"].startswith(
        "http://localhost/checkin/s/" + ck.world.site_a.public_ref + f"/{slot}/"
    )
    assert body["image"].startswith("data:image/svg+xml;base64,")
    assert body["valid_until"] == codes.slot_start(slot + 1).isoformat()


def test_server_time_needs_no_token(client, ck):
    body = client.get(f"{API}/time").get_json()
    assert body["epoch_ms"] == int(local("2026-03-02 09:30").timestamp() * 1000)


def test_the_openapi_document_describes_every_route(app, client):
    doc = client.get(f"{API}/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    routes = {
        rule.rule.removeprefix(API)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("checkin_api.")
    }
    assert routes == set(doc["paths"])
    for path, item in doc["paths"].items():
        for operation in item.values():
            assert operation["responses"], path


class TestRateLimits:
    """Per device on the API (keyed on the token), per address on enrolment."""

    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"}

    def test_enrolment_is_limited_per_address(self, client, world):
        answers = [
            client.post(f"{API}/enrol", json={"code": "WRONG-CODE-XXXX"}).status_code
            for _ in range(11)
        ]
        assert answers[:10] == [400] * 10
        _assert_error(
            client.post(f"{API}/enrol", json={"code": "WRONG-CODE-XXXX"}), 429, "rate_limited"
        )

    def test_one_busy_device_does_not_limit_another(self, client, ck):
        from tests.checkin.conftest import new_device

        other, other_token = new_device(ck.world.admin, ck.world.site_a, "Andra")
        db.session.commit()
        for _ in range(60):
            assert client.get(f"{API}/roster", headers=ck.headers()).status_code == 200
        _assert_error(client.get(f"{API}/roster", headers=ck.headers()), 429, "rate_limited")
        assert (
            client.get(
                f"{API}/roster", headers={"Authorization": f"Bearer {other_token}"}
            ).status_code
            == 200
        )
