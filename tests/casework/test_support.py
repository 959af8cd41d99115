"""A7: a month's basis from reconciliation, declined offers and sanction decisions that need
a written individual assessment and, with children in the household, a child impact
assessment. Nothing is reduced automatically."""

from datetime import date

import pytest
import time_machine

from admin.casework import support
from portal.errors import DomainError
from portal.extensions import db
from portal.models import DeclinedOffer, SanctionDecision
from tests.casework import builders as b
from tests.casework.builders import audit_rows, local

NOW = "2026-09-20 12:00"  # a Sunday: the basis runs to Saturday 19 September
ASSESSMENT = "Personen har uteblivit utan skäl två måndagar och inte hört av sig."
CHILD_IMPACT = "Barnet påverkas inte av minskningen eftersom barnets del av normen behålls."


def text(resp) -> str:
    return resp.get_data(as_text=True)


@pytest.fixture
def shortfall(world):
    """Alma: mandatory in September, one Monday attended without check-out, one missed."""
    person = b.mandatory_in_september(world)
    b.scan(person, world.activity_a, "in", "2026-09-07 08:55")  # never checked out
    db.session.commit()
    return person


def test_the_basis_lists_the_sessions_behind_unexcused_hours(client, world, login, shortfall):
    with time_machine.travel(local(NOW), tick=False):
        basis = support.month_basis(world.caseworker, shortfall, "2026-09")
        login(world.caseworker)
        page = text(client.get(f"/admin/cases/people/{shortfall.public_ref}/support?month=2026-09"))
    assert basis.period_to == date(2026, 9, 19)
    assert basis.result.status == "shortfall"
    assert [(line.day, line.unexcused) for line in basis.unexcused] == [(date(2026, 9, 14), 180)]
    assert basis.unexcused[0].activity_name == world.activity_a.name
    assert [line.day for line in basis.missing_checkouts] == [date(2026, 9, 7)]
    assert basis.under_planned
    assert "Brist i deltagandet" in page and world.activity_a.name in page
    assert "mån 14 sep." in page
    assert "Det är kommunens brist och aldrig personens fel." in page
    assert "aldrig ett beslut" in page
    rows = audit_rows(action="read", object_type="decision_support")
    assert {r.object_ref for r in rows} == {"2026-09"} and rows[0].person_id == shortfall.id


def test_a_month_that_has_not_started_has_no_basis(client, world, login):
    db.session.commit()
    with time_machine.travel(local(NOW), tick=False):
        login(world.caseworker)
        ref = world.person_a.public_ref
        assert "Månaden har inte börjat" in text(
            client.get(f"/admin/cases/people/{ref}/support?month=2026-10")
        )
        assert "ÅÅÅÅ-MM" in text(client.get(f"/admin/cases/people/{ref}/support?month=sept"))
        assert client.get(f"/admin/cases/people/{ref}/support/2026-13/decision").status_code == 404


def test_recording_a_declined_offer(client, world, login, shortfall):
    with time_machine.travel(local(NOW), tick=False):
        login(world.caseworker)
        url = f"/admin/cases/people/{shortfall.public_ref}/support/2026-09/declined"
        assert world.activity_a.name in text(client.get(url))
        resp = client.post(
            url,
            data={
                "date": "2026-09-10",
                "activity": str(world.activity_a.id),
                "acceptable_reason": "no",
                "note": "Ville inte.",
            },
        )
        assert resp.status_code == 302
        basis = support.month_basis(world.caseworker, shortfall, "2026-09")
    offer = db.session.query(DeclinedOffer).one()
    assert offer.acceptable_reason is False and offer.activity_id == world.activity_a.id
    assert "declined_offer" in basis.result.flags
    assert audit_rows(action="create", object_type="declined_offer")[0].person_id == shortfall.id


def test_a_declined_offer_may_name_an_activity_outside_the_plan(client, world, login, shortfall):
    # An offer that was declined never became part of the plan (compliance-rules.md).
    from tests import factories

    offered = factories.activity(world.site_b, name="Arbetsträning i parken")
    elsewhere = factories.municipality(code="9998", name="Grannkommun")
    foreign = factories.activity(factories.site(elsewhere), name="Grannens kurs")
    db.session.commit()
    with time_machine.travel(local(NOW), tick=False):
        login(world.caseworker)
        url = f"/admin/cases/people/{shortfall.public_ref}/support/2026-09/declined"
        form = text(client.get(url))
        assert f"Arbetsträning i parken ({world.site_b.name})" in form
        assert "Grannens kurs" not in form

        def decline(activity):
            data = {"date": "2026-09-10", "activity": str(activity.id), "note": "Ville inte."}
            return client.post(url, data={**data, "acceptable_reason": "no"})

        refused = decline(foreign)  # another municipality's: not one it can offer
        assert refused.status_code == 200 and 'href="#activity"' in text(refused)
        with pytest.raises(DomainError) as caught:
            support.record_declined_offer(
                world.caseworker, shortfall, date(2026, 9, 10), foreign.id, False, "x"
            )
        assert caught.value.code == "activity_unknown"
        assert db.session.query(DeclinedOffer).count() == 0
        assert decline(offered).status_code == 302
        basis = support.month_basis(world.caseworker, shortfall, "2026-09")
    [offer] = db.session.query(DeclinedOffer).all()
    assert offer.activity_id == offered.id
    assert basis.result.status == "shortfall" and "declined_offer" in basis.result.flags


def test_nothing_is_reduced_by_looking_at_the_basis(world, shortfall):
    with time_machine.travel(local(NOW), tick=False):
        support.month_basis(world.caseworker, shortfall, "2026-09")
    assert db.session.query(SanctionDecision).count() == 0
