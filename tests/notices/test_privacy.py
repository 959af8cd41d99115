"""E-mail and SMS are not secure channels: they never carry a personnummer, an amount, a
decision's reasons, an absence note, a name or any other case content."""

from __future__ import annotations

import re
from datetime import date, timedelta

import sqlalchemy as sa
import time_machine

from admin.casework import absences, applications
from admin.plans import services as plans
from portal.models import Channel, DecisionOutcome, OutboxMessage, StaffUser
from portal.notices import notify
from portal.notices.contact import send_code
from tests.casework import builders as b
from tests.notices.conftest import verified

PERSONNUMMER = re.compile(r"\d{6}[-+]?\d{4}")
REASONS = "Inkomsten från Hemtjänst AB 12 345 kr räcker inte för hyran på Storgatan 5."
NOTE = "Läkarintyg från vårdcentralen Norr visar influensa."


def test_no_email_or_sms_carries_case_content(app, runner, db, world):
    alma = verified(world.person_a, email="alma@example.se", phone="+46701234567")
    b.plan(alma, world.activity_a, valid_from=date(2026, 11, 30))
    application = b.application(alma, "2026-12")
    report = b.absence(alma, "2026-12-02 08:00", "2026-12-02 17:00")
    db.session.commit()
    caseworker = db.session.get(StaffUser, world.caseworker.id)
    with app.test_request_context():
        applications.decide_application(
            caseworker, application.public_ref, DecisionOutcome.PARTLY_APPROVED, 5432, REASONS
        )
        absences.decide_absence(caseworker, report.public_ref, False, NOTE)
        plans.save_plan(
            alma,
            plans.add_item([], world.activity_a, (), alma),
            plans.PlanInput(
                valid_from=date.today(),
                follow_up_date=date.today() + timedelta(days=60),
                purpose="Komma tillbaka efter missbruksbehandling.",
            ),
            actor_id=caseworker.id,
            today=date.today(),
        )
        notify(None, alma, "intended_decision", key="s1", reply_by=date(2026, 12, 14))
        alma.email = "alma.ny@example.se"  # a new address: the code goes out too
        send_code(alma, Channel.EMAIL)
    db.session.commit()
    with time_machine.travel("2026-12-06 16:00:00+01:00", tick=False):
        runner.invoke(args=["notices", "queue"])
    with time_machine.travel("2026-12-07 13:00:00+01:00", tick=False):
        runner.invoke(args=["notices", "queue"])

    rows = list(db.session.scalars(sa.select(OutboxMessage)))
    assert {r.kind for r in rows} >= {
        "application_decision",
        "absence_decision",
        "plan_to_acknowledge",
        "intended_decision",
        "reminder_tomorrow",
        "missed_checkin",
        "verify_code",
    }
    personnummer = alma.identity.personnummer
    forbidden = [
        personnummer,
        personnummer[2:],
        f"{personnummer[2:8]}-{personnummer[8:]}",
        "5432",
        "5 432",
        "12 345",
        "Hemtjänst",
        "Storgatan",
        "vårdcentralen",
        "influensa",
        "missbruk",
        "beviljat",
        "avslag",
        alma.first_name,
        alma.last_name,
        world.activity_a.name,
        world.site_a.name,
        application.public_ref,
        report.public_ref,
    ]
    for row in rows:
        text = f"{row.subject}\n{row.body}"
        assert not PERSONNUMMER.search(text), (row.kind, text)
        for word in forbidden:
            assert word.lower() not in text.lower(), (row.kind, word, text)
        if row.channel == Channel.SMS:
            assert len(row.body) <= 160, (row.kind, len(row.body))
