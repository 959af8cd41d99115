"""AF import: valid, invalid (all or nothing), unmatched, not in the unit, dry run, re-import."""

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from admin.af import adapters, services
from portal.errors import DomainError
from portal.models import AuditEntry, ExternalKind, ExternalOccupation, ExternalSource
from portal.models.casework import AfActionPlan
from tests import factories
from tests.af.files import af_activity, csv_file, json_file, person_entry

TODAY = date(2026, 9, 7)


def _run(world, data: bytes, *, dry_run=False, unit=True, actor=None):
    batch = adapters.FileExchange(source=data).fetch()
    return services.import_batch(
        batch,
        municipality_id=world.municipality.id,
        unit_id=world.unit_a.id if unit else None,
        actor=actor or world.caseworker,
        today=TODAY,
        dry_run=dry_run,
    )


def _pnr(person):
    return person.identity.personnummer


def _af_rows(db, person=None):
    query = sa.select(ExternalOccupation).where(ExternalOccupation.source == ExternalSource.AF)
    if person is not None:
        query = query.where(ExternalOccupation.person_id == person.id)
    return db.session.scalars(query.order_by(ExternalOccupation.af_reference)).all()


def test_json_import_creates_action_plan_and_af_activities(rctx, world, db):
    data = json_file(
        person_entry(
            _pnr(world.person_a),
            needed="32.5",
            reason="Deltid på grund av vård av barn",
            activities=[af_activity(), af_activity("AKT-2", "Yrkessvenska", "7,5", "2026-10-01")],
        )
    )
    report = _run(world, data)
    assert report.applied and not report.blocked
    assert [o.status for o in report.outcomes] == ["create"]
    assert (report.outcomes[0].added, report.outcomes[0].person.id) == (2, world.person_a.id)
    plan = db.session.get(AfActionPlan, world.person_a.id)
    assert plan.af_reference == "HP-1" and plan.obligations == ["Söka minst sex arbeten i månaden"]
    assert plan.hours_per_week_needed == Decimal("32.5")
    assert plan.part_time_reason == "Deltid på grund av vård av barn"
    assert plan.imported_by_id == world.caseworker.id
    rows = _af_rows(db)
    assert [(r.af_reference, r.kind, r.hours_per_week, r.from_date) for r in rows] == [
        ("AKT-1", ExternalKind.AF_PROGRAMME, Decimal("10"), date(2026, 9, 1)),
        ("AKT-2", ExternalKind.AF_PROGRAMME, Decimal("7.5"), date(2026, 10, 1)),
    ]
    assert rows[0].description == "Arbetsförmedlingen: Rusta och matcha"
    audit = db.session.scalars(sa.select(AuditEntry)).one()
    assert (audit.action, audit.object_type, audit.person_id) == (
        "update",
        "af_action_plan",
        world.person_a.id,
    )


def test_csv_import_with_several_rows_per_person(rctx, world, db):
    pnr = _pnr(world.person_a)
    data = csv_file(
        f"{pnr};HP-9;Söka arbete | Kurs;40;;AKT-1;Rusta och matcha;10;2026-09-01;2026-12-18",
        f"{pnr};HP-9;Söka arbete | Kurs;40;;AKT-2;Studiemotiverande;5,5;2026-09-14;",
    )
    report = _run(world, data)
    assert report.format == "csv" and report.applied
    assert report.outcomes[0].rows == (2, 3)
    plan = db.session.get(AfActionPlan, world.person_a.id)
    assert plan.obligations == ["Söka arbete", "Kurs"]
    rows = _af_rows(db)
    assert [(r.af_reference, r.hours_per_week, r.to_date) for r in rows] == [
        ("AKT-1", Decimal("10"), date(2026, 12, 18)),
        ("AKT-2", Decimal("5.5"), None),
    ]


def test_csv_person_without_activities_and_comma_separated(rctx, world, db):
    header = adapters.CSV_IMPORT_COLUMNS
    data = (",".join(header) + "\n" + f"{_pnr(world.person_a)},HP-2,,,,,,,,\n").encode()
    report = _run(world, data)
    assert report.applied and report.outcomes[0].added == 0
    assert db.session.get(AfActionPlan, world.person_a.id).hours_per_week_needed is None


def test_reimport_is_idempotent(rctx, world, db):
    data = json_file(person_entry(_pnr(world.person_a), activities=[af_activity()]))
    _run(world, data)
    db.session.commit()
    report = _run(world, data)
    assert [o.status for o in report.outcomes] == ["unchanged"]
    assert len(_af_rows(db)) == 1


def test_reimport_updates_changed_hours_and_ends_activities_af_no_longer_holds(rctx, world, db):
    first = json_file(
        person_entry(
            _pnr(world.person_a),
            activities=[
                af_activity("AKT-1", start="2026-08-01"),
                af_activity("AKT-2", start="2026-10-01"),
                af_activity("AKT-3", hours=5, start="2026-08-01"),
            ],
        )
    )
    _run(world, first)
    db.session.commit()
    second = json_file(
        person_entry(
            _pnr(world.person_a), activities=[af_activity("AKT-3", hours=8, start="2026-08-01")]
        )
    )
    report = _run(world, second)
    outcome = report.outcomes[0]
    assert (outcome.status, outcome.added, outcome.changed, outcome.ended) == ("update", 0, 1, 2)
    rows = {r.af_reference: r for r in _af_rows(db)}
    # AKT-1 had started: it ends yesterday. AKT-2 had not: it is removed. AKT-3 has 8 h now.
    assert rows["AKT-1"].to_date == date(2026, 9, 6)
    assert "AKT-2" not in rows
    assert rows["AKT-3"].hours_per_week == Decimal("8")


def test_manual_external_occupations_are_never_touched(rctx, world, db):
    from tests.reconciliation import builders as b

    manual = b.external(world.person_a, ExternalKind.WORK, "20", date(2026, 1, 1))
    _run(world, json_file(person_entry(_pnr(world.person_a))))
    db.session.refresh(manual)
    assert manual.to_date is None and manual.source == ExternalSource.MANUAL


def test_invalid_rows_stop_the_whole_import(rctx, world, db):
    good = person_entry(_pnr(world.person_a), activities=[af_activity()])
    bad_pnr = person_entry("19900101-1235")
    bad_activity = person_entry(
        factories.personnummer(date(1985, 3, 3)),
        activities=[
            af_activity(hours=90),
            af_activity("AKT-2", start="2026-09-10", end="2026-09-01"),
        ],
    )
    report = _run(world, json_file(good, bad_pnr, bad_activity))
    assert report.blocked and not report.applied
    assert report.invalid_rows == 2
    assert [(p.row, p.field, p.code) for p in report.problems] == [
        (2, "personnummer", "invalid_personnummer"),
        (3, "activity_hours_per_week", "hours_range"),
        (3, "activity_to", "dates_reversed"),
    ]
    # The good row was checked but nothing was written.
    assert [o.status for o in report.outcomes] == ["create"]
    assert db.session.get(AfActionPlan, world.person_a.id) is None and _af_rows(db) == []
    assert db.session.scalars(sa.select(AuditEntry.action)).all() == ["read"]


@pytest.mark.parametrize(
    "entry, field, code",
    [
        ({"action_plan_reference": ""}, "action_plan_reference", "missing"),
        ({"hours_per_week_needed": "många"}, "hours_per_week_needed", "not_number"),
        ({"hours_per_week_needed": "10.555"}, "hours_per_week_needed", "hours_precision"),
        ({"obligations": 5}, "obligations", "not_list"),
        ({"activities": [{"reference": "A"}]}, "activity_name", "missing"),
        ({"activities": [af_activity(start="1/9/2026")]}, "activity_from", "not_date"),
        (
            {"activities": [af_activity(), af_activity()]},
            "activity_reference",
            "duplicate_activity",
        ),
        ({"personnummer": 199001011234}, "personnummer", "not_text"),
    ],
)
def test_row_problems_are_named(rctx, world, entry, field, code):
    data = json_file({**person_entry(_pnr(world.person_a)), **entry})
    report = _run(world, data)
    assert report.blocked
    assert (field, code) in [(p.field, p.code) for p in report.problems]


def test_same_person_twice_is_invalid(rctx, world):
    entry = person_entry(_pnr(world.person_a))
    report = _run(world, json_file(entry, entry))
    assert [(p.row, p.code) for p in report.problems] == [(2, "duplicate_person")]


def test_csv_rows_of_one_person_must_agree(rctx, world):
    pnr = _pnr(world.person_a)
    data = csv_file(
        f"{pnr};HP-1;;40;;AKT-1;Kurs;10;2026-09-01;",
        f"{pnr};HP-2;;40;;AKT-2;Kurs;10;2026-09-01;",
        f"{pnr};HP-1;;40",
    )
    report = _run(world, data)
    assert [(p.row, p.code) for p in report.problems] == [(3, "rows_disagree"), (4, "column_count")]


def test_unmatched_and_other_units_people_are_reported_not_imported(rctx, world, db):
    stranger = factories.personnummer(date(1970, 1, 1))
    elsewhere = factories.person(factories.municipality())
    data = json_file(
        person_entry(_pnr(world.person_a), activities=[af_activity()]),
        person_entry(stranger),
        person_entry(_pnr(world.person_b)),
        person_entry(_pnr(elsewhere)),
    )
    report = _run(world, data)
    assert report.applied
    assert [o.status for o in report.outcomes] == [
        "create",
        "unmatched",
        "not_in_unit",
        "unmatched",
    ]
    # Nothing about people outside the unit is shown: only a masked number.
    assert report.outcomes[2].person is None
    assert report.outcomes[1].masked_personnummer == stranger[:8] + "-****"
    assert db.session.get(AfActionPlan, world.person_b.id) is None
    assert [r.person_id for r in _af_rows(db)] == [world.person_a.id]
    audited = db.session.scalars(sa.select(AuditEntry.person_id)).all()
    assert audited == [world.person_a.id]


def test_without_a_unit_the_whole_municipality_is_imported(rctx, world, db):
    data = json_file(person_entry(_pnr(world.person_a)), person_entry(_pnr(world.person_b)))
    report = _run(world, data, unit=False)
    assert [o.status for o in report.outcomes] == ["create", "create"]


def test_dry_run_reports_and_writes_nothing_but_the_audit_of_the_read(rctx, world, db):
    data = json_file(person_entry(_pnr(world.person_a), activities=[af_activity()]))
    report = _run(world, data, dry_run=True)
    assert report.dry_run and not report.applied
    assert report.outcomes[0].status == "create" and report.outcomes[0].added == 1
    assert db.session.get(AfActionPlan, world.person_a.id) is None and _af_rows(db) == []
    assert db.session.scalars(sa.select(AuditEntry.action)).all() == ["read"]


@pytest.mark.parametrize(
    "data, code",
    [
        (b"", "af_file_empty"),
        (b"\x00\x01PK", "af_file_binary"),
        ("å".encode("latin-1") + b";x", "af_file_encoding"),
        (b'{"format": "aktivitetsportalen-af/1", "people": [', "af_file_json"),
        (b'{"format": "other", "people": []}', "af_file_format"),
        (b'{"format": "aktivitetsportalen-af/1"}', "af_file_format"),
        (b"namn;timmar\nAnna;10\n", "af_file_format"),
        (b"x" * (adapters.MAX_FILE_BYTES + 1), "af_file_too_large"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(rctx, data, code):
    with pytest.raises(DomainError) as err:
        adapters.parse_file(data)
    assert err.value.code == code


def test_utf8_bom_and_ten_digit_personnummer_are_accepted(rctx, world, db):
    pnr = _pnr(world.person_a)
    ten = f"{pnr[2:8]}-{pnr[8:]}"
    report = _run(world, b"\xef\xbb\xbf" + json_file(person_entry(ten)))
    assert report.outcomes[0].status == "create"


def test_file_exchange_reads_a_path(rctx, world, tmp_path):
    path = tmp_path / "af.json"
    path.write_bytes(json_file(person_entry(_pnr(world.person_a))))
    batch = adapters.FileExchange(source=path).fetch()
    assert batch.format == "json" and len(batch.records) == 1
