"""Hostile input gets a clear 4xx page or JSON error in the user's language, never a 500."""

import io

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from portal.request_guard import (
    MAX_JSON_DEPTH,
    MAX_PAGE,
    json_depth_exceeds,
    safe_next,
)
from tests import factories
from tests.portal import factories as pf

BIG = "x" * (11 * 1024 * 1024)


@pytest.fixture
def csrf_app(app):
    """CSRF on, as in production: the check reads the form, where the 413 is raised."""
    app.config["WTF_CSRF_ENABLED"] = True
    return app


@pytest.mark.parametrize("path", ["/language", "/auth/staff", "/auth/staff/totp"])
def test_an_oversized_form_field_is_a_413_page(csrf_app, client, path):
    resp = client.post(path, data={"lang": "en", "next": BIG})
    assert resp.status_code == 413
    page = resp.get_data(as_text=True)
    assert "För stor att ta emot" in page and "för stort" in page


def test_the_413_page_is_in_the_users_language(csrf_app, client):
    with client.session_transaction() as sess:
        sess["lang"] = "en"
    resp = client.post("/auth/staff", data={"email": BIG})
    assert resp.status_code == 413
    assert "Too large to receive" in resp.get_data(as_text=True)


def test_an_oversized_upload_is_a_413_page(app, client, world):
    application = pf.application(world.person_a)
    factories.sign_in(client, world.person_a)
    app.config["WTF_CSRF_ENABLED"] = True
    # The multipart body is built in memory (the test client would spool it to a temporary
    # file that nobody reads once the request is refused).
    boundary, body = encode_multipart(
        {
            "document_type": "rent",
            "file": FileStorage(
                io.BytesIO(b"%PDF-1.4\n" + b"0" * (12 * 1024 * 1024)), filename="stor.pdf"
            ),
        }
    )
    resp = client.post(
        f"/ansokan/{application.public_ref}/bilagor/ladda-upp",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert resp.status_code == 413
    assert "för stort" in resp.get_data(as_text=True)


def test_an_oversized_api_body_is_a_json_413(client):
    resp = client.post("/api/checkin/v1/enrol", data=BIG, content_type="application/json")
    assert resp.status_code == 413
    assert resp.get_json()["code"] == "http_413"


@pytest.mark.parametrize("opener", ["[", '{"a":'])
def test_deeply_nested_json_is_refused_before_parsing(client, opener):
    closer = "]" if opener == "[" else "}"
    body = opener * 100_000 + "1" + closer * 100_000
    resp = client.post("/api/checkin/v1/enrol", data=body, content_type="application/json")
    assert resp.status_code == 400
    assert resp.get_json()["code"] == "json_too_deep"
    assert "nästlad" in resp.get_json()["message"]


def test_nested_json_is_refused_by_every_get_json_too(client):
    body = "[" * 5000 + "]" * 5000
    resp = client.post(
        "/api/checkin/v1/scans",
        data=body,
        content_type="application/json",
        headers={"Authorization": "Bearer nope"},
    )
    assert resp.status_code in (400, 401)


def test_broken_json_is_a_clear_400(client):
    resp = client.post("/api/checkin/v1/enrol", data="{nope", content_type="application/json")
    assert resp.status_code == 400
    assert resp.get_json()["code"] == "invalid_request"


def test_a_normal_enrolment_body_still_reaches_the_service(client):
    resp = client.post("/api/checkin/v1/enrol", json={"code": "NOPE-NOPE"})
    assert resp.status_code in (400, 404, 422)
    assert resp.get_json()["code"] not in ("json_too_deep", "invalid_request")


def test_depth_check():
    assert not json_depth_exceeds(b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH)
    assert json_depth_exceeds(b"[" * (MAX_JSON_DEPTH + 1))
    # Brackets inside strings do not count, escaped quotes included.
    assert not json_depth_exceeds(b'{"a": "' + b"[" * 100 + b'\\" [[[["}')
    assert not json_depth_exceeds('{"namn": "Åsa {[["}')


@pytest.mark.parametrize(
    "target",
    [
        "/\n/x",
        "/\t/evil.example",
        "/\r/evil.example",
        "/ /evil.example",
        "//evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "evil.example",
        "/\x00/x",
        "/\u2028/evil.example",
        "",
        None,
        "/" + "a" * 5000,
    ],
)
def test_safe_next_refuses_everything_but_same_site_paths(target):
    assert safe_next(target) == "/"


@pytest.mark.parametrize("target", ["/", "/auth/", "/ansokan?manad=2026-12", "/plan#v2", "/ö"])
def test_safe_next_keeps_same_site_paths(target):
    assert safe_next(target) == target


@pytest.mark.parametrize("target", ["/\n/x", "/\t/evil.example", "//evil.example"])
def test_language_switch_with_a_hostile_next_goes_home(client, target):
    resp = client.post("/language", data={"lang": "en", "next": target})
    assert resp.status_code == 302
    assert resp.location == "/"


@pytest.mark.parametrize("page", ["99999999999999999999", "-5", "abc", "1e9", "0"])
def test_huge_or_odd_page_numbers_are_clamped(client, world, page):
    factories.sign_in(client, world.admin)
    resp = client.get(f"/admin/audit/?page={page}")
    assert resp.status_code == 200


def test_page_number_is_clamped(app):
    from portal.request_guard import page_number

    with app.test_request_context("/?page=99999999999999999999"):
        assert page_number() == MAX_PAGE
    with app.test_request_context("/?page=7"):
        assert page_number() == 7
    with app.test_request_context("/?page=x"):
        assert page_number() == 1


def test_api_errors_follow_accept_language(client):
    body = "[" * 1000 + "]" * 1000
    resp = client.post(
        "/api/checkin/v1/enrol",
        data=body,
        content_type="application/json",
        headers={"Accept-Language": "en-GB,en;q=0.9"},
    )
    assert resp.status_code == 400
    assert resp.get_json()["message"] == "The request is nested too deeply."
