"""Dated settings: a change applies from the month chosen, is audited, and reconciliation
reads the settings in force on the period's days; the what-if stores nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
import time_machine

from admin.administration import settings as service
from portal.compliance.reconcile import evaluate_person, reconcile
from portal.errors import DomainError
from portal.models import AuditEntry, ComplianceResult, SettingsVersion
from portal.services.settings_versions import DATED_FIELDS, settings_in_force
from tests import factories
from tests.reconciliation import builders as b

BASE = "/admin/administration"


def values(current, **changes):
    data = {name: getattr(current, name) for name in DATED_FIELDS}
    data["extra_exemptions"] = list(data["extra_exemptions"])
    data["missing_checkout"] = str(data["missing_checkout"])
    data.update(changes)
    return data


def test_a_change_applies_from_its_month_and_before_it_the_old_settings(app, world, db):
    m = world.municipality.id
    before = settings_in_force(db.session, m, date(2026, 12, 6))
    service.save_version(
        world.admin,
        values(before, shortfall_tolerance_minutes=15),
        date(2027, 1, 1),
        "Nämndens beslut 2026-11-30",
        today=date(2026, 12, 6),
    )
    assert settings_in_force(db.session, m, date(2026, 12, 31)).shortfall_tolerance_minutes == 0
    in_january = settings_in_force(db.session, m, date(2027, 1, 1))
    assert in_january.shortfall_tolerance_minutes == 15
    assert in_january.effective_from == date(2027, 1, 1)
    # A later change from March leaves January and February alone.
    service.save_version(
        world.admin,
        values(in_january, pension_age=66),
        date(2027, 3, 1),
        today=date(2026, 12, 6),
    )
    feb = settings_in_force(db.session, m, date(2027, 2, 28))
    march = settings_in_force(db.session, m, date(2027, 3, 1))
    assert (feb.pension_age, feb.shortfall_tolerance_minutes) == (67, 15)
    assert (march.pension_age, march.shortfall_tolerance_minutes) == (66, 15)


def test_every_change_is_audited_with_what_changed_and_from_when(app, world, db):
    current = settings_in_force(db.session, world.municipality.id, date(2026, 12, 6))
    service.save_version(
        world.admin,
        values(current, shortfall_tolerance_minutes=10, reply_deadline_days=10),
        date(2027, 1, 1),
        today=date(2026, 12, 6),
    )
    (row,) = db.session.scalars(sa.select(AuditEntry)).all()
    assert row.action == "update" and row.object_type == "settings"
    assert row.actor_user_id == world.admin.id and row.object_ref == "2027-01-01"
    assert "shortfall_tolerance_minutes 0 -> 10" in row.why
    assert "reply_deadline_days 7 -> 10" in row.why


@pytest.mark.parametrize(
    "day, code",
    [
        (date(2027, 1, 15), "not_first_of_month"),
        (date(2026, 11, 1), "retroactive"),
    ],
)
def test_a_change_starts_on_the_first_of_this_or_a_later_month(app, world, db, day, code):
    current = settings_in_force(db.session, world.municipality.id, date(2026, 12, 6))
    with pytest.raises(DomainError) as error:
        service.save_version(
            world.admin, values(current, pension_age=66), day, today=date(2026, 12, 6)
        )
    assert error.value.code == code
    assert db.session.scalar(sa.select(sa.func.count(SettingsVersion.id))) == 0


@pytest.mark.parametrize(
    "field, bad",
    [
        ("shortfall_tolerance_minutes", -1),
        ("pension_age", 90),
        ("full_time_hours_per_week", Decimal("61")),
        ("full_time_hours_per_week", Decimal("37.3")),
        ("reply_deadline_days", 0),
        ("missing_checkout", "count_half"),
        ("extra_exemptions", ["parental_leave"]),
    ],
)
def test_invalid_values_are_refused_naming_the_setting(app, world, db, field, bad):
    current = settings_in_force(db.session, world.municipality.id, date(2026, 12, 6))
    with pytest.raises(DomainError) as error:
        service.save_version(
            world.admin, values(current, **{field: bad}), date(2027, 1, 1), today=date(2026, 12, 6)
        )
    assert (error.value.code, error.value.message) == ("invalid_setting", field)


def test_no_change_is_not_a_version(app, world, db):
    current = settings_in_force(db.session, world.municipality.id, date(2026, 12, 6))
    with pytest.raises(DomainError) as error:
        service.save_version(
            world.admin, values(current), date(2027, 1, 1), today=date(2026, 12, 6)
        )
    assert error.value.code == "no_change"


@pytest.fixture
def planned(world, db):
    """A person subject to the requirement from July with a language course every weekday."""
    lang = factories.activity(
        world.site_a,
        slots=tuple((day, "09:00", "12:00") for day in range(1, 6)),
        from_date=date(2026, 8, 1),
    )
    person = factories.person(world.municipality, unit=world.unit_a)
    b.assistance(person, ["2026-07", "2026-08", "2026-09", "2026-10"], world.caseworker)
    b.assessment(person, date(2026, 7, 1))
    b.plan(person, date(2026, 8, 1), [(lang, [], date(2026, 8, 1), None)])
    db.session.commit()
    return person


def test_reconciliation_reads_the_settings_in_force_on_each_period(app, world, db, planned):
    current = settings_in_force(db.session, world.municipality.id, date(2026, 9, 1))
    service.save_version(
        world.admin,
        values(current, full_time_hours_per_week=Decimal(20)),
        date(2026, 10, 1),
        today=date(2026, 9, 15),
    )
    db.session.commit()
    # A week in September: full time 40 h; a week in October: 20 h, from the version.
    september = evaluate_person(planned, date(2026, 9, 7), date(2026, 9, 13))
    october = evaluate_person(planned, date(2026, 10, 5), date(2026, 10, 11))
    assert september.target_minutes == 5 * 8 * 60
    assert october.target_minutes == 5 * 4 * 60
    with time_machine.travel(b.local("2026-11-20T09:00"), tick=False):
        reconcile(date(2026, 9, 1), date(2026, 9, 30), municipality_id=world.municipality.id)
        reconcile(date(2026, 10, 1), date(2026, 10, 31), municipality_id=world.municipality.id)
    stored = {
        r.period_from.month: r.figures["target_hours"]
        for r in db.session.scalars(sa.select(ComplianceResult))
    }
    assert stored == {9: 22 * 8.0, 10: 22 * 4.0}


def test_the_what_if_shows_the_last_reconciled_month_and_stores_nothing(
    client, world, login, db, planned
):
    with time_machine.travel(b.local("2026-11-20T09:00"), tick=False):
        reconcile(date(2026, 10, 1), date(2026, 10, 31), municipality_id=world.municipality.id)
    db.session.commit()
    before = [
        (r.status, r.unexcused_minutes, r.computed_at)
        for r in db.session.scalars(sa.select(ComplianceResult))
    ]
    current = settings_in_force(db.session, world.municipality.id, date(2026, 10, 1))
    # The planned person never came: a shortfall. The world's two others are not subject.
    preview = service.what_if(world.municipality.id, values(current, pension_age=55))
    assert preview.period_from == date(2026, 10, 1)
    assert preview.total.real.by_status["shortfall"] == 1
    assert preview.total.proposed.by_status["shortfall"] == 1  # born 1990: still under 55
    preview = service.what_if(world.municipality.id, values(current, mandatory_after_months=6))
    assert preview.total.real.by_status["shortfall"] == 1
    assert preview.total.proposed.by_status["not_subject"] == 3
    assert preview.total.moved == 1 and preview.rules_changed == ["mandatory_after_months"]
    by_unit = {row.label: row for row in preview.rows}
    assert sorted(by_unit) == sorted([world.unit_a.name, world.unit_b.name])
    assert by_unit[world.unit_a.name].moved == 1 and by_unit[world.unit_b.name].moved == 0
    assert preview.total.real.unexcused_minutes > 0 == preview.total.proposed.unexcused_minutes
    after = [
        (r.status, r.unexcused_minutes, r.computed_at)
        for r in db.session.scalars(sa.select(ComplianceResult))
    ]
    assert after == before
    assert db.session.scalar(sa.select(sa.func.count(SettingsVersion.id))) == 0
    # The page shows the same comparison.
    form = values(current, mandatory_after_months=6)
    form.update(effective_from="2027-01-01", preview="1", exempt_if_af_activity="")
    with time_machine.travel(b.local("2026-12-06T09:00"), tick=False):
        login(world.admin)
        page = client.post(f"{BASE}/settings", data=form).get_data(as_text=True)
    assert "Så hade förra avstämda månaden blivit" in page and "2026-10" in page
    assert db.session.scalar(sa.select(sa.func.count(SettingsVersion.id))) == 0


def test_the_page_saves_a_change_from_next_month(client, world, login, db):
    current = settings_in_force(db.session, world.municipality.id, date(2026, 12, 6))
    form = values(current, shortfall_tolerance_minutes=20)
    form.update(effective_from="2027-01-01", save="1", note="Beslut KS 2026/12")
    del form["exempt_if_af_activity"]
    with time_machine.travel(b.local("2026-12-06T09:00"), tick=False):
        login(world.admin)
        resp = client.post(f"{BASE}/settings", data=form)
        assert resp.status_code == 302
        page = client.get(f"{BASE}/settings").get_data(as_text=True)
    assert "2027-01-01" in page and "Beslut KS 2026/12" in page and "Kommande" in page
    assert "utcheckning: Räknas till passets slut" in page  # the label, not the code
    version = db.session.scalars(sa.select(SettingsVersion)).one()
    assert version.shortfall_tolerance_minutes == 20 and version.created_by_id == world.admin.id


def test_the_check_in_window_is_set_on_the_page_at_once_and_audited(client, world, login, db):
    from checkin.corrections import backdate_days

    login(world.admin)
    page = client.get(f"{BASE}/settings").get_data(as_text=True)
    assert "Registrera i efterhand, dagar bakåt" in page and 'value="7"' in page
    resp = client.post(f"{BASE}/settings/checkin", data={"checkin-checkin_backdate_days": "3"})
    assert resp.status_code == 302 and resp.location.endswith("/settings")
    assert backdate_days(world.site_a) == 3  # what site staff may register afterwards
    audit = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.object_ref == "checkin_backdate_days")
    ).one()
    assert audit.actor_user_id == world.admin.id and audit.why.endswith("7 -> 3")
    assert db.session.scalar(sa.select(sa.func.count(SettingsVersion.id))) == 0  # not dated


@pytest.mark.parametrize("bad", ["32", "-1", "", "tre"])
def test_a_wrong_check_in_window_is_refused_with_a_message(client, world, login, db, bad):
    from checkin.corrections import backdate_days

    login(world.admin)
    resp = client.post(f"{BASE}/settings/checkin", data={"checkin-checkin_backdate_days": bad})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "Det finns fel i formuläret" in page
    assert "Skriv" in page and 'href="#checkin-checkin_backdate_days"' in page
    assert backdate_days(world.site_a) == 7


@pytest.mark.parametrize("who", ["caseworker", "site_staff", "auditor"])
def test_only_an_administrator_sets_the_check_in_window(client, world, login, who):
    login(getattr(world, who))
    resp = client.post(f"{BASE}/settings/checkin", data={"checkin-checkin_backdate_days": "1"})
    assert resp.status_code == 403
