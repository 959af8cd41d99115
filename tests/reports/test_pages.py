"""Report pages and exports: who may see what, the audit trail, and exports equal to the page."""

from __future__ import annotations

import csv
import io
import re

import pytest
import sqlalchemy as sa
import time_machine
from openpyxl import load_workbook
from pypdf import PdfReader

from admin.reports import export, services
from portal.errors import DomainError
from portal.models import AuditEntry
from tests.reconciliation import builders as b
from tests.reports import worlds as w
from tests.reports.test_services import q3  # noqa: F401  (the shared world)

NOW = b.local("2026-12-06T09:00")


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=True):
        yield


def url(name: str, **args) -> str:
    query = "&".join(f"{key}={value}" for key, value in args.items())
    return f"/admin/rapporter/{name}" + (f"?{query}" if query else "")


def export_url(name: str, fmt: str, **args) -> str:
    query = "&".join(f"{key}={value}" for key, value in args.items())
    return f"/admin/rapporter/{name}/export.{fmt}" + (f"?{query}" if query else "")


@pytest.mark.parametrize("who", ["site_staff", "person_a"])
def test_applicants_and_site_staff_are_refused_every_report(client, world, login, who):
    login(getattr(world, who))
    assert client.get("/admin/rapporter/").status_code == 403
    for name in services.NAMES:
        assert client.get(url(name, period="2026-Q3")).status_code == 403
        for fmt in export.FORMATS:
            assert client.get(export_url(name, fmt, period="2026-Q3")).status_code == 403
    assert client.post("/admin/rapporter/ivo-overview/texts", data={}).status_code == 403


def test_signed_out_is_sent_to_sign_in(client, world):
    resp = client.get(url("ivo-quarter"))
    assert resp.status_code == 302


@pytest.mark.parametrize("name", services.NAMES)
def test_each_report_page_opens_for_an_administrator(client, world, login, q3, name):  # noqa: F811
    login(world.admin)
    resp = client.get(url(name, period="2026-Q3"))
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert "<svg" in page and 'role="img"' in page and "<desc" in page
    assert "<table" in page
    assert "export.csv?period=2026-Q3" in page


def test_page_filters_and_menu(client, world, login, q3):  # noqa: F811
    login(world.admin)
    assert "/admin/rapporter/" in client.get("/admin/").get_data(as_text=True)
    page = client.get(url("ivo-quarter", period="2026-Q3", unit=world.unit_b.id)).get_data(
        as_text=True
    )
    assert "Enhet B" in page
    assert client.get(url("ivo-quarter", period="2026-Q3", unit=99999)).status_code == 404
    bad = client.get(url("ivo-quarter", period="2026-Q9"))
    assert bad.status_code == 200 and "Välj en period i listan." in bad.get_data(as_text=True)
    assert client.get(url("no-such-report")).status_code == 404


def test_caseworker_sees_own_unit_only(client, world, login, q3):  # noqa: F811
    login(world.caseworker)
    page = client.get(url("ivo-quarter", period="2026-Q3")).get_data(as_text=True)
    assert "Enhet A" in page
    assert client.get(url("ivo-quarter", period="2026-Q3", unit=world.unit_b.id)).status_code == 404
    assert (
        client.get(export_url("returns", "csv", period="2026-Q3", unit=world.unit_b.id)).status_code
        == 404
    )


def test_views_and_exports_are_audited_without_person_data(client, world, login, q3, db):  # noqa: F811
    login(world.auditor)
    client.get(url("returns", period="2026-Q3"))
    client.get(export_url("capacity", "pdf", period="2026-09"))
    rows = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.object_type == "report").order_by(AuditEntry.id)
    ).all()
    assert [(r.action, r.object_ref, r.why) for r in rows] == [
        ("read", "returns", "period=2026-Q3 unit=all"),
        ("export", "capacity", "period=2026-09 unit=all format=pdf"),
    ]
    assert all(r.person_id is None and r.actor_user_id == world.auditor.id for r in rows)
    assert all(r.actor_role == "auditor" for r in rows)


def _names_and_numbers(world, q3):  # noqa: F811
    people = [world.person_a, world.person_b, *(p for k, p in q3.items() if k != "workplace")]
    names = [p.first_name for p in people] + [p.last_name for p in people]
    numbers = [p.identity.personnummer for p in people if p.identity]
    return names, numbers


@pytest.mark.parametrize("name", services.NAMES)
def test_an_auditor_never_receives_a_name_or_personnummer(client, world, login, q3, name):  # noqa: F811
    names, numbers = _names_and_numbers(world, q3)
    login(world.auditor)
    page = client.get(url(name, period="2026-Q3"))
    assert page.status_code == 200
    bodies = [page.get_data(as_text=True)]
    bodies.append(client.get(export_url(name, "csv", period="2026-Q3")).get_data(as_text=True))
    xlsx = load_workbook(io.BytesIO(client.get(export_url(name, "xlsx", period="2026-Q3")).data))
    bodies.append(
        " ".join(str(c) for sheet in xlsx for row in sheet.iter_rows(values_only=True) for c in row)
    )
    pdf = PdfReader(io.BytesIO(client.get(export_url(name, "pdf", period="2026-Q3")).data))
    bodies.append(" ".join(page.extract_text() for page in pdf.pages))
    for body in bodies:
        for secret in names + numbers + [n[2:] for n in numbers]:
            assert secret not in body
    # Figures of 1 to 4 are shown as <5 everywhere.
    if name == "ivo-quarter":
        assert all("<5" in body or "&lt;5" in body for body in bodies)


def test_exports_equal_the_json(client, world, login, q3):  # noqa: F811
    login(world.admin)
    data = w.report(world, "ivo-quarter", "2026-Q3").json()
    expected = [
        [field, *(data[field][g] for g in ("total", "women", "men", "unknown"))]
        for field in services.IVO_FIELDS
    ]
    # XLSX: typed cells, a header row, frozen panes.
    book = load_workbook(
        io.BytesIO(client.get(export_url("ivo-quarter", "xlsx", period="2026-Q3")).data)
    )
    sheet = book.worksheets[0]
    assert sheet.freeze_panes == "B2"
    header = [c.value for c in sheet[1]]
    assert header == ["Uppgift", "Totalt", "Kvinnor", "Män", "Okänt kön"]
    cells = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert [row[1:] for row in cells] == [row[1:] for row in expected]
    assert all(isinstance(v, int) for row in cells for v in row[1:])
    about = {row[0]: row[1] for row in book["Om rapporten"].iter_rows(values_only=True)}
    assert about["Kommun"] == "Testkommun" and about["Period"].startswith("2026-Q3")
    # CSV: parses, same figures.
    text = client.get(export_url("ivo-quarter", "csv", period="2026-Q3")).data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    start = rows.index(header)
    assert [[int(v) for v in row[1:]] for row in rows[start + 1 : start + 7]] == [
        row[1:] for row in expected
    ]
    # PDF: the figures, the municipality, å ä ö, the definitions.
    pdf = PdfReader(io.BytesIO(client.get(export_url("ivo-quarter", "pdf", period="2026-Q3")).data))
    content = " ".join(page.extract_text() for page in pdf.pages)
    assert "Testkommun" in content and "2026-Q3" in content
    assert "Aktiviteter när kravet var obligatoriskt 4 1 2 1" in re.sub(r"\s+", " ", content)
    assert "Definitioner" in content and "Män" in content and "Okänt kön" in content


def test_overview_pdf_prints_the_board_texts(client, world, login, q3, db):  # noqa: F811
    login(world.admin)
    resp = client.post(
        "/admin/rapporter/ivo-overview/texts",
        data={
            "period": "2025..2026",
            "requirements": "Nämnden ställer krav efter bedömning.",
            "plans": "Planer inom två dygn.",
        },
    )
    assert resp.status_code == 302
    pdf = PdfReader(
        io.BytesIO(client.get(export_url("ivo-overview", "pdf", period="2025..2026")).data)
    )
    content = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in pdf.pages))
    assert "Nämnden ställer krav efter bedömning." in content
    assert "Planer inom två dygn." in content


def test_only_administrators_write_the_board_texts(client, world, login):
    login(world.caseworker)
    resp = client.post("/admin/rapporter/ivo-overview/texts", data={"period": "2026"})
    assert resp.status_code == 403


def test_pdf_refuses_clearly_without_the_font(monkeypatch, tmp_path, world):
    from portal import pdf
    from tests.reports import worlds

    report = worlds.report(world, "capacity", "2026-Q3")
    monkeypatch.setattr(pdf, "FONT_DIR", tmp_path)
    with pytest.raises(DomainError) as refused:
        export.to_pdf(report)
    assert refused.value.code == "font_missing" and "fonts-dejavu-core" in refused.value.message


def test_a_period_that_has_not_begun_says_so(client, world, login, q3):  # noqa: F811
    login(world.admin)
    page = client.get(url("ivo-quarter", period="2027-Q1")).get_data(as_text=True)
    assert "Ingen dag i perioden har passerat än" in page
    assert "2027-Q1" in page


def test_a_caseworker_exports_exact_counts_of_their_unit(client, world, login, q3):  # noqa: F811
    login(world.caseworker)
    book = load_workbook(
        io.BytesIO(client.get(export_url("ivo-quarter", "xlsx", period="2026-Q3")).data)
    )
    rows = {row[0]: row[1:] for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)}
    # Unit A: V, M and U were mandatory with activities (K is in unit B).
    assert rows["Aktiviteter när kravet var obligatoriskt"] == (3, 1, 1, 1)
    about = {row[0]: row[1] for row in book["Om rapporten"].iter_rows(values_only=True)}
    assert about["Enhet"] == "Enhet A"
