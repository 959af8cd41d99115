"""A1: the application queue with service-level timers, the application page, first contact,
decisions per month and returning applicants."""

from datetime import date

import time_machine

from admin.casework.queue import application_queue, caseworker_counts
from admin.casework.rules import TimerState
from portal.compliance.reconcile import evaluate_person
from portal.extensions import db
from portal.models import (
    ApplicationState,
    Decision,
    DecisionOutcome,
    MunicipalitySettings,
)
from tests import factories
from tests.casework import builders as b
from tests.casework.builders import audit_rows, local


def text(resp) -> str:
    return resp.get_data(as_text=True)


def test_queue_lists_the_units_submitted_applications_oldest_first_and_audits_each(
    client, world, login
):
    other = factories.person(world.municipality, unit=world.unit_a, first_name="Greta")
    newer = b.application(world.person_a, "2026-09", submitted_at=local("2026-09-02 10:00"))
    older = b.application(other, "2026-09", submitted_at=local("2026-09-01 10:00"))
    b.application(world.person_b, "2026-09")  # another unit
    b.application(
        factories.person(world.municipality, unit=world.unit_a, first_name="Draft"),
        "2026-09",
        state=ApplicationState.DRAFT,
    )
    db.session.commit()
    with time_machine.travel(local("2026-09-02 12:00"), tick=False):
        login(world.caseworker)
        page = text(client.get("/admin/cases/?state=submitted"))
    assert "Bashir" not in page and "Draft" not in page
    assert page.index("Greta") < page.index("Alma")
    rows = audit_rows(action="list", object_type="application")
    assert {r.object_ref for r in rows} == {newer.public_ref, older.public_ref}
    assert {r.actor_user_id for r in rows} == {world.caseworker.id}


def test_overdue_cases_stand_out_in_words_and_come_first(client, world, login):
    late = b.application(world.person_a, "2026-09", submitted_at=local("2026-09-01 08:00"))
    fresh = factories.person(world.municipality, unit=world.unit_a, first_name="Frida")
    b.application(fresh, "2026-09", submitted_at=local("2026-09-03 08:00"))
    db.session.commit()
    with time_machine.travel(local("2026-09-03 09:00"), tick=False):
        login(world.caseworker)
        page = text(client.get("/admin/cases/"))
        overdue = text(client.get("/admin/cases/?state=overdue"))
    assert page.index("Alma") < page.index("Frida")
    assert 'class="is-overdue"' in page and "Försenad" in page
    assert "1 ärenden har passerat tidsgränsen" in page
    assert "Alma" in overdue and "Frida" not in overdue
    with time_machine.travel(local("2026-09-03 09:00"), tick=False):
        queue = application_queue(world.caseworker, "open")
    timers = {r.application.public_ref: r.timers for r in queue.rows}
    assert timers[late.public_ref].first_contact.state == TimerState.OVERDUE
    assert queue.counts["overdue"] == 1 and queue.counts["open"] == 2


def test_timer_shows_the_local_deadline_across_the_spring_clock_change(client, world, login):
    app = b.application(world.person_a, "2026-04", submitted_at=local("2026-03-28 10:00"))
    db.session.commit()
    with time_machine.travel(local("2026-03-30 10:30"), tick=False):
        login(world.caseworker)
        page = text(client.get(f"/admin/cases/applications/{app.public_ref}"))
        assert "Snart försenad" in page and "senast 2026-03-30 11:00" in page
    with time_machine.travel(local("2026-03-30 11:10"), tick=False):
        login(world.caseworker)
        page = text(client.get(f"/admin/cases/applications/{app.public_ref}"))
        assert "Försenad" in page and "10 min efter tidsgränsen 2026-03-30 11:00" in page


def test_service_levels_come_from_the_municipality_settings(world):
    settings = db.session.get(MunicipalitySettings, world.municipality.id)
    settings.sla_first_contact_hours = 24
    app = b.application(world.person_a, "2026-09", submitted_at=local("2026-09-01 10:00"))
    with time_machine.travel(local("2026-09-02 11:00"), tick=False):
        queue = application_queue(world.caseworker, "open")
    (row,) = queue.rows
    assert row.application is app
    assert row.timers.first_contact.state == TimerState.OVERDUE
    assert row.timers.plan.state == TimerState.RUNNING  # still 48 h


def test_plan_timer_new_case_returning_case_and_continuing_case(world):
    cw = world.caseworker
    # A first application: a plan made after submission meets the timer.
    first = b.application(world.person_a, "2026-09", submitted_at=local("2026-09-01 10:00"))
    b.plan(
        world.person_a,
        world.activity_a,
        valid_from=date(2026, 9, 1),
        created_at=local("2026-09-02 09:00"),
    )
    # A continuing case needs no new plan.
    cont = factories.person(world.municipality, unit=world.unit_a)
    b.decided(cont, "2026-08", by=cw)
    cont_app = b.application(cont, "2026-09", submitted_at=local("2026-09-01 10:00"))
    # A returning case: a plan from before the gap does not count.
    back = factories.person(world.municipality, unit=world.unit_a)
    b.decided(back, "2026-03", by=cw)
    b.plan(
        back, world.activity_a, valid_from=date(2026, 3, 1), created_at=local("2026-03-05 09:00")
    )
    back_app = b.application(back, "2026-09", submitted_at=local("2026-09-01 10:00"))
    with time_machine.travel(local("2026-09-05 10:00"), tick=False):
        rows = {r.application.public_ref: r.timers for r in application_queue(cw).rows}
    assert rows[first.public_ref].plan.state == TimerState.MET
    assert rows[first.public_ref].returning is False
    assert rows[cont_app.public_ref].plan.state == TimerState.NOT_APPLICABLE
    assert rows[back_app.public_ref].plan.state == TimerState.OVERDUE
    assert rows[back_app.public_ref].returning is True
    b.plan(
        back, world.activity_a, valid_from=date(2026, 9, 1), created_at=local("2026-09-06 09:00")
    )
    with time_machine.travel(local("2026-09-07 10:00"), tick=False):
        rows = {r.application.public_ref: r.timers for r in application_queue(cw).rows}
    assert rows[back_app.public_ref].plan.state == TimerState.MET_LATE


def test_returning_applicants_are_marked_in_the_queue_and_on_the_case(client, world, login):
    b.decided(world.person_a, "2026-02", by=world.caseworker)
    b.application(world.person_a, "2026-09")
    db.session.commit()
    login(world.caseworker)
    assert "Återkommande" in text(client.get("/admin/cases/"))
    assert "Återkommande" in text(client.get(f"/admin/people/{world.person_a.public_ref}"))


def test_application_page_shows_the_whole_application_and_is_audited(client, world, login):
    b.child(world.person_a, date(2020, 4, 1), name="Liv")
    app = b.application(world.person_a, "2026-09")
    db.session.commit()
    login(world.caseworker)
    page = text(client.get(f"/admin/cases/applications/{app.public_ref}"))
    for expected in (
        "Ansökan för september 2026",
        "Hyra",
        "6400",
        "Barnbidrag",
        "Liv",
        "Hyresrätt med eget kontrakt",
        "Registrera första kontakt",
    ):
        assert expected in page
    (row,) = audit_rows(action="read", object_type="application")
    assert row.person_id == world.person_a.id and row.object_ref == app.public_ref


def test_first_contact_is_recorded_once_and_audited(client, world, login):
    app = b.application(world.person_a, "2026-09")
    db.session.commit()
    login(world.caseworker)
    resp = client.post(f"/admin/cases/applications/{app.public_ref}/first-contact")
    assert resp.status_code == 302
    db.session.refresh(app)
    assert app.first_contact_at is not None and app.state == ApplicationState.IN_REVIEW
    assert audit_rows(action="update", object_type="application")[0].why == "first_contact"
    resp = client.post(
        f"/admin/cases/applications/{app.public_ref}/first-contact", follow_redirects=True
    )
    assert "Första kontakt är redan registrerad." in text(resp)


def test_approving_a_month_writes_a_decision_the_requirement_reads(client, world, login):
    cw = world.caseworker
    b.decided(world.person_a, "2026-07", by=cw)
    b.decided(world.person_a, "2026-08", by=cw)
    app = b.application(world.person_a, "2026-09")
    db.session.commit()
    login(cw)
    before = evaluate_person(world.person_a, date(2026, 9, 1), date(2026, 9, 30))
    assert before.mandatory_days == 0
    resp = client.post(
        f"/admin/cases/applications/{app.public_ref}/decision",
        data={"outcome": "approved", "amount_sek": "6200", "reasons": "Du har rätt till bistånd."},
    )
    assert resp.status_code == 302
    decision = db.session.query(Decision).filter_by(application_id=app.id).one()
    assert decision.outcome == DecisionOutcome.APPROVED and decision.amount_sek == 6200
    assert decision.month == "2026-09" and decision.decided_by_id == cw.id
    db.session.refresh(app)
    assert app.state == ApplicationState.DECIDED and app.first_contact_at is not None
    assert audit_rows(action="decide", object_type="decision")[0].why == "approved"
    after = evaluate_person(world.person_a, date(2026, 9, 1), date(2026, 9, 30))
    assert after.mandatory_days == 30  # the third month in a row: the requirement is mandatory
    page = text(client.get(f"/admin/cases/applications/{app.public_ref}/decision"))
    assert "redan ett beslut" in page and "Spara beslutet" not in page


def test_partly_approving_and_refusing(client, world, login):
    partly = b.application(world.person_a, "2026-09")
    other = factories.person(world.municipality, unit=world.unit_a)
    refused = b.application(other, "2026-09")
    db.session.commit()
    login(world.caseworker)
    client.post(
        f"/admin/cases/applications/{partly.public_ref}/decision",
        data={"outcome": "partly_approved", "amount_sek": "3000", "reasons": "Hyran är för hög."},
    )
    client.post(
        f"/admin/cases/applications/{refused.public_ref}/decision",
        data={"outcome": "refused", "reasons": "Inkomsterna räcker till norm och kostnader."},
    )
    outcomes = {d.application_id: d for d in db.session.query(Decision)}
    assert outcomes[partly.id].outcome == DecisionOutcome.PARTLY_APPROVED
    assert outcomes[refused.id].outcome == DecisionOutcome.REFUSED
    assert outcomes[refused.id].amount_sek is None


def test_decision_form_refuses_bad_input_with_clear_messages_and_writes_nothing(
    client, world, login
):
    app = b.application(world.person_a, "2026-09")
    db.session.commit()
    login(world.caseworker)
    url = f"/admin/cases/applications/{app.public_ref}/decision"
    cases = [
        ({"reasons": "Tillräckligt långa skäl."}, "Välj beslut."),
        ({"outcome": "approved", "reasons": "Tillräckligt långa skäl."}, "Skriv beloppet"),
        (
            {"outcome": "refused", "amount_sek": "100", "reasons": "Tillräckligt långa skäl."},
            "Ett avslag har inget belopp",
        ),
        ({"outcome": "approved", "amount_sek": "100", "reasons": "kort"}, "minst 10 tecken"),
        (
            {"outcome": "approved", "amount_sek": "-5", "reasons": "Tillräckligt långa skäl."},
            "från 0 kronor",
        ),
    ]
    for data, message in cases:
        resp = client.post(url, data=data)
        assert resp.status_code == 200 and message in text(resp), message
    assert db.session.query(Decision).count() == 0
    db.session.refresh(app)
    assert app.state == ApplicationState.SUBMITTED


def test_caseworker_counts_on_the_home_page(client, world, login):
    b.application(world.person_a, "2026-09", submitted_at=local("2026-09-01 08:00"))
    b.absence(world.person_a, "2026-09-07 09:00", "2026-09-07 12:00")
    db.session.commit()
    with time_machine.travel(local("2026-09-05 09:00"), tick=False):
        login(world.caseworker)
        counts = caseworker_counts(world.caseworker)
        page = text(client.get("/admin/"))
    assert counts == {"open": 1, "overdue": 1, "absences": 1}
    assert "försenade ärenden" in page and "frånvaroanmälningar att bedöma" in page


def test_attachment_download_is_audited_and_scoped(client, world, login, app, tmp_path):
    import io

    from werkzeug.datastructures import FileStorage

    from portal.services.attachments import store_upload

    application = b.application(world.person_a, "2026-09")
    upload = FileStorage(io.BytesIO(b"%PDF-1.4 test"), filename="hyra.pdf")
    attachment = store_upload(world.person_a, upload, application=application, document_type="rent")
    db.session.commit()
    login(world.caseworker)
    page = text(client.get(f"/admin/cases/applications/{application.public_ref}"))
    assert "hyra.pdf" in page and "Hyresavi eller hyreskontrakt" in page
    url = f"/admin/cases/applications/{application.public_ref}/attachments/{attachment.public_ref}"
    resp = client.get(url)
    assert resp.status_code == 200 and resp.data == b"%PDF-1.4 test"
    assert resp.headers["Content-Type"] == "application/pdf"
    assert "attachment" in resp.headers["Content-Disposition"]
    resp.close()
    (row,) = audit_rows(action="download", object_type="attachment")
    assert row.object_ref == attachment.public_ref and row.person_id == world.person_a.id
    login(world.caseworker_b)
    assert client.get(url).status_code == 404
    assert (
        client.get(
            f"/admin/cases/applications/{application.public_ref}/attachments/nope"
        ).status_code
        == 404
    )


def test_queue_filters_decided_and_unknown_filter_falls_back(client, world, login):
    b.decided(world.person_a, "2026-08", by=world.caseworker)
    db.session.commit()
    login(world.caseworker)
    assert "Alma" in text(client.get("/admin/cases/?state=decided"))
    assert "Alma" not in text(client.get("/admin/cases/?state=nonsense"))


def test_the_decision_page_shows_the_norm_calculation_the_applicant_saw(client, world, login):
    from tests.portal import factories as pf

    pf.norm_year(2019)
    world.municipality.settings.norm_year = 2019
    app = b.application(world.person_a, "2026-09")
    db.session.commit()
    login(world.caseworker)
    page = text(client.get(f"/admin/cases/applications/{app.public_ref}/decision"))
    assert "Beräkning mot riksnormen" in page
    assert "Normen för hushållet (riksnormen 2019)" in page
    assert "Uppskattat försörjningsstöd" in page
