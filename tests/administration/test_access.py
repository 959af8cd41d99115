"""Only administrators reach the administration; every other role is refused."""

from __future__ import annotations

import pytest

PAGES = [
    ("get", "/admin/administration/"),
    ("get", "/admin/administration/users"),
    ("get", "/admin/administration/users/new"),
    ("post", "/admin/administration/users/new"),
    ("get", "/admin/administration/units"),
    ("post", "/admin/administration/units"),
    ("post", "/admin/administration/units/intake-rules"),
    ("get", "/admin/administration/settings"),
    ("post", "/admin/administration/settings"),
    ("get", "/admin/administration/norm"),
    ("get", "/admin/administration/norm/2027"),
    ("post", "/admin/administration/norm/import"),
]


@pytest.mark.parametrize("who", ["caseworker", "site_staff", "auditor", "person_a"])
@pytest.mark.parametrize("method, path", PAGES)
def test_other_roles_are_refused(client, world, login, who, method, path):
    login(getattr(world, who))
    assert getattr(client, method)(path).status_code == 403


def test_anonymous_is_sent_to_sign_in(client, world):
    resp = client.get("/admin/administration/users")
    assert resp.status_code == 302 and "/auth/" in resp.location


@pytest.mark.parametrize("method, path", [p for p in PAGES if p[0] == "get"])
def test_administrator_reaches_every_page(client, world, login, method, path):
    login(world.admin)
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("who", ["caseworker", "site_staff", "auditor"])
def test_user_actions_are_refused_to_other_roles(client, world, login, db, who):
    target = world.caseworker_b
    login(getattr(world, who))
    for action in ("deactivate", "reset-second-factor", "reset-password"):
        url = f"/admin/administration/users/{target.id}/{action}"
        assert client.post(url).status_code == 403
    db.session.refresh(target)
    assert target.active and target.totp_secret


def test_a_user_of_another_municipality_is_not_found(client, world, login):
    from tests import factories

    other = factories.municipality()
    stranger = factories.staff(other, factories.StaffRole.AUDITOR)
    from portal.extensions import db

    db.session.commit()
    login(world.admin)
    assert client.get(f"/admin/administration/users/{stranger.id}").status_code == 404
    assert client.post(f"/admin/administration/users/{stranger.id}/deactivate").status_code == 404


def test_the_menu_shows_administration_to_administrators_only(client, world, login):
    login(world.admin)
    assert "/admin/administration/" in client.get("/admin/").get_data(as_text=True)
    client.post("/auth/logout")
    login(world.caseworker)
    assert "/admin/administration/" not in client.get("/admin/").get_data(as_text=True)
