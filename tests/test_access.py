"""One central access check: each role is refused the others' pages and other people's cases.

Each test here fails if the corresponding check in portal/access.py is removed.
"""

import pytest

from portal.models import AuditEntry


@pytest.mark.parametrize(
    "who, path, expected",
    [
        ("anonymous", "/start", 302),
        ("anonymous", "/admin/", 302),
        ("anonymous", "/checkin/", 302),
        ("person_a", "/admin/", 403),
        ("person_a", "/checkin/", 403),
        ("site_staff", "/admin/", 403),
        ("site_staff", "/start", 403),
        ("caseworker", "/checkin/", 403),
        ("caseworker", "/start", 403),
        ("auditor", "/checkin/", 403),
        ("admin", "/start", 403),
        ("caseworker", "/admin/", 200),
        ("admin", "/admin/", 200),
        ("auditor", "/admin/", 200),
        ("site_staff", "/checkin/", 200),
        ("person_a", "/start", 200),
    ],
)
def test_pages_by_role(client, world, login, who, path, expected):
    if who != "anonymous":
        login(getattr(world, who))
    assert client.get(path).status_code == expected


def test_caseworker_sees_own_units_case_and_it_is_audited(client, world, login, db):
    login(world.caseworker)
    resp = client.get(f"/admin/people/{world.person_a.public_ref}")
    assert resp.status_code == 200
    assert "Alma" in resp.get_data(as_text=True)
    entry = db.session.query(AuditEntry).one()
    assert entry.actor_user_id == world.caseworker.id
    assert entry.actor_role == "caseworker"
    assert entry.action == "read" and entry.object_type == "case"
    assert entry.person_id == world.person_a.id


def test_caseworker_of_another_unit_gets_404_and_nothing_is_logged_as_read(
    client, world, login, db
):
    login(world.caseworker_b)
    assert client.get(f"/admin/people/{world.person_a.public_ref}").status_code == 404
    assert db.session.query(AuditEntry).count() == 0


@pytest.mark.parametrize(
    "who, expected", [("site_staff", 403), ("admin", 403), ("auditor", 403), ("person_a", 403)]
)
def test_other_roles_cannot_open_a_case(client, world, login, who, expected):
    login(getattr(world, who))
    assert client.get(f"/admin/people/{world.person_a.public_ref}").status_code == expected


def test_case_urls_use_the_public_reference_not_the_id_or_personnummer(client, world, login):
    login(world.caseworker)
    assert client.get(f"/admin/people/{world.person_a.id}").status_code == 404
    pnr = world.person_a.identity.personnummer
    assert client.get(f"/admin/people/{pnr}").status_code == 404
