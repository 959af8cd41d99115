"""The e-application (P2): drafts step by step, validation, the household, submission, states."""

from datetime import date

import pytest
import sqlalchemy as sa

from portal.errors import DomainError
from portal.extensions import db
from portal.models import (
    Application,
    ApplicationState,
    HouseholdMember,
    ItemCategory,
    MemberRole,
    NormStatus,
)
from portal.personnummer import with_check_digit
from portal.services import applications
from tests.portal import factories as pf


def _start(client, month="2026-03", **data):
    resp = client.post("/ansokan/ny", data={"month": month, **data})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    ref = resp.location.split("/ansokan/")[1].split("/")[0]
    return db.session.scalar(sa.select(Application).where(Application.public_ref == ref))


def _pnr(born: date, serial: str = "123") -> str:
    return born.strftime("%Y")[:2] + with_check_digit(born.strftime("%y%m%d") + serial)


def _fill_all(client, app, *, rent="6 500 kr"):
    ref = app.public_ref
    assert client.post(f"/ansokan/{ref}/hushall").status_code == 302
    assert (
        client.post(f"/ansokan/{ref}/inkomster", data={"child_allowance": "1250"}).status_code
        == 302
    )
    resp = client.post(f"/ansokan/{ref}/kostnader", data={"housing": "rental", "rent": rent})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    assert client.post(f"/ansokan/{ref}/tillgangar", data={"bank": "300"}).status_code == 302
    assert client.post(f"/ansokan/{ref}/bilagor").status_code == 302
    assert client.post(f"/ansokan/{ref}/intyga", data={"accept": "y"}).status_code == 302


class TestStartAndResume:
    def test_new_application_offers_this_and_next_month(self, client, alma):
        page = client.get("/ansokan/ny").get_data(as_text=True)
        assert "mars 2026" in page and "april 2026" in page

    def test_a_month_can_only_be_applied_for_once(self, client, alma):
        _start(client)
        page = client.get("/ansokan/ny").get_data(as_text=True)
        assert 'value="2026-03"' not in page
        resp = client.post("/ansokan/ny", data={"month": "2026-03"})
        assert resp.status_code == 400
        assert "Det finns fel i formuläret" in resp.get_data(as_text=True)

    def test_a_month_far_away_is_refused(self, client, alma):
        resp = client.post("/ansokan/ny", data={"month": "2027-01"})
        assert resp.status_code == 400

    def test_each_step_saves_and_the_draft_resumes_where_it_was_left(self, client, alma):
        app = _start(client)
        assert app.current_step == "household"
        client.post(f"/ansokan/{app.public_ref}/hushall")
        resp = client.post(f"/ansokan/{app.public_ref}/inkomster", data={"salary": "4 000"})
        assert resp.location.endswith(f"/ansokan/{app.public_ref}/kostnader")
        db.session.expire_all()
        assert app.current_step == "costs"
        assert applications.completed_steps(app) == ["household", "incomes"]
        assert [(i.kind, i.amount_sek) for i in app.items] == [("salary", 4000)]
        # The list links to the step where the applicant stopped.
        page = client.get("/ansokan").get_data(as_text=True)
        assert f"/ansokan/{app.public_ref}/kostnader" in page
        # And the saved amount is shown again on the step.
        page = client.get(f"/ansokan/{app.public_ref}/inkomster").get_data(as_text=True)
        assert 'value="4000"' in page

    def test_progress_indicator_marks_the_current_step(self, client, alma):
        app = _start(client)
        page = client.get(f"/ansokan/{app.public_ref}/inkomster").get_data(as_text=True)
        assert "Steg 2 av 7" in page
        assert 'aria-current="step"' in page

    def test_next_month_can_start_from_the_previous_application(self, client, world, alma):
        previous = pf.application(
            world.person_a,
            "2026-02",
            state=ApplicationState.DECIDED,
            items=[("cost", "rent", 6400), ("income", "child_allowance", 1250)],
            answers={"housing": {"type": "sublet"}, "declaration": {"accepted": True}},
        )
        db.session.commit()
        page = client.get("/ansokan/ny").get_data(as_text=True)
        assert "Vill du utgå från din ansökan för februari 2026?" in page
        app = _start(client, start="copy")
        assert app.copied_from_id == previous.id
        assert sorted((i.kind, i.amount_sek) for i in app.items) == [
            ("child_allowance", 1250),
            ("rent", 6400),
        ]
        assert applications.housing_type(app) == "sublet"
        # Copied answers still have to be checked: no step is done and nothing is declared.
        assert applications.completed_steps(app) == []
        assert not applications.declaration_accepted(app)

    def test_starting_empty_copies_nothing(self, client, world, alma):
        pf.application(world.person_a, "2026-02", items=[("cost", "rent", 6400)])
        db.session.commit()
        app = _start(client, start="empty")
        assert app.items == [] and app.copied_from_id is None


class TestAmounts:
    @pytest.mark.parametrize(
        ("typed", "stored"),
        [
            ("1250", 1250),
            ("1 250", 1250),
            ("1\u00a0250 kr", 1250),
            ("1250:-", 1250),
            ("1250,00", 1250),
        ],
    )
    def test_amounts_are_read_forgivingly(self, client, alma, typed, stored):
        app = _start(client)
        resp = client.post(f"/ansokan/{app.public_ref}/inkomster", data={"salary": typed})
        assert resp.status_code == 302
        assert app.items[0].amount_sek == stored

    @pytest.mark.parametrize(
        ("typed", "message"),
        [
            ("12,50", "Lön: skriv beloppet i hela kronor, utan ören."),
            ("tolv", "Lön: skriv beloppet med siffror, till exempel 1250."),
            ("-5", "Lön: beloppet kan inte vara mindre än 0."),
            ("123456789", "Lön: beloppet är för stort. Kontrollera att det är rätt."),
        ],
    )
    def test_bad_amounts_say_how_to_fix_them_and_link_to_the_field(
        self, client, alma, typed, message
    ):
        app = _start(client)
        resp = client.post(f"/ansokan/{app.public_ref}/inkomster", data={"salary": typed})
        page = resp.get_data(as_text=True)
        assert resp.status_code == 400
        assert message in page
        assert '<a href="#salary">' in page
        assert 'aria-invalid="true"' in page
        # What was typed is shown again so it can be corrected, and nothing was saved.
        assert f'value="{typed}"' in page
        db.session.expire_all()
        assert app.items == [] and "incomes" not in applications.completed_steps(app)

    def test_other_income_needs_a_description(self, client, alma):
        app = _start(client)
        resp = client.post(f"/ansokan/{app.public_ref}/inkomster", data={"other_income": "500"})
        assert resp.status_code == 400
        assert "Skriv vad beloppet 500 kr gäller." in resp.get_data(as_text=True)
        resp = client.post(
            f"/ansokan/{app.public_ref}/inkomster",
            data={"other_income": "500", "other_income_text": "Försäljning av cykel"},
        )
        assert resp.status_code == 302
        assert app.items[0].description == "Försäljning av cykel"

    def test_costs_need_the_housing_type(self, client, alma):
        app = _start(client)
        resp = client.post(f"/ansokan/{app.public_ref}/kostnader", data={"rent": "6000"})
        assert resp.status_code == 400
        assert "Välj hur du bor." in resp.get_data(as_text=True)

    def test_fixed_kinds_store_their_swedish_label_for_the_caseworker(self, client, alma):
        app = _start(client)
        client.post(
            f"/ansokan/{app.public_ref}/kostnader", data={"housing": "rental", "rent": "6000"}
        )
        (item,) = app.items
        assert (item.category, item.kind, item.description) == (
            ItemCategory.COST,
            "rent",
            "Hyra eller avgift för bostaden",
        )

    def test_saving_a_step_again_replaces_its_lines_and_keeps_the_others(self, client, alma):
        app = _start(client)
        ref = app.public_ref
        client.post(f"/ansokan/{ref}/inkomster", data={"salary": "4000"})
        client.post(f"/ansokan/{ref}/kostnader", data={"housing": "rental", "rent": "6000"})
        client.post(f"/ansokan/{ref}/inkomster", data={"salary": "", "pension": "2000"})
        db.session.expire_all()
        assert sorted((i.kind, i.amount_sek) for i in app.items) == [
            ("pension", 2000),
            ("rent", 6000),
        ]


class TestHousehold:
    def test_add_change_and_remove_a_child(self, client, world, alma):
        app = _start(client)
        ref = app.public_ref
        number = _pnr(date(2018, 4, 2))
        resp = client.post(
            f"/ansokan/{ref}/hushall/ny",
            data={"role": "child", "first_name": "Sara", "personnummer": number},
        )
        assert resp.status_code == 302
        (member,) = world.person_a.household.members
        assert (member.role, member.birth_date, member.personnummer) == (
            MemberRole.CHILD,
            date(2018, 4, 2),
            number,
        )
        assert "Sara" in client.get(f"/ansokan/{ref}/hushall").get_data(as_text=True)
        resp = client.post(
            f"/ansokan/{ref}/hushall/{member.id}",
            data={"role": "child", "first_name": "Sarah", "personnummer": number},
        )
        assert resp.status_code == 302 and member.first_name == "Sarah"
        assert client.post(f"/ansokan/{ref}/hushall/{member.id}/ta-bort").status_code == 302
        assert db.session.scalar(sa.select(sa.func.count()).select_from(HouseholdMember)) == 0

    @pytest.mark.parametrize(
        ("typed", "message"),
        [
            ("19900101-1235", "Personnumret stämmer inte. Kontrollera de fyra sista siffrorna."),
            ("1990", "Skriv personnumret med 12 siffror, till exempel 20150314-1234."),
            (
                "19" + with_check_digit("901301123"),
                "Personnumret har ett datum som inte finns. Kontrollera födelsedatumet.",
            ),
            ("20" + with_check_digit("990101123"), "födelsedatum i framtiden"),
        ],
    )
    def test_personnummer_is_checked_with_a_message_that_helps(self, client, alma, typed, message):
        app = _start(client)
        resp = client.post(
            f"/ansokan/{app.public_ref}/hushall/ny",
            data={"role": "partner", "first_name": "Ali", "personnummer": typed},
        )
        assert resp.status_code == 400
        page = resp.get_data(as_text=True)
        assert message in page and '<a href="#personnummer">' in page

    def test_a_coordination_number_is_accepted(self, client, world, alma):
        app = _start(client)
        # Born 1990-01-05: the day plus 60 is a samordningsnummer.
        number = "19" + with_check_digit("900165" + "234")
        resp = client.post(
            f"/ansokan/{app.public_ref}/hushall/ny",
            data={"role": "partner", "first_name": "Ali", "personnummer": number},
        )
        assert resp.status_code == 302
        assert world.person_a.household.members[0].birth_date == date(1990, 1, 5)

    def test_only_one_partner_and_no_duplicates(self, client, world, alma):
        app = _start(client)
        url = f"/ansokan/{app.public_ref}/hushall/ny"
        first = _pnr(date(1988, 2, 3), "111")
        client.post(url, data={"role": "partner", "first_name": "Ali", "personnummer": first})
        resp = client.post(
            url,
            data={"role": "partner", "first_name": "Bo", "personnummer": _pnr(date(1987, 1, 1))},
        )
        assert "Du har redan en partner i hushållet" in resp.get_data(as_text=True)
        resp = client.post(
            url, data={"role": "other_adult", "first_name": "Ali", "personnummer": first}
        )
        assert "Den här personen finns redan i hushållet." in resp.get_data(as_text=True)
        own = world.person_a.identity.personnummer
        resp = client.post(
            url, data={"role": "other_adult", "first_name": "Jag", "personnummer": own}
        )
        assert resp.status_code == 400

    def test_roles_must_fit_the_age(self, client, alma):
        app = _start(client)
        url = f"/ansokan/{app.public_ref}/hushall/ny"
        resp = client.post(
            url,
            data={"role": "child", "first_name": "Omar", "personnummer": _pnr(date(2000, 1, 1))},
        )
        assert "Barn som har fyllt 21 år räknas som vuxna" in resp.get_data(as_text=True)
        resp = client.post(
            url,
            data={
                "role": "other_adult",
                "first_name": "Liv",
                "personnummer": _pnr(date(2015, 1, 1)),
            },
        )
        assert "Personen är under 18 år" in resp.get_data(as_text=True)

    def test_flags_only_apply_in_their_age_band(self, client, world, alma):
        app = _start(client)
        client.post(
            f"/ansokan/{app.public_ref}/hushall/ny",
            data={
                "role": "child",
                "first_name": "Nils",
                "personnummer": _pnr(date(2012, 6, 1)),
                "at_school": "y",
                "lunch_at_preschool": "y",
            },
        )
        member = world.person_a.household.members[0]
        assert member.at_school is False and member.lunch_at_preschool is False

    def test_another_households_member_cannot_be_changed(self, client, world, alma):
        other = HouseholdMember(role=MemberRole.CHILD, first_name="X", birth_date=date(2015, 1, 1))
        world.person_b.household.members.append(other)
        db.session.commit()
        app = _start(client)
        assert client.get(f"/ansokan/{app.public_ref}/hushall/{other.id}").status_code == 404
        assert (
            client.post(f"/ansokan/{app.public_ref}/hushall/{other.id}/ta-bort").status_code == 404
        )


class TestReviewAndSubmit:
    def test_incomplete_application_cannot_be_submitted(self, client, alma):
        app = _start(client)
        resp = client.post(f"/ansokan/{app.public_ref}/granska")
        page = resp.get_data(as_text=True)
        assert resp.status_code == 400
        assert "Ansökan är inte klar" in page
        assert f"/ansokan/{app.public_ref}/inkomster?granska=1" in page
        db.session.expire_all()
        assert app.state == ApplicationState.DRAFT and app.submitted_at is None

    def test_declaration_is_required(self, client, alma):
        app = _start(client)
        resp = client.post(f"/ansokan/{app.public_ref}/intyga", data={})
        assert resp.status_code == 400
        assert "Kryssa i rutan för att intyga att uppgifterna stämmer." in resp.get_data(
            as_text=True
        )

    def test_review_shows_the_estimate_and_that_the_caseworker_decides(
        self, client, norm2019, alma
    ):
        app = _start(client)
        _fill_all(client, app)
        page = client.get(f"/ansokan/{app.public_ref}/granska").get_data(as_text=True)
        # single adult 3 090 + common 990 + rent 6 500 − child allowance 1 250 = 9 330
        assert "9\u00a0330 kr" in page or "9 330 kr" in page
        assert "Det är din handläggare som beslutar" in page
        assert "Exempelsiffror" not in page

    def test_an_example_norm_is_marked_clearly(self, client, world, alma):
        pf.norm_year(2026, status=NormStatus.EXAMPLE)
        world.municipality.settings.norm_year = 2026
        db.session.commit()
        app = _start(client)
        _fill_all(client, app)
        page = client.get(f"/ansokan/{app.public_ref}/granska").get_data(as_text=True)
        assert "Exempelsiffror" in page and "inte Socialstyrelsens riktiga belopp" in page

    def test_no_norm_table_gives_no_figure_but_submission_still_works(self, client, alma):
        app = _start(client)
        _fill_all(client, app)
        page = client.get(f"/ansokan/{app.public_ref}/granska").get_data(as_text=True)
        assert "normen för 2026 inte finns i systemet" in page
        assert client.post(f"/ansokan/{app.public_ref}/granska").status_code == 302
        assert app.estimate_sek is None

    def test_submit_sets_state_times_estimate_and_household_snapshot(
        self, client, world, norm2019, alma
    ):
        app = _start(client)
        client.post(
            f"/ansokan/{app.public_ref}/hushall/ny",
            data={"role": "child", "first_name": "Sara", "personnummer": _pnr(date(2018, 4, 2))},
        )
        _fill_all(client, app)
        resp = client.post(f"/ansokan/{app.public_ref}/granska")
        assert resp.status_code == 302
        assert resp.location.endswith(f"/ansokan/{app.public_ref}")
        db.session.expire_all()
        assert app.state == ApplicationState.SUBMITTED
        assert app.submitted_at is not None and app.declaration_at == app.submitted_at
        # single adult 3 090 + child aged 7 on 1 March (band 7–10) 2 990 + common for two 1 100
        assert app.estimate_sek == 3090 + 2990 + 1100 + 6500 - 1250
        assert app.answers["household"][0]["first_name"] == "Sara"
        page = client.get(f"/ansokan/{app.public_ref}").get_data(as_text=True)
        assert "Skickad" in page and "Vad händer nu?" in page

    def test_a_submitted_application_can_no_longer_be_changed(self, client, alma):
        app = _start(client)
        _fill_all(client, app)
        client.post(f"/ansokan/{app.public_ref}/granska")
        resp = client.post(f"/ansokan/{app.public_ref}/inkomster", data={"salary": "99"})
        assert resp.status_code == 302 and resp.location.endswith(f"/ansokan/{app.public_ref}")
        assert all(i.kind != "salary" for i in app.items)
        resp = client.post(f"/ansokan/{app.public_ref}/granska")
        assert resp.status_code == 302

    def test_change_links_from_the_review_come_back_to_it(self, client, alma):
        app = _start(client)
        _fill_all(client, app)
        resp = client.post(f"/ansokan/{app.public_ref}/inkomster?granska=1", data={"salary": "100"})
        assert resp.location.endswith(f"/ansokan/{app.public_ref}/granska")


class TestStates:
    def test_allowed_transitions(self, world, app):
        application = pf.application(world.person_a)
        applications.transition(application, ApplicationState.SUBMITTED)
        assert application.submitted_at is not None
        applications.transition(application, ApplicationState.IN_REVIEW)
        applications.transition(application, ApplicationState.DECIDED)
        with pytest.raises(DomainError) as err:
            applications.transition(application, ApplicationState.DRAFT)
        assert err.value.code == "bad_transition"

    @pytest.mark.parametrize(
        ("start", "target"),
        [
            (ApplicationState.DRAFT, ApplicationState.DECIDED),
            (ApplicationState.DRAFT, ApplicationState.IN_REVIEW),
            (ApplicationState.SUBMITTED, ApplicationState.DRAFT),
            (ApplicationState.WITHDRAWN, ApplicationState.SUBMITTED),
            (ApplicationState.DECIDED, ApplicationState.WITHDRAWN),
        ],
    )
    def test_refused_transitions(self, world, app, start, target):
        application = pf.application(world.person_a, state=start)
        with pytest.raises(DomainError):
            applications.transition(application, target)
        assert application.state == start

    def test_submit_refuses_a_draft_with_missing_steps(self, world, app):
        application = pf.application(world.person_a)
        with pytest.raises(DomainError) as err:
            applications.submit(application, world.person_a)
        assert err.value.code == "incomplete"


class TestAccess:
    def test_another_applicant_gets_404_on_every_page(self, client, world, login, now):
        other = pf.application(world.person_b, items=[("cost", "rent", 5000)])
        db.session.commit()
        login(world.person_a)
        ref = other.public_ref
        paths = ("", "/hushall", "/hushall/ny", "/inkomster", "/kostnader", "/tillgangar")
        for path in (*paths, "/bilagor", "/intyga", "/granska"):
            assert client.get(f"/ansokan/{ref}{path}").status_code == 404, path
        assert client.post(f"/ansokan/{ref}/inkomster", data={"salary": "1"}).status_code == 404
        assert client.post(f"/ansokan/{ref}/granska").status_code == 404
        assert other.items[0].amount_sek == 5000

    def test_staff_are_refused(self, client, world, login, now):
        app = pf.application(world.person_a)
        db.session.commit()
        login(world.caseworker)
        urls = ("/start", "/ansokan", "/ansokan/ny", f"/ansokan/{app.public_ref}", "/plan")
        for url in (*urls, "/narvaro", "/franvaro", "/mina-uppgifter", "/franvaro/ny"):
            assert client.get(url).status_code == 403, url

    def test_signed_out_visitors_are_sent_to_sign_in(self, client, world):
        resp = client.get("/ansokan")
        assert resp.status_code == 302 and "/auth/" in resp.location


def test_a_second_draft_for_the_same_month_is_refused_not_a_server_error(world, app, monkeypatch):
    pf.application(world.person_a, "2026-03")
    db.session.commit()
    # As if a second tab had checked the open months before the first one saved.
    monkeypatch.setattr(applications, "open_months", lambda person, today: ["2026-03"])
    with pytest.raises(DomainError) as err:
        applications.start_application(world.person_a, "2026-03", today=date(2026, 3, 10))
    assert err.value.code == "month_not_open"
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Application)) == 1
