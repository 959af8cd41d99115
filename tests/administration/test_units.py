"""Units, the intake unit and postcode intake rules (audited)."""

from __future__ import annotations

import sqlalchemy as sa

from portal.models import AuditEntry, IntakeRule, MunicipalitySettings, Unit

BASE = "/admin/administration"


def test_admin_creates_and_renames_a_unit(client, world, login, db):
    login(world.admin)
    assert client.post(f"{BASE}/units", data={"name": "Enhet Väst"}).status_code == 302
    unit = db.session.scalar(sa.select(Unit).where(Unit.name == "Enhet Väst"))
    resp = client.post(f"{BASE}/units/{unit.id}", data={"name": "Enhet Sydväst"})
    assert resp.status_code == 302
    db.session.refresh(unit)
    assert unit.name == "Enhet Sydväst"
    resp = client.post(f"{BASE}/units", data={"name": world.unit_a.name.upper()})
    assert resp.status_code == 400
    assert "Det finns redan en enhet" in resp.get_data(as_text=True)
    actions = db.session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.object_type == "unit")
    ).all()
    assert sorted(actions) == ["create", "update"]


def test_admin_chooses_the_intake_unit_and_postcode_rules(client, world, login, db):
    login(world.admin)
    resp = client.post(f"{BASE}/units/intake", data={"unit_id": str(world.unit_b.id)})
    assert resp.status_code == 302
    settings = db.session.get(MunicipalitySettings, world.municipality.id)
    assert settings.intake_unit_id == world.unit_b.id
    resp = client.post(
        f"{BASE}/units/intake-rules",
        data={"postcode_prefix": "392", "unit_id": str(world.unit_a.id)},
    )
    assert resp.status_code == 302
    rule = db.session.scalar(sa.select(IntakeRule))
    assert (rule.postcode_prefix, rule.unit_id) == ("392", world.unit_a.id)
    page = client.get(f"{BASE}/units").get_data(as_text=True)
    assert "392" in page and "Tar emot nya ansökningar" in page
    for bad in ("39a", "123456", "392"):
        resp = client.post(
            f"{BASE}/units/intake-rules",
            data={"postcode_prefix": bad, "unit_id": str(world.unit_a.id)},
        )
        assert resp.status_code == 400
    assert client.post(f"{BASE}/units/intake-rules/{rule.id}/delete").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(IntakeRule.id))) == 0
    actions = db.session.scalars(
        sa.select(AuditEntry.object_type).where(AuditEntry.actor_user_id == world.admin.id)
    ).all()
    assert sorted(actions) == ["intake", "intake_rule", "intake_rule"]


def test_the_units_page_lists_site_staff_per_site(client, world, login):
    login(world.admin)
    page = client.get(f"{BASE}/units").get_data(as_text=True)
    assert world.site_a.name in page and world.site_staff.name in page
