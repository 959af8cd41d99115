"""``flask compliance reconcile`` and ``export-scenario``: the stored result of a person is what
``compliance evaluate`` gives for the exported scenario (one engine, one input)."""

from __future__ import annotations

import json
from datetime import date

import pytest
import sqlalchemy as sa
import time_machine

from portal.models import AuditEntry, ComplianceResult
from portal.models.enums import AbsenceDecision, EventKind, EventSource, EventStatus
from tests import factories
from tests.reconciliation import builders as b

NOW = b.local("2026-11-23T09:00")


@pytest.fixture
def september(world, db):
    """Two people of unit A with a plan, scans (one auto-closed) and absences in September."""
    lang = factories.activity(
        world.site_a,
        slots=tuple((day, "09:00", "12:00") for day in range(1, 6)),
        from_date=date(2026, 8, 1),
    )
    people = []
    for late in (0, 25):
        person = factories.person(world.municipality, unit=world.unit_a)
        b.assistance(person, ["2026-07", "2026-08", "2026-09"], world.caseworker)
        b.assessment(person, date(2026, 7, 1), participation=50)
        b.plan(person, date(2026, 8, 1), [(lang, [], date(2026, 8, 1), None)])
        for day in ("2026-09-07", "2026-09-08", "2026-09-09"):
            b.visit(person, lang, day, f"09:{late:02d}", "12:00")
        b.event(person, lang, EventKind.IN, "2026-09-10T09:00")
        b.event(
            person,
            lang,
            EventKind.AUTO_CLOSE,
            "2026-09-10T12:00",
            source=EventSource.AUTO,
            status=EventStatus.FLAGGED,
        )
        b.absence(person, "2026-09-11T08:00", "2026-09-11T13:00", AbsenceDecision.PENDING)
        people.append(person)
    db.session.commit()
    return people


def invoke(runner, *args):
    with time_machine.travel(NOW, tick=False):
        return runner.invoke(args=["compliance", *args])


def test_reconcile_prints_a_summary_and_stores_results(runner, world, september, db):
    outcome = invoke(runner, "reconcile", "--month", "2026-09", "--unit", "Enhet A")
    assert outcome.exit_code == 0, outcome.output
    lines = outcome.output.splitlines()
    assert lines[0] == "period 2026-09-01..2026-09-30 counted through 2026-09-30"
    assert lines[1] == "people 3, events 16"
    assert "  not_subject: 1" in lines and "  shortfall: 2" in lines
    assert "  missing_checkout: 2" in lines
    rows = db.session.scalars(sa.select(ComplianceResult)).all()
    assert {row.person_id for row in rows} == {world.person_a.id, *(p.id for p in september)}


def test_a_running_month_counts_up_to_yesterday(runner, world, september, db):
    outcome = invoke(runner, "reconcile", "--month", "2026-11")
    assert outcome.exit_code == 0, outcome.output
    assert outcome.output.splitlines()[0].endswith("counted through 2026-11-22")
    outcome = invoke(runner, "reconcile", "--month", "2026-12")
    assert outcome.exit_code == 2
    assert "no day of the period has been completed yet" in outcome.output


@pytest.mark.parametrize(
    "args, message",
    [
        (["--month", "2026-13"], "invalid month '2026-13' (expected YYYY-MM)"),
        (["--month", "2026-09", "--week", "2026-W37"], "give either --month"),
        ([], "give either --month"),
        (["--month", "2026-09", "--unit", "Ingen"], "no unit named 'Ingen'"),
        (["--month", "2026-09", "--person", "nobody"], "no person with reference 'nobody'"),
        (["--month", "2026-09", "--municipality", "0000"], "no municipality with code '0000'"),
    ],
)
def test_reconcile_refuses_bad_options_with_one_line(runner, world, args, message):
    outcome = invoke(runner, "reconcile", *args)
    assert outcome.exit_code == 2
    assert message in outcome.output
    assert outcome.output.count("\n") == 1


def test_several_municipalities_need_a_code(runner, world, db):
    factories.municipality(code="1234")
    db.session.commit()
    outcome = invoke(runner, "reconcile", "--week", "2026-W37")
    assert outcome.exit_code == 2 and "--municipality" in outcome.output
    outcome = invoke(
        runner, "reconcile", "--week", "2026-W37", "--municipality", world.municipality.code
    )
    assert outcome.exit_code == 0, outcome.output


@pytest.mark.parametrize("period", [["--month", "2026-09"], ["--week", "2026-W37"]])
def test_stored_result_equals_evaluate_of_the_exported_scenario(
    runner, world, september, db, tmp_path, period
):
    person = september[1]
    assert invoke(runner, "reconcile", *period).exit_code == 0
    exported = tmp_path / "scenario.json"
    outcome = invoke(
        runner, "export-scenario", "--person", person.public_ref, *period, "-o", str(exported)
    )
    assert outcome.exit_code == 0, outcome.output
    scenario = json.loads(exported.read_text(encoding="utf-8"))
    assert scenario["person"]["participation_percent"] == 50
    assert len(scenario["attendance"]) == 4

    evaluated = invoke(runner, "evaluate", str(exported))
    assert evaluated.exit_code == 0, evaluated.output
    printed = json.loads(evaluated.output)

    stored = db.session.scalars(
        sa.select(ComplianceResult).where(ComplianceResult.person_id == person.id)
    ).one()
    assert printed == stored.figures
    assert printed["status"] == stored.status == "shortfall"  # 25 minutes late three times
    assert printed["unexcused_hours"] == pytest.approx(stored.unexcused_minutes / 60, abs=0.005)
    # The export is audited as a read of the person's case by the system.
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "export")).one()
    assert (entry.action, entry.person_id, entry.actor_role) == ("export", person.id, "system")


def test_export_to_standard_output_and_unknown_person(runner, world, september):
    outcome = invoke(
        runner, "export-scenario", "--person", september[0].public_ref, "--week", "2026-W37"
    )
    assert outcome.exit_code == 0
    assert json.loads(outcome.output)["period"] == {"from": "2026-09-07", "to": "2026-09-13"}
    outcome = invoke(runner, "export-scenario", "--person", "nobody", "--week", "2026-W37")
    assert outcome.exit_code == 2
