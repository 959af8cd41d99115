"""The audit log is searchable by administrators and nobody else."""

import pytest

from portal.models import AuditEntry


def test_administrator_searches_the_log(client, world, login, db):
    login(world.caseworker)
    client.get(f"/admin/people/{world.person_a.public_ref}")
    client.post("/auth/logout")
    login(world.admin)
    page = client.get("/admin/audit/").get_data(as_text=True)
    assert world.caseworker.email in page and world.person_a.public_ref in page
    page = client.get(f"/admin/audit/?person_ref={world.person_b.public_ref}").get_data(
        as_text=True
    )
    assert "Inga händelser matchar sökningen." in page
    page = client.get(f"/admin/audit/?actor={world.caseworker.email.upper()}&action=read").get_data(
        as_text=True
    )
    assert world.person_a.public_ref in page
    assert db.session.query(AuditEntry).count() == 1


def test_date_filter_uses_local_days(client, world, login, db):
    db.session.add(AuditEntry(actor_role="caseworker", action="read", object_type="case", why="x"))
    db.session.commit()
    login(world.admin)
    from portal.i18n import local_today

    today = local_today().isoformat()
    page = client.get(f"/admin/audit/?date_from={today}&date_to={today}").get_data(as_text=True)
    assert "systemet" in page
    page = client.get("/admin/audit/?date_from=2001-01-01&date_to=2001-01-02").get_data(
        as_text=True
    )
    assert "Inga händelser" in page


def test_bad_date_gives_a_message_not_an_error(client, world, login):
    login(world.admin)
    resp = client.get("/admin/audit/?date_from=igår")
    assert resp.status_code == 200
    assert "error-summary" in resp.get_data(as_text=True)


@pytest.mark.parametrize("who", ["caseworker", "site_staff", "auditor", "person_a"])
def test_others_cannot_read_the_log(client, world, login, who):
    login(getattr(world, who))
    assert client.get("/admin/audit/").status_code == 403
