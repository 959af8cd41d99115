"""Site staff register a missed check-in or check-out for a past day of their own site,
within the municipality's window, with a reason; audited; reconciliation reads it."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from admin.reconciliation import services as reconciliation
from portal.attendance import EventFact, derive_visits
from portal.extensions import db
from portal.models import AttendanceEvent, AuditEntry, EventSource, MunicipalitySettings
from tests.checkin.conftest import local

LAST_MONDAY = date(2026, 2, 23)  # a week before the frozen Monday 2 March


def _url(ck, day=LAST_MONDAY, person=None, session=None):
    return (
        f"/checkin/platser/{ck.world.site_a.public_ref}/efterhand?dag={day.isoformat()}"
        f"&person={(person or ck.person).public_ref}"
        f"&session={session or ck.world.activity_a.sessions[0].id}"
    )


def _events():
    db.session.expire_all()
    return db.session.scalars(sa.select(AttendanceEvent).order_by(AttendanceEvent.id)).all()


def test_a_forgotten_visit_last_week_is_registered_with_times_and_a_reason(client, ck, login):
    login(ck.world.site_staff)
    day_page = client.get(
        f"/checkin/platser/{ck.world.site_a.public_ref}?dag={LAST_MONDAY.isoformat()}"
    )
    assert _url(ck).replace("&", "&amp;") in day_page.get_data(as_text=True)
    form = client.get(_url(ck))
    assert form.status_code == 200 and "Alma" in form.get_data(as_text=True)
    for kind, time in (("in", "09:05"), ("out", "11:55")):
        resp = client.post(
            _url(ck), data={"kind": kind, "time": time, "reason": "Skannern var trasig"}
        )
        assert resp.status_code == 302, resp.get_data(as_text=True)
    events = _events()
    assert [(e.kind, e.source, e.reason, e.note) for e in events] == [
        ("in", EventSource.MANUAL, "afterwards", "Skannern var trasig"),
        ("out", EventSource.MANUAL, "afterwards", "Skannern var trasig"),
    ]
    assert all(e.actor_user_id == ck.world.site_staff.id for e in events)
    [visit] = derive_visits(EventFact.of(e) for e in events)
    assert (visit.in_at, visit.out_at) == (local("2026-02-23 09:05"), local("2026-02-23 11:55"))
    audits = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "register_afterwards")
    ).all()
    assert len(audits) == 2 and audits[0].person_id == ck.person.id
    assert audits[0].why == "Skannern var trasig"
    # Reconciliation reads the day's events like any others.
    period = reconciliation.period_of("2026-02")
    scans = reconciliation.day_scans(db.session.merge(ck.person), period, LAST_MONDAY)
    assert [v.in_at for v, _name in scans.visits] == [local("2026-02-23 09:05")]


def test_outside_the_window_a_wrong_time_or_no_reason_is_refused(client, ck, login):
    login(ck.world.site_staff)
    settings = db.session.get(MunicipalitySettings, ck.world.municipality.id)
    if settings is None:
        settings = MunicipalitySettings(municipality_id=ck.world.municipality.id)
        db.session.add(settings)
    settings.checkin_backdate_days = 3
    db.session.commit()
    data = {"kind": "in", "time": "09:05", "reason": "Skannern var trasig"}
    resp = client.post(_url(ck), data=data)
    assert resp.status_code == 400 and "senaste 3 dagarna" in resp.get_data(as_text=True)
    friday = date(2026, 2, 27)  # no session of activity A on Fridays
    assert client.get(_url(ck, day=friday)).status_code == 404
    thursday_before = date(2026, 2, 26)
    assert client.post(_url(ck, day=thursday_before), data=data).status_code == 404
    settings.checkin_backdate_days = 7
    db.session.commit()
    late = client.post(_url(ck), data={**data, "time": "18:00"})
    assert late.status_code == 400 and "nära passets tid" in late.get_data(as_text=True)
    silent = client.post(_url(ck), data={**data, "reason": ""})
    assert silent.status_code == 400
    today = client.get(_url(ck, day=date(2026, 3, 2)))
    assert today.status_code == 200  # the form shows; saving today is the quick buttons' job
    saved_today = client.post(_url(ck, day=date(2026, 3, 2)), data=data)
    assert saved_today.status_code == 400
    assert _events() == []


def test_only_staff_of_the_site_may_register_afterwards(client, ck, login):
    login(ck.world.caseworker)
    assert client.get(_url(ck)).status_code == 403
    login(ck.world.site_staff)
    other = _url(ck).replace(ck.world.site_a.public_ref, ck.world.site_b.public_ref)
    assert client.get(other).status_code == 404
    assert client.get(_url(ck, person=ck.world.person_b)).status_code == 404
