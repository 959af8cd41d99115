"""Users and roles: create, edit, deactivate, reset; the last-administrator and own-role rules;
deactivation ends sessions at once; every change is audited."""

from __future__ import annotations

import re

import pyotp
import pytest
import sqlalchemy as sa

from admin.administration import users
from portal.errors import DomainError
from portal.models import AuditEntry, StaffRole, StaffUser
from tests import factories

BASE = "/admin/administration"


def audit_rows(db, action=None):
    query = sa.select(AuditEntry).where(AuditEntry.object_type == "staff_user")
    if action:
        query = query.where(AuditEntry.action == action)
    return db.session.scalars(query).all()


def test_admin_creates_site_staff_bound_to_a_site_and_gets_a_one_time_password(
    client, world, login, db
):
    login(world.admin)
    resp = client.post(
        f"{BASE}/users/new",
        data={
            "name": "Sigrid Plats",
            "email": "Sigrid@Test.se",
            "role": "site_staff",
            "unit_id": "0",
            "site_ids": [str(world.site_b.id)],
        },
    )
    assert resp.status_code == 200
    assert resp.headers["Cache-Control"] == "no-store"
    password = re.search(r'id="one-time-password">([^<]+)<', resp.get_data(as_text=True))[1]
    user = db.session.scalar(sa.select(StaffUser).where(StaffUser.email == "sigrid@test.se"))
    assert user.role == StaffRole.SITE_STAFF and [s.id for s in user.sites] == [world.site_b.id]
    assert user.totp_confirmed_at is None and password not in user.password_hash
    (row,) = audit_rows(db, "create")
    assert row.actor_user_id == world.admin.id and row.object_ref == str(user.id)
    assert "site_staff" in row.why and password not in row.why
    # The new user signs in with the password and is sent to enrol a second factor.
    client.post("/auth/logout")
    resp = client.post("/auth/staff", data={"email": "sigrid@test.se", "password": password})
    assert resp.location.endswith("/auth/staff/totp/enrol")


@pytest.mark.parametrize(
    "data, code",
    [
        ({"role": "caseworker", "unit_id": "0"}, "unit_required"),
        ({"role": "site_staff", "site_ids": []}, "sites_required"),
    ],
)
def test_roles_need_their_scope(app, world, data, code):
    with pytest.raises(DomainError) as error:
        users.create_user(
            world.admin,
            email="x@test.se",
            name="X",
            role=StaffRole(data["role"]),
            unit_id=int(data.get("unit_id") or 0) or None,
            site_ids=data.get("site_ids", []),
        )
    assert error.value.code == code


def test_an_email_is_one_user(app, world):
    with pytest.raises(DomainError) as error:
        users.create_user(
            world.admin, email=world.auditor.email.upper(), name="X", role=StaffRole.AUDITOR
        )
    assert error.value.code == "email_taken"


def test_a_site_of_another_municipality_cannot_be_given(app, world):
    other = factories.municipality()
    foreign = factories.site(other)
    with pytest.raises(DomainError) as error:
        users.create_user(
            world.admin,
            email="y@test.se",
            name="Y",
            role=StaffRole.SITE_STAFF,
            site_ids=[foreign.id],
        )
    assert error.value.code == "sites_required"


def test_edit_changes_role_and_scope_and_is_audited(client, world, login, db):
    login(world.admin)
    resp = client.post(
        f"{BASE}/users/{world.auditor.id}",
        data={
            "name": world.auditor.name,
            "email": world.auditor.email,
            "role": "caseworker",
            "unit_id": str(world.unit_b.id),
        },
    )
    assert resp.status_code == 302
    db.session.refresh(world.auditor)
    assert world.auditor.role == StaffRole.CASEWORKER and world.auditor.unit_id == world.unit_b.id
    (row,) = audit_rows(db, "update")
    assert "role=caseworker" in row.why and row.object_ref == str(world.auditor.id)


def test_no_administrator_changes_their_own_role(client, world, login, db):
    factories.staff(world.municipality, StaffRole.ADMINISTRATOR)
    db.session.commit()
    login(world.admin)
    resp = client.post(
        f"{BASE}/users/{world.admin.id}",
        data={"name": "Ny", "email": world.admin.email, "role": "auditor", "unit_id": "0"},
    )
    assert resp.status_code == 200
    assert "Du kan inte ändra din egen roll" in resp.get_data(as_text=True)
    db.session.refresh(world.admin)
    assert world.admin.role == StaffRole.ADMINISTRATOR and world.admin.name != "Ny"


def test_an_administrator_cannot_raise_their_own_role(app, world):
    # A caseworker cannot reach the pages at all; the service refuses it too.
    with pytest.raises(DomainError) as error:
        users.update_user(
            world.caseworker,
            world.caseworker,
            email=world.caseworker.email,
            name=world.caseworker.name,
            role=StaffRole.ADMINISTRATOR,
        )
    assert error.value.code == "own_role"


def test_the_last_administrator_is_neither_demoted_nor_deactivated(app, world, db):
    second = factories.staff(world.municipality, StaffRole.ADMINISTRATOR)
    # With two administrators, one may demote the other ...
    users.update_user(
        world.admin, second, email=second.email, name=second.name, role=StaffRole.AUDITOR
    )
    # ... but the remaining one is the last: nobody can demote or deactivate them.
    with pytest.raises(DomainError) as error:
        users.update_user(
            second, world.admin, email=world.admin.email, name="A", role=StaffRole.AUDITOR
        )
    assert error.value.code in ("last_admin",)
    with pytest.raises(DomainError) as error:
        users.deactivate_user(second, world.admin)
    assert error.value.code == "last_admin"
    assert world.admin.active and world.admin.role == StaffRole.ADMINISTRATOR


def test_an_inactive_administrator_does_not_count(app, world, db):
    second = factories.staff(world.municipality, StaffRole.ADMINISTRATOR)
    second.active = False
    third = factories.staff(world.municipality, StaffRole.ADMINISTRATOR)
    users.deactivate_user(world.admin, third)
    with pytest.raises(DomainError) as error:
        users.deactivate_user(third, world.admin)
    assert error.value.code == "last_admin"


def test_nobody_deactivates_themselves(app, world):
    with pytest.raises(DomainError) as error:
        users.deactivate_user(world.admin, world.admin)
    assert error.value.code == "own_account"


def test_deactivation_ends_the_users_sessions_at_once(app, world, login, db):
    staff_client = app.test_client()
    login(world.site_staff, staff_client)
    assert staff_client.get("/checkin/").status_code == 200
    admin_client = app.test_client()
    login(world.admin, admin_client)
    resp = admin_client.post(f"{BASE}/users/{world.site_staff.id}/deactivate")
    assert resp.status_code == 302
    # The very next request of the signed-in user is no longer signed in.
    resp = staff_client.get("/checkin/")
    assert resp.status_code == 302 and "/auth/" in resp.location
    db.session.refresh(world.site_staff)
    assert not world.site_staff.active
    assert len(audit_rows(db, "deactivate")) == 1
    # A deactivated user cannot sign in again.
    resp = staff_client.post(
        "/auth/staff", data={"email": world.site_staff.email, "password": factories.PASSWORD}
    )
    assert resp.status_code == 200


def test_reset_of_the_second_factor_ends_sessions_and_asks_for_a_new_one(app, world, login, db):
    staff_client = app.test_client()
    login(world.caseworker, staff_client)
    admin_client = app.test_client()
    login(world.admin, admin_client)
    admin_client.post(f"{BASE}/users/{world.caseworker.id}/reset-second-factor")
    assert staff_client.get("/admin/").status_code == 302
    db.session.refresh(world.caseworker)
    assert world.caseworker.totp_secret is None and world.caseworker.totp_confirmed_at is None
    resp = staff_client.post(
        "/auth/staff", data={"email": world.caseworker.email, "password": factories.PASSWORD}
    )
    assert resp.location.endswith("/auth/staff/totp/enrol")
    staff_client.get("/auth/staff/totp/enrol")
    db.session.refresh(world.caseworker)
    code = pyotp.TOTP(world.caseworker.totp_secret).now()
    resp = staff_client.post("/auth/staff/totp/enrol", data={"code": code})
    assert resp.status_code == 302 and staff_client.get("/admin/").status_code == 200
    assert len(audit_rows(db, "reset_2fa")) == 1


def test_a_session_of_another_session_version_is_refused(app, world, login, db):
    staff_client = app.test_client()
    login(world.auditor, staff_client)
    world.auditor.session_version += 1
    db.session.commit()
    assert staff_client.get("/admin/").status_code == 302


def test_the_list_shows_last_sign_in_and_second_factor(client, world, login, db):
    login(world.admin)
    world.site_staff.totp_confirmed_at = None
    db.session.commit()
    page = client.get(f"{BASE}/users").get_data(as_text=True)
    assert world.site_staff.email in page and "Registreras vid nästa inloggning" in page
    assert "Aldrig" in page  # the auditor never signed in


def test_reactivation_gives_a_new_password(client, world, login, db):
    users.deactivate_user(world.admin, world.auditor)
    db.session.commit()
    login(world.admin)
    resp = client.post(f"{BASE}/users/{world.auditor.id}/reactivate")
    password = re.search(r'id="one-time-password">([^<]+)<', resp.get_data(as_text=True))[1]
    client.post("/auth/logout")
    resp = client.post("/auth/staff", data={"email": world.auditor.email, "password": password})
    assert resp.status_code == 302


def test_the_page_refuses_deactivating_oneself_and_says_why(client, world, login, db):
    login(world.admin)
    resp = client.post(f"{BASE}/users/{world.admin.id}/deactivate", follow_redirects=True)
    assert "Det kan du inte göra med ditt eget konto" in resp.get_data(as_text=True)
    db.session.refresh(world.admin)
    assert world.admin.active and not audit_rows(db, "deactivate")
