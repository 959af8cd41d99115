"""Demo any day: loaded on a weekend evening, the demo has a session running and an enrolled
scanner whose token `flask demo logins` prints; the dev sign-in page says what people show."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa
import time_machine

from checkin import services as checkin_services
from portal import demo
from portal.demo import any_day
from portal.i18n import STOCKHOLM
from portal.models import Enrolment, EnrolmentStatus

#: Saturday 12 December 2026, 21:40 in Stockholm: no ordinary session runs.
SATURDAY_EVENING = datetime(2026, 12, 12, 21, 40, tzinfo=STOCKHOLM)


def test_loaded_on_a_weekend_evening_a_session_runs_and_a_scanner_is_enrolled(runner, db):
    with time_machine.travel(SATURDAY_EVENING, tick=False):
        assert runner.invoke(args=["demo", "load"]).exit_code == 0
        running = any_day.running_demo_session()
        assert running is not None
        activity, session = running
        assert session.weekday == 6
        assert session.start_time.hour <= 21 < session.end_time.hour + 1
        enrolled = db.session.scalars(
            sa.select(Enrolment).where(
                Enrolment.activity_id == activity.id,
                Enrolment.status == EnrolmentStatus.ENROLLED,
            )
        ).all()
        assert len(enrolled) == any_day.DEMO_OPEN_ENROLLED
        device = checkin_services.authenticate_device(any_day.DEMO_DEVICE_TOKEN)
        assert device.site_id == activity.site_id and device.enrolled_at is not None
        out = runner.invoke(args=["demo", "logins"]).output
    assert any_day.DEMO_DEVICE_TOKEN in out and "checkin.device" in out
    assert "Running now: " + any_day.DEMO_OPEN_ACTIVITY in out


@pytest.mark.parametrize("hour, minute", [(0, 5), (7, 0), (23, 58)])
def test_at_any_hour_the_session_covers_the_moment_of_loading(app, db, hour, minute):
    moment = datetime(2026, 12, 13, hour, minute, tzinfo=STOCKHOLM)  # a Sunday
    with time_machine.travel(moment, tick=False):
        assert demo.load()
        db.session.commit()
        assert any_day.running_demo_session() is not None


def test_the_dev_sign_in_page_says_what_demo_people_show(client, db):
    with time_machine.travel(SATURDAY_EVENING, tick=False):
        demo.load()
        db.session.commit()
        page = client.get("/auth/dev").get_data(as_text=True)
    assert "har en plan att bekräfta" in page
    assert "står i kö till" in page
    assert "tackade nej till ett erbjudande" in page
    assert page.count("är inskriven i ett pass som pågår nu") == any_day.DEMO_OPEN_ENROLLED


def test_on_a_working_day_evening_the_demo_scanner_checks_a_demo_person_in(app, db):
    import uuid

    from portal.models import Person

    monday_evening = datetime(2026, 12, 14, 21, 40, tzinfo=STOCKHOLM)
    with time_machine.travel(monday_evening, tick=False):
        demo.load()
        db.session.commit()
        activity, _session = any_day.running_demo_session()
        enrolment = db.session.scalars(
            sa.select(Enrolment).where(Enrolment.activity_id == activity.id)
        ).first()
        person = db.session.get(Person, enrolment.person_id)
        device = checkin_services.authenticate_device(any_day.DEMO_DEVICE_TOKEN)
        with app.test_request_context():
            code = checkin_services.personal_code(person, printed=True)
            outcome = checkin_services.record_scan(
                device,
                event_id=str(uuid.uuid4()),
                code=code,
                mode="in",
                occurred_at=monday_evening.isoformat(),
            )
    assert outcome.event.activity_id == activity.id and outcome.person.id == person.id


def test_the_demo_is_reconciled_so_the_what_if_and_shortfalls_show_at_once(app, client, db):
    from admin.administration import settings as settings_service
    from portal.models import Municipality
    from portal.services.settings_versions import DATED_FIELDS, settings_in_force

    with time_machine.travel(SATURDAY_EVENING, tick=False):
        demo.load()
        db.session.commit()
        m = db.session.scalar(sa.select(Municipality.id))
        current = settings_in_force(db.session, m, SATURDAY_EVENING.date())
        values = {name: getattr(current, name) for name in DATED_FIELDS}
        values["extra_exemptions"] = []  # activity compensation no longer exempts
        preview = settings_service.what_if(m, values)
        page = client.get("/auth/dev").get_data(as_text=True)
    assert preview.period_from.month == 12 and preview.evaluated_to.day == 11
    assert preview.total.real.people == preview.total.proposed.people >= 55
    assert preview.total.real.by_status["exempt"] > preview.total.proposed.by_status["exempt"]
    assert "har brist i senaste avstämningen" in page
