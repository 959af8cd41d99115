"""Every applicant form carries a CSRF token, and a POST without one changes nothing."""

import re

import pytest
import sqlalchemy as sa
from flask import g

from portal.extensions import db
from portal.models import AbsenceReport, Application
from tests.portal import factories as pf


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


class TestWithCsrf:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "WTF_CSRF_ENABLED": True}

    @pytest.fixture
    def signed_in(self, client, world, now):
        page = client.get("/auth/dev").get_data(as_text=True)
        resp = client.post(
            f"/auth/dev/{world.person_a.public_ref}", data={"csrf_token": _token(page)}
        )
        assert resp.status_code == 302
        # Requests in tests share the test's app context, and Flask-WTF caches the token on g;
        # signing in cleared the session, so forget the cached token as a new context would.
        g.pop("csrf_token", None)
        return world.person_a

    def test_posts_without_a_token_are_refused(self, client, world, signed_in):
        draft = pf.application(world.person_a)
        plan = pf.plan(world.person_a, [world.activity_a])
        db.session.commit()
        ref = draft.public_ref
        for url, data in (
            ("/ansokan/ny", {"month": "2026-03"}),
            (f"/ansokan/{ref}/hushall", {}),
            (f"/ansokan/{ref}/inkomster", {"salary": "100"}),
            (f"/ansokan/{ref}/intyga", {"accept": "y"}),
            (f"/ansokan/{ref}/granska", {}),
            (f"/plan/version/{plan.version}/bekrafta", {}),
            ("/franvaro/ny", {"first_day": "2026-03-12", "reason": "sick"}),
        ):
            resp = client.post(url, data=data)
            assert resp.status_code == 400, url
        db.session.expire_all()
        assert draft.items == [] and plan.acknowledged_at is None
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AbsenceReport)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Application)) == 1

    def test_the_forms_carry_a_token_that_works(self, client, world, signed_in):
        page = client.get("/franvaro/ny").get_data(as_text=True)
        resp = client.post(
            "/franvaro/ny",
            data={"csrf_token": _token(page), "first_day": "2026-03-12", "reason": "sick"},
        )
        assert resp.status_code == 302
