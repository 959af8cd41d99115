"""Negative decisions: the notice of the intended decision comes first (FL 25 §), the person's
reply period is respected, amounts are checked against what was granted, unassessed absences
block, and every missing piece is shown at once."""

from datetime import date

import pytest
import time_machine

from admin.casework import sanctions
from portal.extensions import db
from portal.models import DecisionNotice, SanctionDecision, SanctionKind
from tests.casework import builders as b
from tests.casework.builders import audit_rows, local

NOW = "2026-10-05 12:00"  # September is over; the reply deadline is 7 days on
AFTER_REPLY = "2026-10-13 12:00"
ASSESSMENT = "Personen har uteblivit utan skäl två måndagar och inte hört av sig."
MESSAGE = "Du har inte kommit till språkkursen på måndagar i september utan att ha anmält frånvaro."


def text(resp) -> str:
    return resp.get_data(as_text=True)


@pytest.fixture
def shortfall(world):
    """Alma: mandatory in September with 5 000 kr granted, Mondays of the course missed."""
    person = b.mandatory_in_september(world)
    db.session.commit()
    return person


def notice(world, person, kind=SanctionKind.REDUCTION, amount=800, when=NOW):
    with time_machine.travel(local(when), tick=False):
        row = sanctions.send_notice(world.caseworker, person, "2026-09", kind, amount, MESSAGE)
    db.session.commit()
    return row


def decide(world, person, kind=SanctionKind.REDUCTION, amount=800, when=AFTER_REPLY):
    with time_machine.travel(local(when), tick=False):
        return sanctions.record_sanction(
            world.caseworker, person, "2026-09", kind, amount, ASSESSMENT, ""
        )


def test_a_notice_carries_the_basis_and_the_reply_deadline(world, shortfall):
    row = notice(world, shortfall)
    assert row.reply_by == date(2026, 10, 12)  # the municipality's default of 7 days
    assert row.basis["unexcused_minutes"] > 0
    assert row.basis["sessions"][0]["activity"] == world.activity_a.name
    assert row.basis["sessions"][0]["day"].startswith("2026-09-")
    (entry,) = audit_rows(action="create", object_type="decision_notice")
    assert entry.person_id == shortfall.id and entry.why == "reduction"


def test_the_reply_deadline_is_a_setting(world, shortfall):
    from portal.models import MunicipalitySettings

    db.session.get(MunicipalitySettings, shortfall.municipality_id).reply_deadline_days = 14
    db.session.commit()
    assert notice(world, shortfall).reply_by == date(2026, 10, 19)


def test_no_negative_decision_without_a_notice(world, shortfall):
    with pytest.raises(sanctions.SanctionRefused) as refused:
        decide(world, shortfall)
    assert refused.value.codes == ["notice_required"]
    assert db.session.query(SanctionDecision).count() == 0


def test_no_negative_decision_while_the_reply_period_is_open(world, shortfall):
    notice(world, shortfall)
    with pytest.raises(sanctions.SanctionRefused) as refused:
        decide(world, shortfall, when="2026-10-12 23:00")  # the last day to answer
    assert refused.value.codes == ["reply_period_open"]
    row = decide(world, shortfall, when="2026-10-13 08:00")
    assert row.kind == SanctionKind.REDUCTION and row.amount_sek == 800
    assert row.notice_id is not None and row.public_ref


def test_an_answer_ends_the_reply_period(world, shortfall):
    row = notice(world, shortfall)
    row.reply = "Jag var sjuk men glömde anmäla det."
    db.session.commit()
    assert decide(world, shortfall, when="2026-10-06 09:00").notice_id == row.id


def test_no_negative_decision_while_an_absence_report_of_the_month_is_unassessed(world, shortfall):
    notice(world, shortfall)
    b.absence(shortfall, "2026-09-28 09:00", "2026-09-28 12:00")
    db.session.commit()
    with pytest.raises(sanctions.SanctionRefused) as refused:
        decide(world, shortfall)
    assert refused.value.codes == ["absence_unassessed"]


def test_an_absence_in_another_month_does_not_block(world, shortfall):
    notice(world, shortfall)
    b.absence(shortfall, "2026-10-01 09:00", "2026-10-01 12:00")
    db.session.commit()
    assert decide(world, shortfall).kind == SanctionKind.REDUCTION


@pytest.mark.parametrize(
    ("kind", "amount", "codes"),
    [
        (SanctionKind.REDUCTION, 999_999, ["reduction_over_granted"]),
        (SanctionKind.REDUCTION, 5001, ["reduction_over_granted"]),
        (SanctionKind.REDUCTION, None, ["reduction_amount_required"]),
        (SanctionKind.REFUSAL, 500, ["sanction_amount_not_allowed"]),
    ],
)
def test_amounts_are_checked_against_what_was_granted(world, shortfall, kind, amount, codes):
    with (
        time_machine.travel(local(NOW), tick=False),
        pytest.raises(sanctions.SanctionRefused) as refused,
    ):
        sanctions.send_notice(world.caseworker, shortfall, "2026-09", kind, amount, MESSAGE)
    assert refused.value.codes == codes
    notice(world, shortfall, kind=SanctionKind.REFUSAL, amount=None)
    with pytest.raises(sanctions.SanctionRefused) as refused:
        decide(world, shortfall, kind=kind, amount=amount)
    assert refused.value.codes == codes
    assert db.session.query(SanctionDecision).count() == 0


def test_a_reduction_of_the_whole_granted_amount_is_allowed(world, shortfall):
    notice(world, shortfall, amount=5000)
    assert decide(world, shortfall, amount=5000).amount_sek == 5000


def test_a_month_without_granted_assistance_cannot_be_reduced(world):
    person = world.person_a
    with time_machine.travel(local(NOW), tick=False):
        problems = sanctions.sanction_problems(
            person, "2026-09", SanctionKind.REFUSAL, None, ASSESSMENT, ""
        )
    assert "no_granted_assistance" in problems and "no_shortfall" in problems


def test_a_decision_harsher_than_the_notice_needs_a_new_notice(world, shortfall):
    notice(world, shortfall, amount=500)
    with pytest.raises(sanctions.SanctionRefused) as refused:
        decide(world, shortfall, amount=800)
    assert refused.value.codes == ["harsher_than_notice"]
    with pytest.raises(sanctions.SanctionRefused) as refused:
        decide(world, shortfall, kind=SanctionKind.REFUSAL, amount=None)
    assert refused.value.codes == ["harsher_than_notice"]
    assert decide(world, shortfall, amount=400).amount_sek == 400


def test_only_one_open_notice_per_month(world, shortfall):
    notice(world, shortfall)
    with (
        time_machine.travel(local(NOW), tick=False),
        pytest.raises(sanctions.SanctionRefused) as refused,
    ):
        sanctions.send_notice(
            world.caseworker, shortfall, "2026-09", SanctionKind.REFUSAL, None, MESSAGE
        )
    assert refused.value.codes == ["notice_already_open"]


def test_no_notice_without_a_shortfall(world):
    person = world.person_a
    for month in ("2026-07", "2026-08", "2026-09"):
        b.decided(person, month, by=world.caseworker)
    db.session.commit()
    with (
        time_machine.travel(local(NOW), tick=False),
        pytest.raises(sanctions.SanctionRefused) as refused,
    ):
        sanctions.send_notice(
            world.caseworker, person, "2026-09", SanctionKind.REFUSAL, None, MESSAGE
        )
    assert refused.value.codes == ["no_shortfall"]
    assert db.session.query(DecisionNotice).count() == 0


def test_no_action_needs_only_the_assessment(world, shortfall):
    row = decide(world, shortfall, kind=SanctionKind.NO_ACTION, amount=None)
    assert row.kind == SanctionKind.NO_ACTION and row.notice_id is None


def test_the_form_shows_every_error_at_once(client, world, login, shortfall):
    b.absence(shortfall, "2026-09-28 09:00", "2026-09-28 12:00")
    b.child(shortfall, date(2019, 5, 5))
    db.session.commit()
    with time_machine.travel(local(NOW), tick=False):
        login(world.caseworker)
        url = f"/admin/cases/people/{shortfall.public_ref}/support/2026-09/decision"
        resp = client.post(
            url,
            data={"kind": "reduction", "amount_sek": "999999", "individual_assessment": "Kort."},
        )
    page = text(resp)
    assert resp.status_code == 400
    summary = page.split('class="error-summary"')[1].split("</div>")[0]
    for fragment in (
        "En individuell bedömning krävs",
        "barnkonsekvensanalys krävs",
        "större än det beviljade beloppet",
        "inte är bedömda",
        "Skicka först ett meddelande om planerat beslut",
    ):
        assert fragment in summary, fragment
    assert db.session.query(SanctionDecision).count() == 0
    assert audit_rows(action="decide") == []


def test_the_decision_form_shows_the_notice_and_the_answer(client, world, login, shortfall):
    row = notice(world, shortfall)
    row.reply = "Jag var sjuk och har ett läkarintyg."
    db.session.commit()
    with time_machine.travel(local(NOW), tick=False):
        login(world.caseworker)
        page = text(
            client.get(f"/admin/cases/people/{shortfall.public_ref}/support/2026-09/decision")
        )
    assert "Jag var sjuk och har ett läkarintyg." in page
    assert "5 000 kr" in page.replace("\xa0", " ")


def test_sending_a_notice_in_the_browser_form(client, world, login, shortfall):
    with time_machine.travel(local(NOW), tick=False):
        login(world.caseworker)
        url = f"/admin/cases/people/{shortfall.public_ref}/support/2026-09/notice"
        assert "Meddelande om planerat beslut" in text(client.get(url))
        resp = client.post(url, data={"kind": "reduction", "amount_sek": "700", "message": "x"})
        assert resp.status_code == 400 and "Skriv minst 20 tecken" in text(resp)
        resp = client.post(url, data={"kind": "reduction", "amount_sek": "700", "message": MESSAGE})
        assert resp.status_code == 302
    (row,) = db.session.query(DecisionNotice).all()
    assert (row.kind, row.amount_sek, row.message) == (SanctionKind.REDUCTION, 700, MESSAGE)


def test_another_unit_cannot_send_a_notice(client, world, login, shortfall):
    with time_machine.travel(local(NOW), tick=False):
        login(world.caseworker_b)
        url = f"/admin/cases/people/{shortfall.public_ref}/support/2026-09/notice"
        assert client.get(url).status_code == 404
        resp = client.post(url, data={"kind": "reduction", "amount_sek": "700", "message": MESSAGE})
        assert resp.status_code == 404
    assert db.session.query(DecisionNotice).count() == 0
