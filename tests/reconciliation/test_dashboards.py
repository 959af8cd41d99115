"""Reconciliation dashboards: counts and lists for caseworkers, aggregates only for auditors,
the drill-down to weeks, days and scans (audited), and who is refused."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa
import time_machine

from portal.compliance import reconcile as rec
from portal.compliance.day_detail import expand_day
from portal.compliance.periods import month_bounds
from portal.models import AuditEntry, ComplianceResult
from portal.models.enums import AbsenceDecision, EventKind, EventSource, EventStatus
from tests import factories
from tests.reconciliation import builders as b

NOW = b.local("2026-11-23T09:00")
SEPTEMBER = {"month": "2026-09"}


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def unit_a_people(world, db):
    """Three people of unit A planned for one week of September: short, pending, fulfilled."""
    lang = factories.activity(
        world.site_a,
        slots=tuple((day, "09:00", "12:00") for day in range(1, 6)),
        from_date=date(2026, 8, 1),
        name="Svenska för jobb",
    )
    people = {}
    for name, week_gap in (("Sara", "absent"), ("Petra", "pending"), ("Frida", "ok")):
        person = factories.person(world.municipality, unit=world.unit_a, first_name=name)
        b.assistance(person, ["2026-07", "2026-08", "2026-09"], world.caseworker)
        b.plan(person, date(2026, 8, 1), [(lang, [], date(2026, 9, 7), date(2026, 9, 11))])
        for day in ("2026-09-07", "2026-09-08", "2026-09-09", "2026-09-10"):
            b.visit(person, lang, day, "09:00", "12:00")
        if week_gap == "pending":
            b.absence(person, "2026-09-11T08:00", "2026-09-11T13:00", AbsenceDecision.PENDING)
        elif week_gap == "ok":
            b.absence(person, "2026-09-11T08:00", "2026-09-11T13:00", AbsenceDecision.APPROVED)
        people[name] = person
    sara = people["Sara"]
    # Sara's Friday: a scan at the wrong time, corrected, then one annulled, then a rejected one.
    wrong = b.event(sara, lang, EventKind.IN, "2026-09-11T10:30")
    b.event(
        sara,
        lang,
        EventKind.CORRECTION,
        "2026-09-11T09:05",
        supersedes=wrong,
        source=EventSource.MANUAL,
        note="Kön vid skannern",
        received="2026-09-11T13:00",
    )
    mistake = b.event(sara, lang, EventKind.OUT, "2026-09-11T09:30")
    b.event(
        sara,
        lang,
        EventKind.ANNUL,
        "2026-09-11T15:00",
        supersedes=mistake,
        source=EventSource.MANUAL,
        note="Skannade fel kort",
    )
    b.event(
        sara,
        lang,
        EventKind.IN,
        "2026-09-11T09:01",
        status=EventStatus.REJECTED,
        reason="revoked_card",
    )
    b.event(
        sara,
        lang,
        EventKind.AUTO_CLOSE,
        "2026-09-11T12:00",
        source=EventSource.AUTO,
        status=EventStatus.FLAGGED,
        reason="missing_checkout",
    )
    db.session.commit()
    return people


def text(resp) -> str:
    return resp.get_data(as_text=True)


def reconcile_september(world):
    rec.reconcile(*month_bounds("2026-09"), municipality_id=world.municipality.id)


# --- who may see what ----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["site_staff", "admin", "person_a"])
def test_other_roles_are_refused(client, world, login, who):
    login(getattr(world, who))
    assert client.get("/admin/reconciliation/").status_code == 403
    ref = world.person_a.public_ref
    assert client.get(f"/admin/reconciliation/people/{ref}?month=2026-09").status_code == 403
    assert client.post("/admin/reconciliation/run", data=SEPTEMBER).status_code == 403


def test_anonymous_is_sent_to_sign_in(client, world):
    assert client.get("/admin/reconciliation/").status_code == 302


def test_caseworker_of_another_unit_gets_404_on_a_person_and_nothing_is_logged(
    client, world, login, db, unit_a_people
):
    reconcile_september(world)
    db.session.commit()
    login(world.caseworker_b)
    ref = unit_a_people["Sara"].public_ref
    assert client.get(f"/admin/reconciliation/people/{ref}?month=2026-09").status_code == 404
    assert (
        client.get(f"/admin/reconciliation/people/{ref}/days/2026-09-11?month=2026-09").status_code
        == 404
    )
    assert client.post(f"/admin/reconciliation/people/{ref}/run", data=SEPTEMBER).status_code == 404
    assert db.session.query(AuditEntry).filter(AuditEntry.person_id.is_not(None)).count() == 0
    # Their own dashboard lists only unit B.
    page = text(client.get("/admin/reconciliation/?month=2026-09"))
    assert "Sara" not in page and "Bashir" in page


def test_auditor_sees_counts_for_the_municipality_and_never_a_name(
    client, world, login, db, unit_a_people
):
    reconcile_september(world)
    db.session.commit()
    login(world.auditor)
    resp = client.get("/admin/reconciliation/?month=2026-09&status=shortfall")
    assert resp.status_code == 200
    page = text(resp)
    for name in ("Sara", "Petra", "Frida", "Alma", "Bashir"):
        assert name not in page
    assert "/admin/reconciliation/people/" not in page
    assert "Stäm av enheten nu" not in page
    counts = _status_counts(page)
    assert counts == {
        "Brister": 1,
        "Väntar på prövning": 1,
        "Uppfyllt": 1,
        "Undantagen": 0,
        "Omfattas inte": 2,
    }
    assert client.post("/admin/reconciliation/run", data=SEPTEMBER).status_code == 403
    ref = unit_a_people["Sara"].public_ref
    assert client.get(f"/admin/reconciliation/people/{ref}?month=2026-09").status_code == 403


def _status_counts(page: str) -> dict[str, int]:
    """Outcome label -> count, read from the table of people per outcome."""
    table = page.split("Personer per utfall", 1)[1].split("</table>", 1)[0]
    rows = re.findall(
        r'<span class="tag[^"]*">([^<]+)</span>.*?<td class="num">\s*(?:<a[^>]*>)?(\d+)',
        table,
        re.S,
    )
    return {label: int(count) for label, count in rows}


# --- the caseworker's dashboard --------------------------------------------------------------


def test_caseworker_runs_reconciliation_and_sees_people_per_status(
    client, world, login, db, unit_a_people
):
    login(world.caseworker)
    page = text(client.get("/admin/reconciliation/?month=2026-09"))
    assert "Perioden är inte avstämd ännu." in page

    resp = client.post("/admin/reconciliation/run", data=SEPTEMBER)
    assert resp.status_code == 302
    assert resp.location.endswith("/admin/reconciliation/?month=2026-09")
    page = text(client.get(resp.location))
    assert "Avstämningen är klar: 4 personer" in page
    assert _status_counts(page) == {
        "Brister": 1,
        "Väntar på prövning": 1,
        "Uppfyllt": 1,
        "Undantagen": 0,
        "Omfattas inte": 1,
    }
    # The list shows shortfall first; the other unit's people were not reconciled.
    people = page.split('id="people"', 1)[1]
    assert "Sara" in people and "Petra" not in people
    assert db.session.query(ComplianceResult).count() == 4
    assert {r.person_id for r in db.session.query(ComplianceResult)} == {
        world.person_a.id,
        *(p.id for p in unit_a_people.values()),
    }
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "reconcile")).one()
    assert entry.object_ref == "2026-09" and entry.actor_user_id == world.caseworker.id

    pending = text(client.get("/admin/reconciliation/?month=2026-09&status=pending_review"))
    people = pending.split('id="people"', 1)[1]
    assert "Petra" in people and "Sara" not in people


def test_a_week_of_the_month_is_its_own_period(client, world, login, db, unit_a_people):
    login(world.caseworker)
    args = {"month": "2026-09", "week": "2026-W37"}
    assert client.post("/admin/reconciliation/run", data=args).status_code == 302
    stored = db.session.scalars(sa.select(ComplianceResult)).all()
    assert {(r.period_from, r.period_to) for r in stored} == {(date(2026, 9, 7), date(2026, 9, 13))}
    page = text(client.get("/admin/reconciliation/?month=2026-09&week=2026-W37"))
    assert "Vecka 37" in page and "Sara" in page
    # A week from another month is dropped: the month is shown instead.
    page = text(client.get("/admin/reconciliation/?month=2026-10&week=2026-W37"))
    assert "Oktober 2026" in page


def test_a_month_that_has_not_started_is_explained(client, world, login):
    login(world.caseworker)
    resp = client.post(
        "/admin/reconciliation/run", data={"month": "2026-12"}, follow_redirects=True
    )
    assert "Ingen dag i perioden har passerat än" in text(resp)


def test_bad_period_arguments_never_give_a_500(client, world, login):
    login(world.caseworker)
    resp = client.get("/admin/reconciliation/?month=2026-13")
    assert resp.status_code == 200
    assert "Det finns fel i formuläret" in text(resp)
    ref = world.person_a.public_ref
    assert client.get(f"/admin/reconciliation/people/{ref}?month=nope").status_code == 404
    assert (
        client.get(f"/admin/reconciliation/people/{ref}?month=2026-09&week=2026-W45").status_code
        == 404
    )
    assert (
        client.get(f"/admin/reconciliation/people/{ref}/days/2026-10-01?month=2026-09").status_code
        == 404
    )
    assert (
        client.get(f"/admin/reconciliation/people/{ref}/days/not-a-day?month=2026-09").status_code
        == 404
    )
    assert client.post("/admin/reconciliation/run", data={"month": "x"}).status_code == 404


# --- drill-down ----------------------------------------------------------------------------


def test_drill_down_to_weeks_days_and_scans_is_audited(client, world, login, db, unit_a_people):
    reconcile_september(world)
    db.session.commit()
    sara = unit_a_people["Sara"]
    login(world.caseworker)

    page = text(client.get(f"/admin/reconciliation/people/{sara.public_ref}?month=2026-09"))
    assert "Sara" in page and "Brister" in page
    assert "Saknad utcheckning" in page
    # Friday: checked in 09:05 (corrected), never out (the check-out was annulled), so the
    # visit counts to the slot's end: 175 min attended and 5 min unexcused.
    assert "Vecka 37" in page
    assert f"/admin/reconciliation/people/{sara.public_ref}/days/2026-09-11?month=2026-09" in page
    result = db.session.scalars(
        sa.select(ComplianceResult).where(ComplianceResult.person_id == sara.id)
    ).one()
    friday = expand_day(next(d for d in result.days if d["date"] == "2026-09-11"))
    assert (friday["attended"], friday["unexcused"], friday["missing_checkout"]) == (175, 5, True)

    page = text(
        client.get(f"/admin/reconciliation/people/{sara.public_ref}/days/2026-09-11?month=2026-09")
    )
    assert "Svenska för jobb" in page
    assert "Rättad till 2026-09-11 09:05" in page
    assert "Makulerad" in page and "Skannade fel kort" in page
    assert "Avvisad" in page and "revoked_card" in page
    assert "Avslutad automatiskt" in page
    assert "Rättad av personal" in page  # the visit built from the corrected scan

    entries = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.person_id == sara.id).order_by(AuditEntry.id)
    ).all()
    assert [(e.action, e.object_type, e.object_ref) for e in entries] == [
        ("read", "compliance_result", "2026-09"),
        ("read", "attendance", "2026-09-11"),
    ]
    assert all(e.actor_user_id == world.caseworker.id for e in entries)


def test_a_person_without_a_result_can_be_reconciled_alone(client, world, login, db, unit_a_people):
    petra = unit_a_people["Petra"]
    login(world.caseworker)
    url = f"/admin/reconciliation/people/{petra.public_ref}?month=2026-09&week=2026-W37"
    assert "inte avstämd för perioden" in text(client.get(url))
    resp = client.post(
        f"/admin/reconciliation/people/{petra.public_ref}/run",
        data={"month": "2026-09", "week": "2026-W37"},
    )
    assert resp.status_code == 302
    page = text(client.get(resp.location))
    assert "Personen är avstämd på nytt." in page and "Väntar på prövning" in page
    assert db.session.query(ComplianceResult).count() == 1


def test_running_needs_the_form_token(app, client, world, login, db):
    login(world.caseworker)
    app.config["WTF_CSRF_ENABLED"] = True  # after signing in, which has its own tests
    resp = client.post("/admin/reconciliation/run", data=SEPTEMBER)
    assert resp.status_code == 400
    assert db.session.query(ComplianceResult).count() == 0
    page = text(client.get("/admin/reconciliation/?month=2026-09"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token, "the run form carries a CSRF token"
    resp = client.post("/admin/reconciliation/run", data={**SEPTEMBER, "csrf_token": token[1]})
    assert resp.status_code == 302


# --- ranking and filters ----------------------------------------------------------------------


def test_people_are_ranked_by_unexcused_hours_not_by_name(client, world, login, db):
    lang = factories.activity(
        world.site_a,
        slots=tuple((day, "09:00", "12:00") for day in range(1, 6)),
        from_date=date(2026, 8, 1),
    )
    missed = {"Anna": 1, "Berit": 4, "Cecilia": 2}  # days missed in the week
    for name, days in missed.items():
        person = factories.person(world.municipality, unit=world.unit_a, first_name=name)
        b.assistance(person, ["2026-07", "2026-08", "2026-09"], world.caseworker)
        b.plan(person, date(2026, 8, 1), [(lang, [], date(2026, 9, 7), date(2026, 9, 11))])
        for day in ("2026-09-07", "2026-09-08", "2026-09-09", "2026-09-10")[: 4 - days + 1]:
            b.visit(person, lang, day, "09:00", "12:00")
    db.session.commit()
    reconcile_september(world)
    db.session.commit()
    login(world.caseworker)
    page = text(client.get("/admin/reconciliation/?month=2026-09&status=shortfall"))
    people = page.split('id="people"', 1)[1]
    order = sorted(missed, key=people.index)
    assert order == ["Berit", "Cecilia", "Anna"]
    assert "flest timmar ogiltig frånvaro först" in people


def test_auditor_filters_by_unit_and_site(client, world, login, db, unit_a_people):
    other_site = factories.activity(
        world.site_b, slots=((1, "13:00", "15:00"),), from_date=date(2026, 8, 1)
    )
    b.plan(world.person_b, date(2026, 8, 1), [(other_site, [], date(2026, 8, 1), None)])
    db.session.commit()
    reconcile_september(world)
    db.session.commit()
    login(world.auditor)
    everyone = sum(
        _status_counts(text(client.get("/admin/reconciliation/?month=2026-09"))).values()
    )
    unit_b = _status_counts(
        text(client.get(f"/admin/reconciliation/?month=2026-09&unit={world.unit_b.id}"))
    )
    site_a = _status_counts(
        text(client.get(f"/admin/reconciliation/?month=2026-09&site={world.site_a.id}"))
    )
    assert everyone == 5 and sum(unit_b.values()) == 1
    assert site_a == {
        "Brister": 1,
        "Väntar på prövning": 1,
        "Uppfyllt": 1,
        "Undantagen": 0,
        "Omfattas inte": 0,
    }
    # A unit that is not a choice is refused as bad input, never a 500.
    assert client.get("/admin/reconciliation/?month=2026-09&unit=999999").status_code == 200


def test_the_site_filter_follows_the_plan_in_force_in_the_period(world, db):
    """A person counts at a site for a period when the plan version in force on some day of
    it has an item at the site on some day of it; an old version, or an ended item, does not."""
    from admin.reconciliation import services

    at_b = factories.activity(
        world.site_b, slots=((1, "09:00", "12:00"),), from_date=date(2026, 7, 1)
    )
    at_a = factories.activity(
        world.site_a, slots=((2, "09:00", "12:00"),), from_date=date(2026, 7, 1)
    )
    moved, ended = world.person_a, world.person_b
    b.plan(moved, date(2026, 7, 1), [(at_b, [], date(2026, 7, 1), None)])
    b.plan(moved, date(2026, 8, 20), [(at_a, [], date(2026, 8, 20), None)])  # replaces it
    b.plan(ended, date(2026, 7, 1), [(at_b, [], date(2026, 7, 1), date(2026, 8, 31))])
    db.session.commit()

    def at_site(site, month):
        view = services.overview(world.auditor, services.period_of(month), site_id=site.id)
        return view.people_in_scope

    assert at_site(world.site_b, "2026-08") == 2  # both, for part of August
    assert at_site(world.site_b, "2026-09") == 0  # replaced and ended before September
    assert at_site(world.site_a, "2026-08") == 1 and at_site(world.site_a, "2026-09") == 1
    assert at_site(world.site_a, "2026-07") == 0  # the new version had not begun


def test_a_caseworker_has_no_unit_filter_but_a_site_filter(client, world, login, db):
    login(world.caseworker)
    page = text(client.get("/admin/reconciliation/?month=2026-09"))
    assert 'name="unit"' not in page and 'name="site"' in page
