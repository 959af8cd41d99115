"""A2: assessment, exemption statuses, external occupations and the requirement from the
rules engine over this month and the coming eight weeks."""

from datetime import date
from decimal import Decimal

import time_machine

from admin.casework import assessments, support
from portal.extensions import db
from portal.models import (
    Assessment,
    AssistanceReason,
    ExternalKind,
    ExternalOccupation,
    ExternalSource,
    MunicipalitySettings,
    PersonStatus,
    StatusKind,
)
from tests.casework import builders as b
from tests.casework.builders import audit_rows, local

NOW = "2026-09-16 10:00"  # a Wednesday; week 38


def text(resp) -> str:
    return resp.get_data(as_text=True)


def granted(world, *months):
    for month in months:
        b.decided(world.person_a, month, by=world.caseworker)


def test_recording_an_assessment(client, world, login):
    db.session.commit()
    login(world.caseworker)
    ref = world.person_a.public_ref
    form = text(client.get(f"/admin/cases/people/{ref}/assessment/new"))
    assert "Deltagande i aktiviteter" in form
    resp = client.post(
        f"/admin/cases/people/{ref}/assessment/new",
        data={
            "valid_from": "2026-09-01",
            "participation_percent": "50",
            "work_capacity_percent": "25",
            "reason": "sickness",
            "requirement_from": "2026-09-14",
            "note": "Halvtid efter läkarintyg.",
        },
    )
    assert resp.status_code == 302
    row = db.session.query(Assessment).one()
    assert (row.participation_percent, row.work_capacity_percent) == (50, 25)
    assert row.reason == AssistanceReason.SICKNESS and row.requirement_from == date(2026, 9, 14)
    assert row.assessed_by_id == world.caseworker.id
    (entry,) = audit_rows(action="create", object_type="assessment")
    assert entry.person_id == world.person_a.id
    # The newest assessment applies from its date.
    assert assessments.current_assessment(world.person_a, date(2026, 9, 2)) == row
    assert assessments.current_assessment(world.person_a, date(2026, 8, 31)) is None


def test_assessment_form_refuses_bad_numbers_and_writes_nothing(client, world, login):
    db.session.commit()
    login(world.caseworker)
    resp = client.post(
        f"/admin/cases/people/{world.person_a.public_ref}/assessment/new",
        data={
            "valid_from": "2026-13-01",
            "participation_percent": "120",
            "work_capacity_percent": "x",
            "reason": "sickness",
        },
    )
    page = text(resp)
    assert resp.status_code == 200
    assert "Skriv ett datum som 2026-09-07." in page
    assert "Skriv ett tal från 0 till 100." in page
    assert "Skriv ett heltal, till exempel 100." in page
    assert db.session.query(Assessment).count() == 0
    assert audit_rows(action="create") == []


def test_adding_and_ending_a_status(client, world, login):
    db.session.commit()
    login(world.caseworker)
    ref = world.person_a.public_ref
    resp = client.post(
        f"/admin/cases/people/{ref}/statuses/new",
        data={"kind": "parental_leave", "from_date": "2026-06-01", "note": "Föräldrapenning."},
    )
    assert resp.status_code == 302
    status = db.session.query(PersonStatus).one()
    assert status.kind == StatusKind.PARENTAL_LEAVE and status.to_date is None
    resp = client.post(
        f"/admin/cases/people/{ref}/statuses/{status.id}/end", data={"to_date": "2026-05-01"}
    )
    assert "Slutdatum kan inte vara före startdatum." in text(resp)
    resp = client.post(
        f"/admin/cases/people/{ref}/statuses/{status.id}/end", data={"to_date": "2026-09-30"}
    )
    assert resp.status_code == 302
    db.session.refresh(status)
    assert status.to_date == date(2026, 9, 30)
    # The refused end re-showed the status: a read (the form pages are audited reads).
    assert [r.action for r in audit_rows(object_type="person_status")] == [
        "create",
        "read",
        "update",
    ]


def test_status_end_dates_are_checked_in_the_add_form_too(client, world, login):
    db.session.commit()
    login(world.caseworker)
    resp = client.post(
        f"/admin/cases/people/{world.person_a.public_ref}/statuses/new",
        data={"kind": "sick_leave", "from_date": "2026-06-01", "to_date": "2026-05-01"},
    )
    assert "Slutdatum kan inte vara före startdatum." in text(resp)
    assert db.session.query(PersonStatus).count() == 0


def test_adding_and_ending_an_external_occupation(client, world, login):
    db.session.commit()
    login(world.caseworker)
    ref = world.person_a.public_ref
    resp = client.post(
        f"/admin/cases/people/{ref}/externals/new",
        data={
            "kind": "studies",
            "hours_per_week": "12,5",
            "from_date": "2026-08-17",
            "description": "Komvux, matematik",
        },
    )
    assert resp.status_code == 302
    row = db.session.query(ExternalOccupation).one()
    assert row.hours_per_week == Decimal("12.5") and row.source == ExternalSource.MANUAL
    resp = client.post(
        f"/admin/cases/people/{ref}/externals/{row.id}/end", data={"to_date": "2026-12-18"}
    )
    assert resp.status_code == 302
    db.session.refresh(row)
    assert row.to_date == date(2026, 12, 18)
    assert [r.action for r in audit_rows(object_type="external_occupation")] == ["create", "update"]
    resp = client.post(
        f"/admin/cases/people/{ref}/externals/new",
        data={"kind": "work", "hours_per_week": "90", "from_date": "2026-08-17"},
    )
    assert "Skriv ett tal från 0 till 80." in text(resp)


def test_rows_from_af_are_not_ended_by_hand(client, world, login):
    row = ExternalOccupation(
        person_id=world.person_a.id,
        kind=ExternalKind.AF_PROGRAMME,
        hours_per_week=Decimal(10),
        from_date=date(2026, 8, 1),
        source=ExternalSource.AF,
        af_reference="AF-1",
    )
    db.session.add(row)
    db.session.commit()
    login(world.caseworker)
    resp = client.post(
        f"/admin/cases/people/{world.person_a.public_ref}/externals/{row.id}/end",
        data={"to_date": "2026-09-30"},
    )
    assert "ändras genom en ny import från AF" in text(resp)
    db.session.refresh(row)
    assert row.to_date is None


def test_another_persons_status_is_not_found(client, world, login):
    other = PersonStatus(
        person_id=world.person_b.id, kind=StatusKind.OTHER, from_date=date(2026, 1, 1)
    )
    db.session.add(other)
    db.session.commit()
    login(world.caseworker)
    url = f"/admin/cases/people/{world.person_a.public_ref}/statuses/{other.id}/end"
    assert client.get(url).status_code == 404
    assert client.post(url, data={"to_date": "2026-09-30"}).status_code == 404


def test_a_month_without_a_decision_is_never_assumed_granted(world):
    granted(world, "2026-07", "2026-08")
    with time_machine.travel(local(NOW), tick=False):
        outlook = support.requirement_outlook(world.person_a)
    # September has no decision yet: no assistance, so no requirement (one source of truth).
    assert outlook.now.state == "not_subject"
    assert all(w.required_plan == 0 for w in outlook.weeks)


def test_requirement_is_mandatory_from_the_third_granted_month(world):
    granted(world, "2026-07", "2026-08", "2026-09", "2026-10", "2026-11")
    with time_machine.travel(local(NOW), tick=False):
        outlook = support.requirement_outlook(world.person_a)
    assert outlook.now.state == "mandatory"
    assert [w.week for w in outlook.weeks][:2] == ["2026-W38", "2026-W39"]
    assert len(outlook.weeks) == 8
    assert outlook.weeks[1].required_plan == 40 * 60


def test_requirement_from_a_voluntary_date_and_then_mandatory(world):
    granted(world, "2026-08", "2026-09", "2026-10")
    db.session.add(
        Assessment(
            person_id=world.person_a.id,
            valid_from=date(2026, 8, 1),
            reason=AssistanceReason.UNEMPLOYMENT,
            requirement_from=date(2026, 9, 1),
        )
    )
    with time_machine.travel(local(NOW), tick=False):
        outlook = support.requirement_outlook(world.person_a)
    assert outlook.now.state == "voluntary"
    assert outlook.next_change.state == "mandatory"
    assert outlook.next_change.start == date(2026, 10, 1)


def test_hours_the_plan_must_fill_follow_participation_and_external_hours(client, world, login):
    granted(world, "2026-07", "2026-08", "2026-09")
    db.session.add(
        Assessment(
            person_id=world.person_a.id,
            valid_from=date(2026, 8, 1),
            participation_percent=50,
            reason=AssistanceReason.SICKNESS,
        )
    )
    db.session.add(
        ExternalOccupation(
            person_id=world.person_a.id,
            kind=ExternalKind.WORK,
            hours_per_week=Decimal(10),
            from_date=date(2026, 9, 1),
        )
    )
    b.plan(world.person_a, world.activity_a, valid_from=date(2026, 9, 1))
    db.session.commit()
    with time_machine.travel(local(NOW), tick=False):
        outlook = support.requirement_outlook(world.person_a)
        login(world.caseworker)
        page = text(client.get(f"/admin/cases/people/{world.person_a.public_ref}/assessment"))
    week = outlook.weeks[1]  # week 39, five working days
    assert (week.target, week.external, week.required_plan) == (20 * 60, 10 * 60, 10 * 60)
    assert week.scheduled == 3 * 60 and week.plan_gap == 7 * 60
    assert "Planen saknar 7 tim" in page and "Obligatoriskt krav" in page
    (row,) = audit_rows(action="read", object_type="assessment")
    assert row.person_id == world.person_a.id


def test_exemptions_by_reason_kind(world, db):
    granted(world, "2026-07", "2026-08", "2026-09", "2026-10", "2026-11")
    b.child(world.person_a, date(2026, 3, 15))
    db.session.add(
        PersonStatus(
            person_id=world.person_a.id,
            kind=StatusKind.PARENTAL_LEAVE,
            from_date=date(2026, 6, 1),
            to_date=date(2026, 9, 30),
        )
    )
    db.session.add(
        PersonStatus(
            person_id=world.person_a.id,
            kind=StatusKind.ACTIVITY_COMPENSATION,
            from_date=date(2026, 10, 1),
        )
    )
    with time_machine.travel(local(NOW), tick=False):
        outlook = support.requirement_outlook(world.person_a)
    assert (outlook.now.state, outlook.now.exempt_reason) == (
        "exempt",
        "parental_leave_child_under_1",
    )
    # Activity compensation exempts only where the municipality says so.
    assert outlook.next_change.state == "mandatory"
    settings = db.session.get(MunicipalitySettings, world.municipality.id)
    settings.extra_exemptions = ["activity_compensation"]
    db.session.flush()
    with time_machine.travel(local(NOW), tick=False):
        outlook = support.requirement_outlook(world.person_a)
    assert (outlook.next_change.state, outlook.next_change.exempt_reason) == (
        "exempt",
        "activity_compensation",
    )


def test_full_sickness_compensation_is_shown_as_an_exemption(client, world, login):
    granted(world, "2026-07", "2026-08", "2026-09")
    db.session.add(
        PersonStatus(
            person_id=world.person_a.id,
            kind=StatusKind.FULL_SICKNESS_COMPENSATION,
            from_date=date(2026, 1, 1),
        )
    )
    db.session.commit()
    with time_machine.travel(local(NOW), tick=False):
        login(world.caseworker)
        page = text(client.get(f"/admin/cases/people/{world.person_a.public_ref}/assessment"))
    assert "Undantag" in page and "hel sjukersättning" in page
    assert "Undantag från kravet" in page


def test_no_requirement_without_assistance(world):
    with time_machine.travel(local(NOW), tick=False):
        outlook = support.requirement_outlook(world.person_a)
    assert outlook.now.state == "not_subject"
    assert all(w.required_plan == 0 for w in outlook.weeks)
