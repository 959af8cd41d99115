"""Every figure of reports.md on small hand-built worlds, with the edges the spec names."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from admin.reports import services
from admin.reports.data import gender_of
from admin.reports.figures import SUPPRESSED, Figures
from admin.reports.periods import parse_period
from portal.compliance import reconcile as rec
from portal.errors import DomainError
from portal.models import Application, ComplianceResult, Enrolment, PlanVersion
from portal.models.enums import ActivityType, ApplicationState, EnrolmentStatus, SanctionKind
from portal.refs import new_ref
from tests import factories
from tests.reconciliation import builders as b
from tests.reports import worlds as w

Q3 = "2026-Q3"


@pytest.fixture
def q3(world, db):
    """The third quarter of 2026: people voluntary, mandatory, both, without a plan, sanctioned.

    activity_a (language) runs Mondays 09-12. Mandatory from the third month in a row with
    assistance; V has a voluntary requirement from 1 July.
    """
    by = world.caseworker
    world.activity_a.capacity = 10
    workplace = factories.activity(
        world.site_a, type=ActivityType.WORKPLACE, slots=((2, "09:00", "13:00"),)
    )
    v = w.person(world, "woman", first_name="Vera")
    b.assistance(v, ["2026-07", "2026-08", "2026-09"], by)
    b.assessment(v, date(2026, 7, 1), requirement_from=date(2026, 7, 1))
    b.plan(
        v,
        date(2026, 7, 1),
        [(world.activity_a, [], date(2026, 7, 1), None), (workplace, [], date(2026, 7, 1), None)],
    )
    m = w.person(world, "man", first_name="Mats")
    b.assistance(m, ["2026-05", "2026-06", "2026-07", "2026-08", "2026-09"], by)
    b.plan(m, date(2026, 7, 1), [(world.activity_a, [], date(2026, 7, 1), None)])
    b.visit(m, world.activity_a, "2026-09-07", "09:00", "12:00")
    w.sanction(m, by, SanctionKind.REDUCTION, b.local("2026-08-10T12:00"))
    n = w.person(world, "woman", first_name="Nora")
    b.assistance(n, ["2026-07", "2026-08", "2026-09"], by)
    # 23:30 on 30 September in Stockholm is in the quarter.
    w.sanction(n, by, SanctionKind.REFUSAL, b.local("2026-09-30T23:30"))
    db.session.add(
        Enrolment(
            person_id=n.id,
            activity_id=world.activity_a.id,
            status=EnrolmentStatus.WAITING,
            from_date=date(2026, 9, 1),
        )
    )
    u = w.person(world, "none", first_name="Ulf")
    b.assistance(u, ["2026-05", "2026-06", "2026-07", "2026-08", "2026-09"], by)
    b.plan(u, date(2026, 7, 1), [(world.activity_a, [], date(2026, 7, 1), None)])
    # 00:30 on 1 October in Stockholm (22:30 UTC on 30 September) is not.
    w.sanction(u, by, SanctionKind.REFUSAL, b.local("2026-10-01T00:30"))
    w.sanction(u, by, SanctionKind.NO_ACTION, b.local("2026-09-10T10:00"))
    k = w.person(world, "man", unit=world.unit_b, first_name="Kim")
    b.assistance(k, ["2026-05", "2026-06", "2026-07", "2026-08", "2026-09"], by)
    b.plan(k, date(2026, 7, 1), [(world.activity_a, [], date(2026, 7, 1), None)])
    for plan in db.session.scalars(sa.select(PlanVersion)):
        plan.created_at = b.local("2026-06-30T10:00")
    db.session.commit()
    return {"v": v, "m": m, "n": n, "u": u, "k": k, "workplace": workplace}


def test_gender_comes_from_the_second_to_last_digit():
    assert gender_of("199005012391") == "men"
    assert gender_of("199005012342") == "women"
    assert gender_of(None) == "unknown"
    assert gender_of(w.personnummer(date(1980, 1, 1), "woman")) == "women"


def test_ivo_quarter_counts_each_field_by_gender(world, q3):
    report = w.report(world, "ivo-quarter", Q3)
    data = report.json()
    assert data["voluntary_with_activities"] == {"total": 1, "women": 1, "men": 0, "unknown": 0}
    assert data["mandatory_with_activities"] == {"total": 4, "women": 1, "men": 2, "unknown": 1}
    # V was voluntary in July and August and mandatory in September: in both, once.
    assert data["both"] == {"total": 1, "women": 1, "men": 0, "unknown": 0}
    assert data["refused_for_non_participation"] == {
        "total": 1,
        "women": 1,
        "men": 0,
        "unknown": 0,
    }
    assert data["reduced_for_non_participation"] == {"total": 1, "women": 0, "men": 1, "unknown": 0}
    assert data["subject_without_plan"] == {"total": 1, "women": 1, "men": 0, "unknown": 0}
    assert data["period"] == Q3 and data["from"] == "2026-07-01" and data["to"] == "2026-09-30"


def test_ivo_quarter_for_one_unit_and_for_a_caseworker(world, q3):
    data = w.report(world, "ivo-quarter", Q3, unit=world.unit_b).json()
    assert data["mandatory_with_activities"] == {"total": 1, "women": 0, "men": 1, "unknown": 0}
    assert data["unit"] == "Enhet B"
    mine = w.report(world, "ivo-quarter", Q3, user=world.caseworker).json()
    assert mine["mandatory_with_activities"]["total"] == 3
    with pytest.raises(DomainError) as refused:
        w.report(world, "ivo-quarter", Q3, user=world.caseworker, unit=world.unit_b)
    assert refused.value.code == "unknown_unit"


def test_stored_results_are_read_and_never_changed(world, q3, db):
    """A stored September result is used as it is: a stored figure wins over the engine's."""
    rec.reconcile(date(2026, 9, 1), date(2026, 9, 30), municipality_id=world.municipality.id)
    db.session.commit()
    row = db.session.scalar(
        sa.select(ComplianceResult).where(ComplianceResult.person_id == q3["k"].id)
    )
    # Pretend the stored run saw no slot for K in September (say, before a plan change).
    row.days = [{key: value for key, value in day.items() if key != "slots"} for day in row.days]
    computed = row.computed_at
    db.session.commit()
    data = w.report(world, "ivo-quarter", "2026-09").json()
    assert data["mandatory_with_activities"]["total"] == 3
    assert data["subject_without_plan"]["total"] == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ComplianceResult)) == 7
    db.session.refresh(row)
    assert row.computed_at == computed


def test_auditor_sees_one_to_four_as_suppressed_and_zero_as_zero(world, q3):
    data = w.report(world, "ivo-quarter", Q3, user=world.auditor).json()
    assert data["mandatory_with_activities"] == {
        "total": SUPPRESSED,
        "women": SUPPRESSED,
        "men": SUPPRESSED,
        "unknown": SUPPRESSED,
    }
    assert data["voluntary_with_activities"]["men"] == 0
    assert data["suppressed_below_5"] is True


def test_suppression_edges():
    fig = Figures(suppress=True)
    assert [fig.count(n) for n in (0, 1, 4, 5, 12)] == [0, SUPPRESSED, SUPPRESSED, 5, 12]
    assert fig.share(3, 10) == SUPPRESSED
    assert fig.share(5, 10) == 0.5
    assert fig.share(0, 0) is None
    assert fig.measure(47.0, 4) == SUPPRESSED and fig.measure(47.0, 5) == 47.0
    assert Figures(suppress=False).count(3) == 3


def test_five_people_are_shown_to_an_auditor(world, db):
    by = world.caseworker
    for _ in range(5):
        p = w.person(world, "woman")
        b.assistance(p, ["2026-05", "2026-06", "2026-07"], by)
        b.plan(p, date(2026, 7, 1), [(world.activity_a, [], date(2026, 7, 1), None)])
    db.session.commit()
    data = w.report(world, "ivo-quarter", Q3, user=world.auditor).json()
    assert data["mandatory_with_activities"] == {"total": 5, "women": 5, "men": 0, "unknown": 0}


def test_returns_gap_of_twelve_months_counts_and_thirteen_does_not(world, db):
    by = world.caseworker
    twelve = w.person(world, "woman")
    b.assistance(twelve, ["2025-08", "2026-09"], by)  # no assistance 2025-09..2026-08
    thirteen = w.person(world, "man")
    b.assistance(thirteen, ["2025-07", "2026-09"], by)  # no assistance 2025-08..2026-08
    ongoing = w.person(world, "man")
    b.assistance(ongoing, ["2026-08", "2026-09"], by)
    refused = w.person(world, "woman")
    from portal.models.enums import DecisionOutcome

    b.assistance(refused, ["2026-09"], by, outcome=DecisionOutcome.REFUSED)
    db.session.commit()
    data = w.report(world, "returns", "2026-09").json()
    (month,) = data["months"]
    assert month["month"] == "2026-09"
    assert month["new_spells"] == {"total": 2, "women": 1, "men": 1, "unknown": 0}
    assert month["returns"] == {"total": 1, "women": 1, "men": 0, "unknown": 0}
    assert month["share"] == 0.5
    quarter = w.report(world, "returns", Q3).json()
    assert [m["new_spells"]["total"] for m in quarter["months"]] == [0, 1, 2]
    assert quarter["total"]["new_spells"]["total"] == 3
    assert quarter["total"]["returns"]["total"] == 1


def _application(person, month: str, submitted: datetime):
    row = Application(
        public_ref=new_ref(),
        person_id=person.id,
        household_id=person.household_id,
        month=month,
        state=ApplicationState.SUBMITTED,
        submitted_at=submitted,
    )
    from portal.extensions import db

    db.session.add(row)
    db.session.flush()
    return row


def _plan_made(person, at: datetime):
    plan = b.plan(person, at.date(), [])
    plan.created_at = at
    return plan


def test_time_to_plan_at_47_and_49_hours(world, db):
    early = w.person(world, "woman")
    _application(early, "2026-09", datetime(2026, 9, 1, 10, 0, tzinfo=UTC))
    _plan_made(early, datetime(2026, 9, 3, 9, 0, tzinfo=UTC))  # 47 h
    late = w.person(world, "man", unit=world.unit_b)
    _application(late, "2026-08", datetime(2026, 8, 1, 10, 0, tzinfo=UTC))
    _application(late, "2026-09", datetime(2026, 8, 28, 10, 0, tzinfo=UTC))
    # The spell began with August's application: 49 h from 1 August.
    _plan_made(late, datetime(2026, 8, 3, 11, 0, tzinfo=UTC))
    _plan_made(late, datetime(2026, 9, 10, 11, 0, tzinfo=UTC))  # a later version: not first
    db.session.commit()
    data = w.report(world, "time-to-plan", Q3).json()
    assert data["service_level_hours"] == 48
    assert data["total"] == {
        "people": 2,
        "median_hours": 47.0,
        "p90_hours": 49.0,
        "within_service_level": 0.5,
    }
    assert data["by_unit"]["Enhet A"]["within_service_level"] == 1.0
    assert data["by_unit"]["Enhet B"]["median_hours"] == 49.0
    assert data["by_gender"]["men"]["within_service_level"] == 0.0
    september = w.report(world, "time-to-plan", "2026-09").json()
    assert september["total"]["people"] == 1


def test_under_planning_sums_the_weekly_plan_gap(world, q3):
    data = w.report(world, "under-planning", "2026-09", unit=world.unit_b).json()
    # K: 40 h a week required, a 3-hour Monday slot planned. W36 has 4 working days in
    # September (32 h), W37-W39 37 h each, W40 Monday-Wednesday (24 h - 3 h).
    (month,) = data["months"]
    assert month["plan_gap_hours"] == 32 + 3 * 37 + 21
    assert month["people_affected"] == {"total": 1, "women": 0, "men": 1, "unknown": 0}
    assert data["plan_gap_hours"] == 164


def test_activities_by_gender(world, q3):
    data = w.report(world, "activities-by-gender", "2026-09", unit=world.unit_a).json()
    weeks = 30 / 7
    women = data["by_gender"]["women"]
    # V: four Mondays of 3 h (language), five Tuesdays of 4 h (workplace).
    assert women["people"] == 1
    assert women["hours_per_person_per_week"]["language"] == round(12 / weeks, 2)
    assert women["hours_per_person_per_week"]["workplace"] == round(20 / weeks, 2)
    assert women["work_promoting_share"] == round(20 / 32, 3)
    men = data["by_gender"]["men"]
    assert men["people"] == 1 and men["work_promoting_share"] == 0.0
    assert data["by_gender"]["unknown"]["total_hours_per_person_per_week"] == round(12 / weeks, 2)


def test_capacity_per_activity_and_month(world, q3):
    data = w.report(world, "capacity", "2026-09").json()
    row = next(r for r in data["rows"] if r["activity"] == world.activity_a.name)
    assert row == {
        "activity": world.activity_a.name,
        "type": "language",
        "month": "2026-09",
        "places": 10,
        "people_planned": 4,
        "waiting_list": 1,
        "scheduled_hours": 48.0,
        "attended_hours": 3.0,
        "attendance_rate": 0.062,
    }


def test_overview(world, q3, db):
    plan = db.session.scalar(sa.select(PlanVersion).where(PlanVersion.person_id == q3["m"].id))
    plan.created_at = b.local("2026-07-15T10:00")
    plan.follow_up_date = date(2026, 8, 1)
    db.session.commit()
    data = w.report(world, "ivo-overview", Q3).json()
    language = data["activities_available"]["language"]
    assert language["activities"] == 1 and language["places"] == 10
    assert language["sessions_per_week"] == 1
    assert data["activities_available"]["workplace"]["unlimited_activities"] == 1
    assert data["requirements"]["people_subject"]["total"] == 5
    assert data["requirements"]["voluntary"] == 1
    assert data["requirements"]["mandatory"] == 5
    assert data["requirements"]["participation_bands"] == {"0": 0, "1-49": 0, "50-99": 0, "100": 5}
    assert data["plans"]["people_with_plan"] == 4
    # Only M's first plan was made in the quarter; his requirement applied from 1 July (the
    # third month in a row from May): 14 days.
    assert data["plans"]["first_plans"] == 1
    assert data["plans"]["median_days_to_first_plan"] == 14
    assert data["plans"]["follow_up_overdue"] == 4
    assert data["under_planning"]["people_affected"]["total"] == 5  # N has no plan at all
    assert data["board_texts"] == {"requirements": "", "plans": ""}


def test_board_texts_are_saved_per_period(world, db):
    period = parse_period("2025..2026")
    services.save_board_texts(
        world.admin, period, {"requirements": "Vi ställer krav.", "plans": ""}
    )
    db.session.commit()
    data = w.report(world, "ivo-overview", "2025..2026").json()
    assert data["board_texts"]["requirements"] == "Vi ställer krav."
    assert w.report(world, "ivo-overview", "2026").json()["board_texts"]["requirements"] == ""
    with pytest.raises(DomainError):
        services.save_board_texts(world.caseworker, period, {"plans": "x"})


@pytest.mark.parametrize(
    "text", ["", "2026-Q5", "2026-13", "2026-09-31..2026-10-01", "2026..2024", "2020..2026", "x"]
)
def test_bad_periods_are_refused(text):
    with pytest.raises(DomainError) as refused:
        parse_period(text)
    assert refused.value.code == "invalid_period"


def test_periods():
    assert parse_period("2026-Q4").end == date(2026, 12, 31)
    assert parse_period("2026-02").end == date(2026, 2, 28)
    assert parse_period("2025..2026").start == date(2025, 1, 1)
    assert [m for m, _, _ in parse_period("2026-09-15..2026-10-05").months()] == [
        "2026-09",
        "2026-10",
    ]
