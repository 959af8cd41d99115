"""Signing out ends the session on the server: a copy of the cookie taken before signing out
opens nothing afterwards, on this app server or another one sharing the database."""

import pytest

from portal.extensions import db


def _copy_cookie(source, target) -> None:
    cookie = source.get_cookie("session")
    assert cookie is not None
    target.set_cookie("session", cookie.value)


@pytest.mark.commits  # the second server reads the database on connections of its own
@pytest.mark.parametrize(
    ("who", "page"),
    [("person_a", "/start"), ("caseworker", "/admin/cases/"), ("admin", "/admin/")],
)
def test_a_copied_cookie_is_dead_after_sign_out(app, app_config, client, world, login, who, page):
    from portal import create_app

    db.session.commit()
    login(getattr(world, who))
    assert client.get(page).status_code == 200
    other_app = create_app(app_config)
    try:
        other_server = other_app.test_client()
        _copy_cookie(client, other_server)
        assert other_server.get(page).status_code == 200  # the copy works while signed in

        resp = client.post("/auth/logout")
        assert resp.status_code == 302
        for server in (client, other_server):
            resp = server.get(page)
            assert resp.status_code == 302 and "/auth/" in resp.location, who
    finally:
        with other_app.app_context():
            db.engine.dispose()  # its pool's connections closed now, not by the collector


def test_signing_in_again_works_after_signing_out(client, world, login):
    db.session.commit()
    login(world.person_a)
    client.post("/auth/logout")
    login(world.person_a)
    assert client.get("/start").status_code == 200
