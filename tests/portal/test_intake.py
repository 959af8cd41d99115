"""Intake: a brand-new applicant's application reaches a unit's intake queue by the
municipality's rule (postcode rule, else the intake unit), a caseworker there takes it, and a
case can be moved to another unit (audited)."""

import pytest
import sqlalchemy as sa

from portal.auth.services import applicant_for_personnummer
from portal.extensions import db
from portal.models import AuditEntry, IntakeRule, Unit
from portal.services import intake
from tests.portal.test_applications import _fill_all, _start

NEW_PNR = "198507099805"  # a valid personnummer nobody in the world has


def text(resp) -> str:
    return resp.get_data(as_text=True)


@pytest.fixture
def newcomer(now, world, login, client):
    """A first sign-in with e-ID: a person with no unit and no caseworker, signed in."""
    person = applicant_for_personnummer(NEW_PNR, "Nora", "Ny")
    db.session.commit()
    assert person.unit_id is None
    login(person)
    return person


def submit(client, postcode=""):
    app = _start(client)
    _fill_all(client, app)
    if postcode:
        resp = client.post(
            f"/ansokan/{app.public_ref}/kostnader",
            data={"housing": "rental", "rent": "6500", "postcode": postcode},
        )
        assert resp.status_code == 302, text(resp)
    assert client.post(f"/ansokan/{app.public_ref}/granska").status_code == 302
    return app


def test_a_new_applicants_application_reaches_the_intake_unit(client, world, login, newcomer):
    world.municipality.settings.intake_unit_id = world.unit_b.id
    db.session.commit()
    app = submit(client)
    db.session.refresh(newcomer)
    assert newcomer.unit_id == world.unit_b.id and newcomer.caseworker_id is None
    login(world.caseworker_b)
    queue = text(client.get("/admin/cases/?state=intake"))
    assert "Nora Ny" in queue and app.public_ref in queue
    assert "Nora Ny" in text(client.get("/admin/cases/?state=open"))
    login(world.caseworker)
    assert "Nora Ny" not in text(client.get("/admin/cases/?state=intake"))
    assert client.get(f"/admin/cases/applications/{app.public_ref}").status_code == 404


def test_a_postcode_rule_wins_over_the_intake_unit(client, world, newcomer):
    world.municipality.settings.intake_unit_id = world.unit_a.id
    db.session.add_all(
        [
            IntakeRule(municipality_id=world.municipality.id, postcode_prefix="39",
                       unit_id=world.unit_a.id),
            IntakeRule(municipality_id=world.municipality.id, postcode_prefix="392",
                       unit_id=world.unit_b.id),
        ]
    )  # fmt: skip
    db.session.commit()
    submit(client, postcode="392 34")
    db.session.refresh(newcomer)
    assert newcomer.postcode == "39234" and newcomer.unit_id == world.unit_b.id


def test_a_bad_postcode_is_refused_with_a_clear_message(client, world, newcomer):
    app = _start(client)
    resp = client.post(
        f"/ansokan/{app.public_ref}/kostnader",
        data={"housing": "rental", "rent": "6500", "postcode": "3923"},
    )
    assert resp.status_code == 400
    assert "Skriv postnumret med fem siffror" in text(resp)


def test_without_an_intake_unit_the_first_unit_takes_the_case(world):
    db.session.commit()
    unit = intake.intake_unit(world.municipality.id, None)
    first = db.session.scalar(sa.select(Unit).order_by(Unit.id).limit(1))
    assert unit.id == first.id


def test_an_applicant_who_already_has_a_unit_keeps_it(client, world, login, now):
    login(world.person_a)
    world.municipality.settings.intake_unit_id = world.unit_b.id
    db.session.commit()
    submit(client)
    db.session.refresh(world.person_a)
    assert world.person_a.unit_id == world.unit_a.id


def test_a_caseworker_takes_a_case_from_the_intake_queue(client, world, login, newcomer):
    world.municipality.settings.intake_unit_id = world.unit_a.id
    db.session.commit()
    submit(client)
    login(world.caseworker)
    page = text(client.get(f"/admin/people/{newcomer.public_ref}"))
    assert "Nytt ärende utan handläggare" in page
    resp = client.post(f"/admin/people/{newcomer.public_ref}/take")
    assert resp.status_code == 302
    db.session.refresh(newcomer)
    assert newcomer.caseworker_id == world.caseworker.id
    assert "Nora Ny" not in text(client.get("/admin/cases/?state=intake"))
    row = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "assign"))
    assert row.person_id == newcomer.id and row.actor_user_id == world.caseworker.id


def test_a_case_is_moved_to_another_unit_and_leaves_this_one(client, world, login, now):
    person = world.person_a
    login(world.caseworker)
    url = f"/admin/people/{person.public_ref}/transfer"
    resp = client.post(url, data={"unit": str(world.unit_a.id), "reason": "moved"})
    assert resp.status_code == 400 and "Inte ett giltigt val" in text(resp)
    resp = client.post(url, data={"unit": str(world.unit_b.id), "reason": "moved"})
    assert resp.status_code == 302
    db.session.refresh(person)
    assert person.unit_id == world.unit_b.id and person.caseworker_id is None
    assert client.get(f"/admin/people/{person.public_ref}").status_code == 404
    row = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "transfer"))
    assert row.person_id == person.id
    assert row.why == f"unit {world.unit_a.id} -> {world.unit_b.id}: moved"
    login(world.caseworker_b)
    assert client.get(f"/admin/people/{person.public_ref}").status_code == 200


def test_a_case_cannot_be_moved_to_another_municipalitys_unit(client, world, login, now):
    from portal.models import Municipality

    other = Municipality(code="0001", name="Annan kommun")
    db.session.add(other)
    db.session.flush()
    foreign = Unit(municipality_id=other.id, name="Annan enhet")
    db.session.add(foreign)
    db.session.commit()
    login(world.caseworker)
    resp = client.post(
        f"/admin/people/{world.person_a.public_ref}/transfer",
        data={"unit": str(foreign.id), "reason": "moved"},
    )
    assert resp.status_code == 400
    db.session.refresh(world.person_a)
    assert world.person_a.unit_id == world.unit_a.id


@pytest.mark.parametrize("who", ["site_staff", "admin", "auditor", "person_a", "caseworker_b"])
def test_only_the_units_caseworker_takes_or_moves_a_case(client, world, login, now, who):
    login(getattr(world, who))
    ref = world.person_a.public_ref
    for path in (f"/admin/people/{ref}/take", f"/admin/people/{ref}/transfer"):
        resp = client.post(path, data={"unit": str(world.unit_b.id), "reason": "moved"})
        assert resp.status_code in (403, 404), (who, path)
    db.session.refresh(world.person_a)
    assert world.person_a.unit_id == world.unit_a.id and world.person_a.caseworker_id is None
