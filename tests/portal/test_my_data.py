"""My data (P8): everything about me as JSON and PDF, and nothing about anyone else."""

import io
import json
from datetime import date

from werkzeug.datastructures import FileStorage

from portal.extensions import db
from portal.models import (
    AfActionPlan,
    AuditEntry,
    Channel,
    ContactVerification,
    DecisionNotice,
    DeclinedOffer,
    Enrolment,
    HouseholdMember,
    MemberRole,
    OutboxMessage,
    SanctionDecision,
    SanctionKind,
)
from portal.models.base import utcnow
from portal.notices.services import notify
from portal.refs import new_ref
from portal.services import attachments, my_data, my_data_pdf
from tests.portal import factories as pf
from tests.portal.pdftext import pdf_text


def _rich_person(world):
    p = world.person_a
    p.household.members.append(
        HouseholdMember(role=MemberRole.CHILD, first_name="Åsa", birth_date=date(2018, 1, 1))
    )
    app = pf.application(p, "2026-02", items=[("cost", "rent", 6400)])
    attachments.store_upload(
        p, FileStorage(io.BytesIO(pf.PDF_BYTES), "hyra.pdf"), application=app, document_type="rent"
    )
    pf.decision(app, world.caseworker, reasons="Beviljat enligt riksnormen – se beräkning.")
    pf.plan(p, [world.activity_a])
    pf.event(p, world.activity_a, "in", pf.local(date(2026, 3, 9), "09:00"))
    pf.absence(p, pf.local(date(2026, 3, 2), "09:00"), pf.local(date(2026, 3, 2), "12:00"))
    db.session.add(
        DeclinedOffer(person_id=p.id, activity_id=world.activity_a.id, date=date(2026, 2, 2))
    )
    db.session.add(
        SanctionDecision(
            person_id=p.id,
            month="2026-02",
            kind=SanctionKind.NO_ACTION,
            individual_assessment="Ingen åtgärd efter individuell bedömning.",
            decided_by_id=world.caseworker.id,
        )
    )
    db.session.add(
        OutboxMessage(
            person_id=p.id,
            channel=Channel.EMAIL,
            kind="decision",
            recipient="alma@example.se",
            body="Du har fått ett beslut.",
            dedupe_key="decision:a",
        )
    )
    db.session.add(
        AuditEntry(
            actor_user_id=world.caseworker.id,
            actor_role="caseworker",
            action="read",
            object_type="application",
            person_id=p.id,
        )
    )
    db.session.add(
        Enrolment(person_id=p.id, activity_id=world.activity_a.id, from_date=date(2026, 3, 1))
    )
    db.session.add(
        DecisionNotice(
            public_ref=new_ref(),
            person_id=p.id,
            month="2026-02",
            kind=SanctionKind.REDUCTION,
            amount_sek=1500,
            basis={"unexcused_minutes": 600},
            message="Vi tänker sätta ned ditt bistånd för februari.",
            reply_by=date(2026, 3, 20),
            sent_by_id=world.caseworker.id,
            reply="Jag var sjuk, intyg kommer.",
            replied_at=utcnow(),
        )
    )
    notify(None, p, "absence_decision", key="my-data", date="2026-03-02")
    db.session.add(
        ContactVerification(
            person_id=p.id,
            channel=Channel.EMAIL,
            address="alma@example.se",
            code_hash="0" * 64,
            expires_at=utcnow(),
            verified_at=utcnow(),
        )
    )
    db.session.add(
        AfActionPlan(
            person_id=p.id,
            af_reference="AF-123",
            obligations=["Söka sex arbeten i månaden"],
            part_time_reason="",
        )
    )
    # The other person's rows must never appear.
    pf.application(world.person_b, "2026-02", items=[("cost", "rent", 9999)])
    pf.absence(
        world.person_b, pf.local(date(2026, 3, 3), "09:00"), pf.local(date(2026, 3, 3), "10:00")
    )
    db.session.commit()


def test_collect_has_every_section_and_only_my_rows(world, app):
    _rich_person(world)
    data = my_data.collect(world.person_a)
    assert data["person"]["personnummer"] == world.person_a.identity.personnummer
    assert [m["first_name"] for m in data["household_members"]] == ["Åsa"]
    assert [a["month"] for a in data["applications"]] == ["2026-02"]
    assert data["applications"][0]["lines"][0]["amount_sek"] == 6400
    assert data["attachments"][0]["filename"] == "hyra.pdf"
    assert data["attachments"][0]["application_month"] == "2026-02"
    assert data["decisions"][0]["reasons"].startswith("Beviljat")
    assert len(data["plans"]) == 1 and data["plans"][0]["activities"][0]["site"] == "Plats A"
    assert len(data["attendance_events"]) == 1 and len(data["absences"]) == 1
    assert data["declined_offers"][0]["activity"] == world.activity_a.name
    assert data["sanction_decisions"][0]["kind"] == "no_action"
    assert data["notices"][0]["body"] == "Du har fått ett beslut."
    assert data["enrolments"][0]["activity"] == world.activity_a.name
    assert data["enrolments"][0]["site"] == "Plats A"
    notice = data["decision_notices"][0]
    assert notice["kind"] == "reduction" and notice["amount_sek"] == 1500
    assert notice["reply"] == "Jag var sjuk, intyg kommer." and notice["reply_by"] == "2026-03-20"
    assert [m["kind"] for m in data["portal_messages"]] == ["absence_decision"]
    assert data["portal_messages"][0]["params"] == {"date": "2026-03-02"}
    assert data["contact_verifications"] == [
        {
            "channel": "email",
            "address": "alma@example.se",
            "created_at": data["contact_verifications"][0]["created_at"],
            "verified_at": data["contact_verifications"][0]["verified_at"],
        }
    ]
    assert data["af_action_plans"][0]["obligations"] == ["Söka sex arbeten i månaden"]
    assert data["access_log"][0] == {
        "at": data["access_log"][0]["at"],
        "actor_role": "caseworker",
        "action": "read",
        "object_type": "application",
        "why": "",
    }
    for key in (
        "assessments",
        "statuses",
        "external_occupations",
        "compliance_results",
        "personal_cards",
    ):
        assert data[key] == []
    text = json.dumps(data, ensure_ascii=False)
    assert "9999" not in text and world.person_b.identity.personnummer not in text
    # Staff identities are left out.
    assert world.caseworker.email not in text and world.caseworker.name not in text


def test_every_table_with_a_persons_rows_is_read_for_the_export(app, world, db):
    """GDPR art. 15: a new table about a person must reach My data, or this test fails."""
    import re

    import sqlalchemy as sa

    from portal.models import Base

    about_a_person = {t.name for t in Base.metadata.sorted_tables if "person_id" in t.c}
    statements = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    _rich_person(world)
    db.session.expire_all()
    sa.event.listen(db.engine, "before_cursor_execute", seen)
    try:
        my_data.collect(world.person_a)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", seen)
    read = {
        name for statement in statements for name in re.findall(r"(?:FROM|JOIN) (\w+)", statement)
    }
    assert about_a_person - read == set()


def test_json_download(client, world, now, login):
    _rich_person(world)
    login(world.person_a)
    resp = client.get("/mina-uppgifter/mina-uppgifter.json")
    assert resp.status_code == 200
    assert resp.mimetype == "application/json"
    assert "attachment" in resp.headers["Content-Disposition"]
    assert resp.headers["Cache-Control"] == "private, no-store"
    data = json.loads(resp.data)
    assert data["person"]["first_name"] == "Alma"


def test_pdf_download_is_readable_with_swedish_letters(client, world, now, login):
    _rich_person(world)
    login(world.person_a)
    resp = client.get("/mina-uppgifter/mina-uppgifter.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert resp.data.startswith(b"%PDF")
    pdf = my_data_pdf.to_pdf(my_data.collect(world.person_a))
    assert pdf.startswith(b"%PDF") and len(pdf) > 2000


def test_pdf_is_a_readable_document_with_contents_and_labels(app, world):
    _rich_person(world)
    data = my_data.collect(world.person_a)
    text = pdf_text(my_data_pdf.to_pdf(data, "sv"))
    assert "Innehåll" in text
    for heading in ("Om dig", "Ditt hushåll", "Ansökningar", "Registrerad närvaro"):
        assert heading in text
    # The notice before a decision with the applicant's reply, the portal's own messages.
    assert "Underrättelser innan beslut" in text and "Jag var sjuk, intyg kommer." in text
    assert "Din frånvaroanmälan är bedömd" in text and "AF-123" in text
    # Labels, not codes: the child's role, the application's state, the kind of line.
    assert "Barn som bor hemma" in text and "Hyra eller avgift för bostaden" in text
    assert "Ingen åtgärd" in text and "Incheckning" in text
    assert "no_action" not in text and "child" not in text.split()


def test_pdf_for_every_field_of_the_json_has_a_label(app, world):
    _rich_person(world)
    data = my_data.collect(world.person_a)

    def names(record):
        for name, value in record.items():
            yield name
            if isinstance(value, list) and value and isinstance(value[0], dict):
                for item in value:
                    yield from names(item)

    for key in my_data_pdf.SECTION_TITLES:
        for record in data[key] if isinstance(data[key], list) else [data[key]]:
            for name in names(record):
                assert name in my_data_pdf.FIELD_LABELS or name in my_data_pdf.PDF_SKIP, name


def test_arabic_pdf_prints_arabic_words(app, world):
    _rich_person(world)
    data = my_data.collect(world.person_a)
    data["person"]["first_name"] = "علي"
    data["person"]["last_name"] = "حسن"
    text = pdf_text(my_data_pdf.to_pdf(data, "ar"))
    assert "علي" in text and "حسن" in text
    assert "?" * 3 not in text


def test_page_shows_counts_and_links(client, world, now, login):
    _rich_person(world)
    login(world.person_a)
    page = client.get("/mina-uppgifter").get_data(as_text=True)
    assert "Ladda ner som PDF" in page and "Ladda ner som JSON" in page
    assert "/mina-uppgifter/mina-uppgifter.pdf" in page
    for heading in ("Underrättelser innan beslut", "Meddelanden i portalen", "Anmälningar till"):
        assert heading in page  # every kind of data the export holds is counted on the page


def test_english_pdf(client, world, now, login):
    login(world.person_a)
    client.post("/language", data={"lang": "en"})
    resp = client.get("/mina-uppgifter/mina-uppgifter.pdf")
    assert resp.status_code == 200 and resp.data.startswith(b"%PDF")
