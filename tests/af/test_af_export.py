"""AF export: whether the requirement applies and since when, planned activities, progress."""

import csv
import io
import json
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from admin.af import adapters, services
from portal.errors import DomainError
from portal.models import AuditEntry, StatusKind
from tests import factories
from tests.af.files import json_file, person_entry
from tests.plans.helpers import MORNINGS
from tests.reconciliation import builders as b

TODAY = date(2026, 10, 5)


@pytest.fixture
def scene(world, db):
    """Sana: assistance since July, a plan of Swedish mornings, two visits in September."""
    lang = factories.activity(
        world.site_a, slots=MORNINGS, from_date=date(2026, 8, 1), name="Svenska"
    )
    sana = factories.person(world.municipality, unit=world.unit_a, first_name="Sana")
    b.assistance(sana, ["2026-07", "2026-08", "2026-09"], world.caseworker)
    monday = lang.sessions[0]
    b.plan(sana, date(2026, 8, 3), [(lang, [], date(2026, 8, 3), None)])
    b.plan(sana, date(2026, 9, 1), [(lang, [monday.id], date(2026, 9, 1), None)])
    b.visit(sana, lang, "2026-09-07", "09:00", "12:00")
    b.visit(sana, lang, "2026-09-14", "09:00", "11:30")
    # Parental leave with a baby exempts Leila; Omar gets nothing this month.
    leila = factories.person(world.municipality, unit=world.unit_a, first_name="Leila")
    b.assistance(leila, ["2026-07", "2026-08", "2026-09"], world.caseworker)
    b.status(leila, StatusKind.PARENTAL_LEAVE, date(2026, 6, 1))
    b.child(leila, date(2026, 5, 1))
    omar = factories.person(world.municipality, unit=world.unit_a, first_name="Omar")
    b.assistance(omar, ["2026-09"], world.caseworker)
    # Bashir in unit B is never in unit A's export.
    b.assistance(world.person_b, ["2026-09"], world.caseworker_b)
    return {"sana": sana, "leila": leila, "omar": omar, "lang": lang}


def _export(world, month="2026-09", unit=True, today=TODAY):
    return services.build_export(
        world.municipality,
        month,
        unit_id=world.unit_a.id if unit else None,
        today=today,
        actor=world.caseworker,
    )


def _by_pnr(export):
    return {p.personnummer: p for p in export.people}


def test_export_content(rctx, world, db, scene):
    export = _export(world)
    assert export.month == "2026-09" and export.municipality_code == world.municipality.code
    people = _by_pnr(export)
    sana = people[scene["sana"].identity.personnummer]
    assert sana.requirement == "applies" and sana.requirement_from == date(2026, 9, 1)
    # From 1 September the plan is Mondays only.
    assert sana.scheduled_hours == Decimal("12.00")  # 7, 14, 21, 28 September, 3 h each
    assert sana.attended_hours == Decimal("5.50")
    assert [(a.name, a.type, a.hours_per_week, a.from_date) for a in sana.activities] == [
        ("Svenska", "language", Decimal("3.00"), date(2026, 9, 1))
    ]
    leila = people[scene["leila"].identity.personnummer]
    assert (leila.requirement, leila.requirement_from) == ("exempt", None)
    omar = people[scene["omar"].identity.personnummer]
    assert (omar.requirement, omar.activities) == ("not_applicable", ())
    assert world.person_b.identity.personnummer not in people
    audited = db.session.scalars(
        sa.select(AuditEntry.person_id).where(AuditEntry.action == "export")
    ).all()
    assert sorted(audited) == sorted(p.id for p in (scene["sana"], scene["leila"], scene["omar"]))


def test_requirement_from_reaches_back_through_earlier_months(rctx, world, db, scene):
    export = _export(world, month="2026-09")
    sana = _by_pnr(export)[scene["sana"].identity.personnummer]
    assert sana.requirement_from == date(2026, 9, 1)
    b.assistance(scene["sana"], ["2026-10"], world.caseworker)
    later = _export(world, month="2026-10", today=date(2026, 11, 2))
    sana = _by_pnr(later)[scene["sana"].identity.personnummer]
    assert sana.requirement_from == date(2026, 9, 1)


def test_people_with_an_af_plan_are_included_and_whole_municipality_without_unit(
    rctx, world, db, scene
):
    batch = adapters.FileExchange(
        source=json_file(person_entry(world.person_a.identity.personnummer))
    ).fetch()
    services.import_batch(
        batch,
        municipality_id=world.municipality.id,
        unit_id=None,
        actor=None,
        today=TODAY,
        dry_run=False,
    )
    unit_export = _by_pnr(_export(world))
    assert world.person_a.identity.personnummer in unit_export
    whole = _by_pnr(_export(world, unit=False))
    assert world.person_b.identity.personnummer in whole


def test_running_month_counts_to_yesterday_and_future_month_is_refused(rctx, world, scene):
    export = _export(world, month="2026-09", today=date(2026, 9, 15))
    sana = _by_pnr(export)[scene["sana"].identity.personnummer]
    assert sana.scheduled_hours == Decimal("6.00")  # Mondays 7 and 14 September
    for month, code in (
        ("2026-10", "af_month_not_started"),
        ("2026-13", "af_month"),
        ("x", "af_month"),
    ):
        with pytest.raises(DomainError) as err:
            _export(world, month=month, today=date(2026, 10, 1))
        assert err.value.code == code


def test_json_and_csv_renderings(rctx, world, scene):
    export = _export(world)
    document = json.loads(adapters.render_export(export, "json"))
    assert document["format"] == "aktivitetsportalen-af-export/1" and document["month"] == "2026-09"
    sana = next(
        p for p in document["people"] if p["personnummer"] == scene["sana"].identity.personnummer
    )
    assert sana == {
        "personnummer": scene["sana"].identity.personnummer,
        "requirement": "applies",
        "requirement_from": "2026-09-01",
        "planned_activities": [
            {
                "name": "Svenska",
                "type": "language",
                "hours_per_week": 3,
                "from": "2026-09-01",
                "to": None,
            }
        ],
        "progress": {"scheduled_hours": 12, "attended_hours": 5.5},
    }
    rows = list(
        csv.reader(io.StringIO(adapters.render_export(export, "csv").decode()), delimiter=";")
    )
    assert tuple(rows[0]) == adapters.CSV_EXPORT_COLUMNS
    sana_rows = [r for r in rows if r[0] == scene["sana"].identity.personnummer]
    assert sana_rows == [
        [
            scene["sana"].identity.personnummer,
            "applies",
            "2026-09-01",
            "12",
            "5.5",
            "Svenska",
            "language",
            "3",
            "2026-09-01",
            "",
        ]
    ]
    omar_rows = [r for r in rows if r[0] == scene["omar"].identity.personnummer]
    assert omar_rows == [
        [scene["omar"].identity.personnummer, "not_applicable", "", "0", "0", "", "", "", "", ""]
    ]


def test_csv_cells_cannot_become_spreadsheet_formulas(rctx):
    export = adapters.AfExport(
        "0880",
        "2026-09",
        "2026-10-01T08:00:00+02:00",
        (
            adapters.ExportPerson(
                "199001011234",
                "applies",
                None,
                Decimal(0),
                Decimal(0),
                (
                    adapters.ExportActivity(
                        "=HYPERLINK(1)", "other", Decimal(1), date(2026, 9, 1), None
                    ),
                ),
            ),
        ),
    )
    text = adapters.render_export(export, "csv").decode()
    assert ";'=HYPERLINK(1);" in text


def test_file_exchange_sends_to_a_path(rctx, world, scene, tmp_path):
    target = tmp_path / "out.csv"
    adapters.FileExchange(target=target, fmt="csv").send(_export(world))
    assert target.read_text().startswith("personnummer;requirement")
