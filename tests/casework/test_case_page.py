"""The case overview, the audited "show personnummer", person search and the staff home."""

from datetime import date

import pytest

from portal.extensions import db
from portal.personnummer import masked
from tests import factories
from tests.casework import builders as b
from tests.casework.builders import audit_rows


def text(resp) -> str:
    return resp.get_data(as_text=True)


def test_case_page_shows_the_case_with_a_masked_personnummer(client, world, login):
    person = world.person_a
    b.child(person, date(2021, 2, 3), name="Liv")
    b.decided(person, "2026-08", by=world.caseworker)
    b.plan(person, world.activity_a, valid_from=date(2026, 8, 1))
    b.absence(person, "2026-09-07 09:00", "2026-09-07 12:00")
    db.session.commit()
    login(world.caseworker)
    page = text(client.get(f"/admin/people/{person.public_ref}"))
    pnr = person.identity.personnummer
    assert masked(pnr) in page and pnr not in page and pnr[8:] not in page
    for expected in (
        "Liv",
        "augusti 2026",
        "Beviljad",
        world.activity_a.name,
        "Väntar på bedömning",
        "Beslutsunderlag",
        "Bedömning och krav",
    ):
        assert expected in page
    (row,) = audit_rows()
    assert (row.action, row.object_type, row.person_id) == ("read", "case", person.id)


def test_showing_the_personnummer_is_an_audited_post(client, world, login):
    db.session.commit()
    login(world.caseworker)
    url = f"/admin/people/{world.person_a.public_ref}/personnummer"
    assert client.get(url).status_code == 405
    page = text(client.post(url))
    pnr = world.person_a.identity.personnummer
    assert f"{pnr[:8]}-{pnr[8:]}" in page and "Visningen är loggad." in page
    (row,) = audit_rows(action="read", object_type="personnummer")
    assert row.person_id == world.person_a.id and row.actor_user_id == world.caseworker.id
    login(world.caseworker_b)
    assert client.post(url).status_code == 404


def test_search_by_name_finds_people_of_the_unit_only(client, world, login):
    factories.person(world.municipality, unit=world.unit_b, first_name="Alma", last_name="Berg")
    db.session.commit()
    login(world.caseworker)
    page = text(client.post("/admin/cases/search", data={"query": "alma"}))
    assert world.person_a.full_name in page and "Berg" not in page
    (row,) = audit_rows(action="search")
    assert row.person_id == world.person_a.id and row.why == "name"


def test_search_by_personnummer_is_a_post_and_exact(client, world, login):
    db.session.commit()
    login(world.caseworker)
    pnr = world.person_a.identity.personnummer
    page = text(client.post("/admin/cases/search", data={"query": f"{pnr[2:8]}-{pnr[8:]}"}))
    assert world.person_a.full_name in page
    assert audit_rows(action="search")[0].why == "personnummer"
    other = world.person_b.identity.personnummer
    page = text(client.post("/admin/cases/search", data={"query": other}))
    assert "Ingen person i din enhet" in page and world.person_b.full_name not in page
    # The form never puts the query in the address.
    assert 'method="post"' in text(client.get("/admin/cases/search"))


@pytest.mark.parametrize("part", ["date8", "date6", "no_century"])
def test_search_by_part_of_a_personnummer(client, world, login, part):
    db.session.commit()
    login(world.caseworker)
    pnr = world.person_a.identity.personnummer
    query = {"date8": pnr[:8], "date6": pnr[2:8], "no_century": pnr[2:]}[part]
    page = text(client.post("/admin/cases/search", data={"query": query}))
    assert world.person_a.full_name in page
    assert audit_rows(action="search")[0].why == "personnummer"
    # Another unit's person with the same birth date is never found.
    other = world.person_b.identity.personnummer
    page = text(client.post("/admin/cases/search", data={"query": other[:8]}))
    assert world.person_b.full_name not in page


def test_search_needs_a_query_and_treats_wildcards_as_text(client, world, login):
    db.session.commit()
    login(world.caseworker)
    assert "Skriv ett namn eller ett personnummer." in text(
        client.post("/admin/cases/search", data={"query": ""})
    )
    assert "Ingen person i din enhet" in text(
        client.post("/admin/cases/search", data={"query": "%_%"})
    )


def test_home_page_by_role(client, world, login):
    db.session.commit()
    login(world.caseworker)
    page = text(client.get("/admin/"))
    assert "ansökningar att hantera" in page and 'action="/admin/cases/search"' in page
    login(world.admin)
    page = text(client.get("/admin/"))
    assert "ansökningar att hantera" not in page and "Välj vad du vill arbeta med." in page
    login(world.auditor)
    assert client.get("/admin/").status_code == 200


def test_caseworker_menu_has_the_queue_and_absences(client, world, login):
    db.session.commit()
    login(world.caseworker)
    page = text(client.get("/admin/"))
    nav = page[page.index('class="main-nav"') :]
    assert nav.index("Översikt") < nav.index("Ärenden") < nav.index("Frånvaro att bedöma")
