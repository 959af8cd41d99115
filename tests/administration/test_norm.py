"""The national norm per year: entered or imported whole (validated), exported, audited; the
applicant's estimate uses the application's year and says which year it used when it is missing."""

from __future__ import annotations

import io
import json

import pytest
import sqlalchemy as sa

from portal.models import AuditEntry, NormStatus, NormYear
from portal.services import applications
from portal.services.norm import choose_year
from tests.portal import factories as pf

BASE = "/admin/administration"


def csv_of(table: dict, drop=()) -> bytes:
    lines = ["category,key,amount_sek"]
    for category, rows in table.items():
        for key, amount in rows.items():
            if (category, key) not in drop:
                lines.append(f"{category},{key},{amount}")
    return ("\n".join(lines) + "\n").encode()


def upload(client, name: str, data: bytes, year: int = 2027, official: bool = True):
    form = {"file": (io.BytesIO(data), name), "year": str(year), "source_note": "Socialstyrelsen"}
    if official:
        form["official"] = "y"
    return client.post(f"{BASE}/norm/import", data=form, content_type="multipart/form-data")


def test_admin_imports_a_year_from_csv_and_exports_it_as_json(client, world, login, db):
    login(world.admin)
    resp = upload(client, "norm2027.csv", csv_of(pf.NORM_2019))
    assert resp.status_code == 302
    row = db.session.get(NormYear, 2027)
    assert row.status == NormStatus.OFFICIAL and len(row.amounts) == 22
    exported = client.get(f"{BASE}/norm/2027.json").get_json()
    assert exported["adult"] == {"single": 3090, "couple": 5570}
    # The export imports again unchanged (as 2028, marked as example figures).
    data = json.dumps(exported).encode()
    assert upload(client, "norm.json", data, year=2028, official=False).status_code == 302
    assert db.session.get(NormYear, 2028).status == NormStatus.EXAMPLE
    entries = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.object_type == "norm_year")
    ).all()
    assert [e.object_ref for e in entries] == ["2027", "2028"]
    assert all(e.actor_user_id == world.admin.id for e in entries)


@pytest.mark.parametrize(
    "name, data, says",
    [
        ("n.csv", csv_of(pf.NORM_2019, drop={("adult", "couple")}), "Belopp saknas: adult/couple"),
        ("n.csv", csv_of(pf.NORM_2019).replace(b"3090", b"-3"), "Ogiltigt belopp för adult/single"),
        ("n.csv", csv_of(pf.NORM_2019) + b"adult,trio,100\n", "Okänd rad: adult/trio"),
        ("n.csv", b"a,b\n1,2\n", "category,key,amount_sek"),
        ("n.json", b"{not json", "inte giltig JSON"),
    ],
)
def test_an_invalid_file_saves_nothing_and_says_why(client, world, login, db, name, data, says):
    login(world.admin)
    resp = upload(client, name, data)
    assert resp.status_code == 400
    assert says in resp.get_data(as_text=True)
    assert db.session.get(NormYear, 2027) is None


def test_admin_enters_a_year_field_by_field(client, world, login, db):
    pf.norm_year(2026, status=NormStatus.EXAMPLE)
    db.session.commit()
    login(world.admin)
    page = client.get(f"{BASE}/norm/2027").get_data(as_text=True)
    assert "Året är inte inlagt" in page and 'value="3090"' in page  # prefilled from 2026
    form = {
        f"{category}:{key}": str(amount + 100)
        for category, rows in pf.NORM_2019.items()
        for key, amount in rows.items()
    }
    form["year"] = "2027"
    form["adult:single"] = "3 190"
    resp = client.post(f"{BASE}/norm/2027", data=form)
    assert resp.status_code == 302
    row = db.session.get(NormYear, 2027)
    assert {(a.category, a.key): a.amount_sek for a in row.amounts}[("adult", "single")] == 3190
    assert row.status == NormStatus.EXAMPLE
    form["child:0"] = "abc"
    resp = client.post(f"{BASE}/norm/2027", data=form)
    assert resp.status_code == 400 and "Skriv ett belopp i hela kronor" in resp.get_data(
        as_text=True
    )


def test_choose_year_prefers_the_year_then_the_latest_before():
    assert choose_year(2027, [2019, 2026, 2027]) == 2027
    assert choose_year(2027, [2019, 2026]) == 2026
    assert choose_year(2018, [2019, 2026]) == 2019
    assert choose_year(2027, []) is None


def test_the_estimate_uses_the_applications_year_and_says_when_it_used_another(app, world, db):
    pf.norm_year(2026, status=NormStatus.OFFICIAL)
    world.municipality.settings.norm_year = 2026  # an old fixed year no longer wins
    db.session.flush()
    january = pf.application(world.person_a, "2027-01")
    outcome = applications.estimate_for(january, world.person_a)
    assert (outcome.year, outcome.wanted_year, outcome.other_year) == (2026, 2027, True)
    pf.norm_year(
        2027,
        status=NormStatus.OFFICIAL,
        table={**pf.NORM_2019, "adult": {"single": 4000, "couple": 6000}},
    )
    outcome = applications.estimate_for(january, world.person_a)
    assert (outcome.year, outcome.other_year) == (2027, False)
    assert outcome.estimate.lines[0].amount == 4000


def test_the_applicants_page_says_plainly_which_years_figures_it_used(
    client, world, login, db, time_machine
):
    from datetime import UTC, datetime

    from tests.portal.test_applications import _fill_all, _start

    time_machine.move_to(datetime(2027, 1, 5, 10, 0, tzinfo=UTC), tick=True)
    pf.norm_year(2026, status=NormStatus.OFFICIAL)
    db.session.commit()
    login(world.person_a)
    application = _start(client, month="2027-01")
    _fill_all(client, application)
    page = client.get(f"/ansokan/{application.public_ref}/granska").get_data(as_text=True)
    assert "Beräkningen använder normen för 2026." in page
    assert "Riksnormen för 2027 finns inte i systemet än" in page
