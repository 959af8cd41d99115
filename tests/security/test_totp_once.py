"""A TOTP step is consumed atomically: one code signs in once, however many servers see it."""

from __future__ import annotations

import threading
import time

import pyotp
import pytest
import sqlalchemy as sa

from portal.auth import services
from portal.extensions import db
from portal.models import StaffUser
from tests import factories
from tests.conftest import POSTGRES_ONLY

ATTEMPTS = 6


@pytest.mark.commits  # the other server is a connection of its own
def test_a_step_used_by_another_server_is_refused_though_this_one_has_an_old_copy(app, world):
    """Two app servers: this one loaded the user before the other consumed the step."""
    user = world.caseworker
    user.totp_last_step = None
    db.session.commit()
    assert user.totp_last_step is None  # loaded: this server's copy says 'never used'
    now = time.time()
    code = pyotp.TOTP(user.totp_secret).at(now)
    step = int(now) // 30
    with db.engine.begin() as other_server:
        other_server.execute(
            sa.update(StaffUser).where(StaffUser.id == user.id).values(totp_last_step=step)
        )
    assert user.totp_last_step is None  # the stale copy
    assert services.verify_totp(user, code, now=now) is False


def test_consume_a_step_once(app, world):
    user = world.admin
    user.totp_last_step = None
    db.session.commit()
    assert services.consume_totp_step(user, 100) is True
    assert services.consume_totp_step(user, 100) is False
    assert services.consume_totp_step(user, 99) is False
    assert services.consume_totp_step(user, 101) is True
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(StaffUser, user.id).totp_last_step == 101


@pytest.mark.commits  # threads with sessions of their own
@pytest.mark.postgres
@POSTGRES_ONLY
def test_concurrent_sign_ins_with_one_code_succeed_once(app, world):
    assert db.engine.dialect.name == "postgresql"
    user = world.caseworker
    for _ in range(3):
        user.totp_last_step = None
        db.session.commit()
        clients = [app.test_client() for _ in range(ATTEMPTS)]
        for c in clients:
            resp = c.post("/auth/staff", data={"email": user.email, "password": factories.PASSWORD})
            assert resp.location.endswith("/auth/staff/totp")
        code = pyotp.TOTP(user.totp_secret).now()
        barrier = threading.Barrier(ATTEMPTS)
        statuses: list[int] = []
        errors: list[BaseException] = []

        def attempt(c):
            try:
                barrier.wait(timeout=10)
                statuses.append(c.post("/auth/staff/totp", data={"code": code}).status_code)
            except BaseException as exc:  # noqa: BLE001 - asserted below
                errors.append(exc)

        threads = [threading.Thread(target=attempt, args=(c,)) for c in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert errors == []
        # 302: signed in; 200: the form again with "the code is not right".
        assert sorted(statuses) == [200] * (ATTEMPTS - 1) + [302]
        signed_in = [c for c in clients if c.get("/admin/").status_code == 200]
        assert len(signed_in) == 1
