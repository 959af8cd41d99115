"""Every casework POST carries a CSRF token: without it the request is refused, nothing saved."""

import re

import pyotp
import pytest

from portal.extensions import db
from portal.models import ApplicationState
from tests import factories
from tests.casework import builders as b
from tests.casework.builders import CASE_PAGES, UNIT_PAGES, audit_rows

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def token(client, url: str) -> str:
    """The CSRF token of a page's form.

    The tests keep one application context open, so Flask-WTF's per-context cache of the
    token would outlive the session it belongs to (sign-in clears the session): drop it.
    """
    from flask import g

    g.pop("csrf_token", None)
    return TOKEN.search(client.get(url).get_data(as_text=True)).group(1)


def sign_in_with_tokens(client, user) -> None:
    data = {"email": user.email, "password": factories.PASSWORD}
    data["csrf_token"] = token(client, "/auth/staff")
    assert client.post("/auth/staff", data=data).status_code == 302
    code = pyotp.TOTP(user.totp_secret).now()
    resp = client.post(
        "/auth/staff/totp", data={"code": code, "csrf_token": token(client, "/auth/staff/totp")}
    )
    assert resp.status_code == 302


class TestCsrf:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "WTF_CSRF_ENABLED": True}

    def test_posts_without_a_token_are_refused(self, client, world, refs):
        sign_in_with_tokens(client, world.caseworker)
        for _, path in [p for p in CASE_PAGES + UNIT_PAGES if p[0] == "POST"]:
            resp = client.post(path.format(**refs), data={})
            assert resp.status_code == 400, path
        assert audit_rows(action="update") == [] and audit_rows(action="read") == []

    def test_the_forms_carry_their_token(self, client, world):
        app = b.application(world.person_a, "2026-09")
        db.session.commit()
        sign_in_with_tokens(client, world.caseworker)
        url = f"/admin/cases/applications/{app.public_ref}"
        resp = client.post(f"{url}/first-contact", data={"csrf_token": token(client, url)})
        assert resp.status_code == 302
        db.session.refresh(app)
        assert app.state == ApplicationState.IN_REVIEW
        resp = client.post(
            f"{url}/decision",
            data={
                "csrf_token": token(client, f"{url}/decision"),
                "outcome": "approved",
                "amount_sek": "100",
                "reasons": "Du har rätt till bistånd.",
            },
        )
        assert resp.status_code == 302
        db.session.refresh(app)
        assert app.state == ApplicationState.DECIDED
