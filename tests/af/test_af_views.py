"""AF pages and commands: caseworkers only, preview then confirm, downloads, audit."""

import io
import json
from datetime import date

import pytest
import sqlalchemy as sa
import time_machine

from admin.af.cli import af_cli
from portal.models import AuditEntry, ExternalOccupation
from portal.models.casework import AfActionPlan
from tests import factories
from tests.af.files import af_activity, json_file, person_entry
from tests.reconciliation import builders as b


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel("2026-10-05 09:00:00+02:00", tick=True):
        yield


def _pnr(person):
    return person.identity.personnummer


def _upload(client, data: bytes, name="af.json"):
    return client.post(
        "/admin/af/import",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize("who", ["site_staff", "auditor", "admin", "person_a"])
def test_only_caseworkers(client, world, login, who):
    login(getattr(world, who))
    assert client.get("/admin/af/").status_code == 403
    assert client.get("/admin/af/export?month=2026-09").status_code == 403
    assert _upload(client, json_file()).status_code == 403
    assert client.post("/admin/af/import/confirm", data={"token": "x"}).status_code == 403
    assert client.get("/admin/af/filformat").status_code == 403


def test_the_file_format_is_a_page_linked_from_the_exchange(client, world, login):
    from admin.af.adapters import CSV_IMPORT_COLUMNS

    login(world.caseworker)
    page = client.get("/admin/af/").get_data(as_text=True)
    assert "docs/af-format.md" not in page and "/admin/af/filformat" in page
    page = client.get("/admin/af/filformat").get_data(as_text=True)
    assert ";".join(CSV_IMPORT_COLUMNS) in page and "aktivitetsportalen-af/1" in page
    assert "för socialtjänstens personal" in page


def test_preview_then_confirm(client, world, login, db):
    login(world.caseworker)
    assert "Läs in fil från Arbetsförmedlingen" in client.get("/admin/af/").get_data(as_text=True)
    data = json_file(
        person_entry(_pnr(world.person_a), activities=[af_activity()]),
        person_entry(_pnr(world.person_b)),
        person_entry(factories.personnummer(date(1970, 1, 1))),
    )
    html = _upload(client, data).get_data(as_text=True)
    assert "Förhandsgranskning – ingenting är ändrat än" in html
    assert world.person_a.full_name in html and "Hittades inte" in html
    assert "Inte på din enhet" in html and world.person_b.full_name not in html
    assert db.session.get(AfActionPlan, world.person_a.id) is None
    token = html.split('name="token" type="hidden" value="')[1].split('"')[0]
    html = client.post("/admin/af/import/confirm", data={"token": token}).get_data(as_text=True)
    assert "Inläsningen är klar" in html
    assert db.session.get(AfActionPlan, world.person_a.id) is not None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ExternalOccupation)) == 1
    # The previewed file is gone once imported: the same token cannot import twice.
    html = client.post("/admin/af/import/confirm", data={"token": token}).get_data(as_text=True)
    assert "Förhandsgranskningen finns inte längre" in html
    actions = db.session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.person_id == world.person_a.id)
    ).all()
    assert actions == ["read", "update"]


def test_another_caseworker_cannot_confirm_my_preview(client, world, login, db):
    login(world.caseworker)
    html = _upload(client, json_file(person_entry(_pnr(world.person_a)))).get_data(as_text=True)
    token = html.split('name="token" type="hidden" value="')[1].split('"')[0]
    colleague = factories.staff(world.municipality, world.caseworker.role, unit=world.unit_a)
    db.session.commit()
    login(colleague)
    html = client.post("/admin/af/import/confirm", data={"token": token}).get_data(as_text=True)
    assert "Förhandsgranskningen finns inte längre" in html
    assert db.session.get(AfActionPlan, world.person_a.id) is None
    for bad in ("../../etc/passwd", "x" * 32):
        html = client.post("/admin/af/import/confirm", data={"token": bad}).get_data(as_text=True)
        assert "Förhandsgranskningen finns inte längre" in html


def test_file_with_errors_offers_no_import(client, world, login, db):
    login(world.caseworker)
    data = json_file(person_entry(_pnr(world.person_a)), person_entry("1234"))
    html = _upload(client, data).get_data(as_text=True)
    assert "Filen har fel – ingenting har lästs in" in html
    assert "Är inte ett giltigt personnummer." in html and 'name="token"' not in html


@pytest.mark.parametrize(
    "data, message",
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00", "Filen är inte en textfil."),
        (b"hello", "Filen är varken JSON eller CSV"),
    ],
)
def test_unreadable_upload_is_explained(client, world, login, data, message):
    login(world.caseworker)
    resp = _upload(client, data, "bild.png")
    assert resp.status_code == 200 and message in resp.get_data(as_text=True)


def test_upload_without_file_is_explained(client, world, login):
    login(world.caseworker)
    resp = client.post("/admin/af/import", data={}, content_type="multipart/form-data")
    assert "Välj en fil att läsa in." in resp.get_data(as_text=True)


def test_export_download(client, world, login, db):
    b.assistance(world.person_a, ["2026-09"], world.caseworker)
    b.assistance(world.person_b, ["2026-09"], world.caseworker_b)
    db.session.commit()
    login(world.caseworker)
    resp = client.get("/admin/af/export?month=2026-09&format=json")
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    assert "af-export-2026-09.json" in resp.headers["Content-Disposition"]
    assert resp.headers["Cache-Control"] == "no-store"
    document = json.loads(resp.data)
    assert [p["personnummer"] for p in document["people"]] == [_pnr(world.person_a)]
    resp = client.get("/admin/af/export?month=2026-09&format=csv")
    assert resp.mimetype == "text/csv" and resp.data.startswith(b"personnummer;requirement")
    exports = db.session.scalars(
        sa.select(AuditEntry.person_id).where(AuditEntry.action == "export")
    ).all()
    assert exports == [world.person_a.id, world.person_a.id]


@pytest.mark.parametrize(
    "query, message",
    [
        ("month=2026-13", "till exempel 2026-08"),
        ("month=2026-11", "Månaden har inte börjat än."),
        ("month=2026-09&format=xml", "Not a valid choice"),
    ],
)
def test_export_bad_input_is_explained(client, world, login, query, message):
    login(world.caseworker)
    resp = client.get(f"/admin/af/export?{query}")
    assert resp.status_code == 200 and "error-summary" in resp.get_data(as_text=True)


def test_cli_import_dry_run_then_for_real_then_again(runner, world, db, tmp_path):
    path = tmp_path / "af.json"
    path.write_bytes(
        json_file(
            person_entry(_pnr(world.person_a), activities=[af_activity()]),
            person_entry(factories.personnummer(date(1970, 1, 1))),
        )
    )
    result = runner.invoke(af_cli, ["import", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "dry run, nothing written" in result.output and ": new" in result.output
    assert db.session.get(AfActionPlan, world.person_a.id) is None
    result = runner.invoke(af_cli, ["import", str(path)])
    assert result.exit_code == 0 and "imported." in result.output
    assert "no such person in the municipality; not imported" in result.output
    db.session.expire_all()
    assert db.session.get(AfActionPlan, world.person_a.id) is not None
    result = runner.invoke(af_cli, ["import", str(path)])
    assert ": unchanged" in result.output
    system = db.session.scalars(
        sa.select(AuditEntry.actor_role).where(AuditEntry.action == "update")
    ).all()
    assert system == ["system"]


def test_cli_import_with_bad_rows_exits_1_and_unit_limits(runner, world, db, tmp_path):
    path = tmp_path / "af.csv"
    path.write_bytes(json_file(person_entry("nope"), person_entry(_pnr(world.person_b))))
    result = runner.invoke(af_cli, ["import", str(path)])
    assert result.exit_code == 1 and "row 1: personnummer" in result.output
    path.write_bytes(json_file(person_entry(_pnr(world.person_b))))
    result = runner.invoke(af_cli, ["import", str(path), "--unit", "Enhet A"])
    assert "not in the unit" in result.output
    result = runner.invoke(af_cli, ["import", str(path), "--unit", "Ingen"])
    assert result.exit_code != 0 and "no unit named" in result.output
    path.write_bytes(b"garbage")
    result = runner.invoke(af_cli, ["import", str(path)])
    assert result.exit_code != 0 and "neither JSON nor CSV" in result.output


def test_cli_export(runner, world, db, tmp_path):
    b.assistance(world.person_a, ["2026-09"], world.caseworker)
    db.session.commit()
    out = tmp_path / "export.csv"
    result = runner.invoke(af_cli, ["export", "--month", "2026-09", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("personnummer;requirement")
    result = runner.invoke(af_cli, ["export", "--month", "2026-09"])
    assert json.loads(result.stdout)["people"][0]["personnummer"] == _pnr(world.person_a)
    result = runner.invoke(af_cli, ["export", "--month", "2027-01"])
    assert result.exit_code != 0
    factories.municipality()
    db.session.commit()
    result = runner.invoke(af_cli, ["export", "--month", "2026-09"])
    assert "several municipalities" in result.output
