"""Catalogue pages: who may see and change what, enrolment lists without names for others."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from portal.models import Activity, AuditEntry, Enrolment, EnrolmentStatus, Site
from tests import factories

TODAY = date(2026, 3, 2)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel("2026-03-02 09:00:00+01:00", tick=True):
        yield


def _page(client, path):
    resp = client.get(path)
    return resp.status_code, resp.get_data(as_text=True)


@pytest.mark.parametrize("who", ["site_staff", "auditor", "person_a"])
@pytest.mark.parametrize("path", ["/admin/catalogue/", "/admin/catalogue/sites"])
def test_other_roles_may_not_browse(client, world, login, who, path):
    login(getattr(world, who))
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("who", ["admin", "caseworker"])
def test_admin_and_caseworker_browse_with_occupancy(client, world, login, who):
    world.activity_a.capacity = 10
    factories.db.session.commit()
    login(getattr(world, who))
    status, html = _page(client, "/admin/catalogue/")
    assert status == 200
    assert world.activity_a.name in html and "0 / 10" in html
    status, html = _page(client, f"/admin/catalogue/activities/{world.activity_a.public_ref}")
    assert status == 200 and "Kommande veckor" in html


@pytest.mark.parametrize(
    "path",
    [
        "/admin/catalogue/sites/new",
        "/admin/catalogue/activities/new",
        "/admin/catalogue/activities/{act}/edit",
        "/admin/catalogue/sites/{site}/edit",
    ],
)
@pytest.mark.parametrize("who", ["caseworker", "site_staff", "auditor", "person_a"])
def test_only_administrators_change_the_catalogue(client, world, login, who, path):
    login(getattr(world, who))
    url = path.format(act=world.activity_a.public_ref, site=world.site_a.public_ref)
    assert client.get(url).status_code == 403
    assert client.post(url, data={"name": "x"}).status_code == 403


def test_caseworker_cannot_add_or_end_sessions(client, world, login, db):
    login(world.caseworker)
    ref = world.activity_a.public_ref
    resp = client.post(
        f"/admin/catalogue/activities/{ref}/sessions",
        data={"weekday": "2", "start_time": "13:00", "end_time": "15:00"},
    )
    assert resp.status_code == 403
    sid = world.activity_a.sessions[0].id
    assert client.post(f"/admin/catalogue/activities/{ref}/sessions/{sid}/end").status_code == 403


def test_activity_of_another_municipality_is_404(client, world, login):
    other = factories.municipality()
    act = factories.activity(factories.site(other))
    factories.db.session.commit()
    login(world.admin)
    assert client.get(f"/admin/catalogue/activities/{act.public_ref}").status_code == 404
    assert client.get(f"/admin/catalogue/sites/{act.site.public_ref}/edit").status_code == 404


def test_admin_creates_site_activity_and_session(client, world, login, db):
    login(world.admin)
    resp = client.post(
        "/admin/catalogue/sites/new",
        data={
            "name": "Navet",
            "address": "Storgatan 1",
            "postal_code": "392 32",
            "city": "Kalmar",
            "latitude": "56.6634",
            "longitude": "16.3568",
            "opening_hours": "Mån–fre 8–16",
            "active": "y",
        },
    )
    assert resp.status_code == 302
    site = db.session.scalar(sa.select(Site).where(Site.name == "Navet"))
    assert site.latitude == pytest.approx(56.6634) and len(site.site_key) == 64
    status, html = _page(client, "/admin/catalogue/sites")
    assert "Navet" in html and "Mån–fre 8–16" in html and site.site_key not in html

    resp = client.post(
        "/admin/catalogue/activities/new",
        data={
            "name": "Jobbklubben",
            "type": "job_search",
            "site": site.public_ref,
            "capacity": "12",
            "from_date": "2026-03-02",
            "description": "Vi söker jobb tillsammans.",
            "active": "y",
        },
    )
    assert resp.status_code == 302
    act = db.session.scalar(sa.select(Activity).where(Activity.name == "Jobbklubben"))
    resp = client.post(
        f"/admin/catalogue/activities/{act.public_ref}/sessions",
        data={"weekday": "3", "start_time": "09:00", "end_time": "12:00"},
    )
    assert resp.status_code == 302
    status, html = _page(client, f"/admin/catalogue/activities/{act.public_ref}")
    assert "09:00–12:00" in html and "0 av 12 platser tagna" in html


def test_bad_session_input_is_explained_not_500(client, world, login):
    login(world.admin)
    ref = world.activity_a.public_ref
    resp = client.post(
        f"/admin/catalogue/activities/{ref}/sessions",
        data={"weekday": "1", "start_time": "10:00", "end_time": "11:00"},
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "redan ett pass den tiden" in html
    resp = client.post(
        f"/admin/catalogue/activities/{ref}/sessions",
        data={"weekday": "7", "start_time": "x", "end_time": ""},
    )
    assert resp.status_code == 200 and "error-summary" in resp.get_data(as_text=True)


def test_bad_site_input_is_explained(client, world, login):
    login(world.admin)
    resp = client.post(
        "/admin/catalogue/sites/new",
        data={"name": "", "address": "A", "city": "B", "latitude": "95", "longitude": "x"},
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Skriv platsens namn." in html and "Latitud är ett tal mellan -90 och 90." in html


def test_caseworker_enrols_own_units_person_and_sees_the_name(client, world, login, db):
    world.activity_a.capacity = 1
    db.session.commit()
    login(world.caseworker)
    ref = world.activity_a.public_ref
    resp = client.post(
        f"/admin/catalogue/activities/{ref}/enrol",
        data={"person": world.person_a.public_ref, "from_date": TODAY.isoformat()},
    )
    assert resp.status_code == 302
    enrolment = db.session.scalar(sa.select(Enrolment))
    assert enrolment.status == EnrolmentStatus.ENROLLED
    audit = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "create")).one()
    assert audit.object_type == "enrolment" and audit.person_id == world.person_a.id
    status, html = _page(client, f"/admin/catalogue/activities/{ref}")
    assert world.person_a.full_name in html and "1 av 1 platser tagna" in html
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(
                AuditEntry.action == "read", AuditEntry.object_type == "enrolment"
            )
        )
        == 1
    )


def test_caseworker_cannot_enrol_another_units_person(client, world, login, db):
    login(world.caseworker)
    resp = client.post(
        f"/admin/catalogue/activities/{world.activity_a.public_ref}/enrol",
        data={"person": world.person_b.public_ref, "from_date": TODAY.isoformat()},
    )
    # The other unit's person is not even offered in the list.
    assert resp.status_code == 200 and "error-summary" in resp.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Enrolment)) == 0


def test_full_activity_puts_person_in_queue_and_ending_offers_the_place(client, world, login, db):
    act = world.activity_a
    act.capacity = 1
    second = factories.person(world.municipality, unit=world.unit_a, first_name="Greta")
    db.session.commit()
    login(world.caseworker)
    ref = act.public_ref
    for p in (world.person_a, second):
        client.post(
            f"/admin/catalogue/activities/{ref}/enrol",
            data={"person": p.public_ref, "from_date": TODAY.isoformat()},
        )
    html = client.get(f"/admin/catalogue/activities/{ref}").get_data(as_text=True)
    assert "I kö, plats 1" in html
    resp = client.post(f"/admin/catalogue/activities/{ref}/people/{world.person_a.public_ref}/end")
    assert resp.status_code == 302
    db.session.expire_all()
    statuses = dict(db.session.execute(sa.select(Enrolment.person_id, Enrolment.status)).all())
    assert statuses == {
        world.person_a.id: EnrolmentStatus.ENDED,
        second.id: EnrolmentStatus.ENROLLED,
    }
    html = client.get(f"/admin/catalogue/activities/{ref}").get_data(as_text=True)
    assert "Platsen gick till den som stod först i kön." in html


def test_names_are_hidden_from_admin_and_other_units(client, world, login, db):
    from admin.catalogue import services

    with factories_request(client):
        services.enrol(world.person_a, world.activity_a, TODAY, TODAY)
        services.enrol(world.person_b, world.activity_a, TODAY, TODAY)
    db.session.commit()
    ref = world.activity_a.public_ref
    login(world.admin)
    html = client.get(f"/admin/catalogue/activities/{ref}").get_data(as_text=True)
    assert "2 inskrivna" in html
    assert world.person_a.last_name not in html and world.person_b.last_name not in html
    login(world.caseworker_b)
    html = client.get(f"/admin/catalogue/activities/{ref}").get_data(as_text=True)
    assert world.person_b.last_name in html and world.person_a.last_name not in html
    assert "Från andra enheter: 1 inskrivna" in html
    # Ending another unit's person's place is not possible.
    resp = client.post(f"/admin/catalogue/activities/{ref}/people/{world.person_a.public_ref}/end")
    assert resp.status_code == 404


def factories_request(client):
    return client.application.test_request_context()


def test_calendar_page_marks_holiday(client, world, login):
    login(world.admin)
    ref = world.activity_a.public_ref  # Mondays 09–12
    html = client.get(f"/admin/catalogue/activities/{ref}?from=2026-04-06").get_data(as_text=True)
    assert "Helgdag: Annandag påsk" in html
    for bad in ("not-a-date", "9999-12-31", "0001-01-01"):
        resp = client.get(f"/admin/catalogue/activities/{ref}?from={bad}")
        assert resp.status_code == 200 and "Vecka 10, 2026" in resp.get_data(as_text=True)


def test_admin_ends_a_session(client, world, login, db):
    login(world.admin)
    ref = world.activity_a.public_ref
    sid = world.activity_a.sessions[0].id
    assert client.post(f"/admin/catalogue/activities/{ref}/sessions/{sid}/end").status_code == 302
    db.session.expire_all()
    assert world.activity_a.sessions[0].valid_to == TODAY - timedelta(days=1)
    assert client.post(f"/admin/catalogue/activities/{ref}/sessions/99999/end").status_code == 404


def test_a_site_belongs_to_its_provider(client, world, login):
    from portal.extensions import db

    db.session.commit()
    login(world.admin)
    resp = client.post(
        "/admin/catalogue/sites/new",
        data={
            "name": "Föreningshuset",
            "provider": "Föreningen Framåt",
            "address": "Torget 2",
            "city": "Demostad",
            "active": "y",
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    page = client.get("/admin/catalogue/sites").get_data(as_text=True)
    assert "Föreningen Framåt" in page and "Anordnare" in page
