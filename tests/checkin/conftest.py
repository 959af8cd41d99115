"""Fixtures for check-in: a person enrolled at site A, an enrolled scanner there, frozen time."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

import pytest
import time_machine

from checkin import services
from portal.extensions import db
from portal.i18n import STOCKHOLM
from portal.models import Device, Enrolment, Person

#: Monday 2 March 2026, during activity_a's session (Mondays 09:00–12:00).
MONDAY_0930 = datetime(2026, 3, 2, 9, 30, tzinfo=STOCKHOLM)


def local(text: str) -> datetime:
    """A Stockholm wall-clock time, e.g. local("2026-03-02 09:30")."""
    return datetime.fromisoformat(text).replace(tzinfo=STOCKHOLM)


@dataclass
class Checkin:
    """The check-in world: the shared world plus an enrolment and a scanner at site A."""

    world: object
    person: Person
    device: Device
    token: str

    def code(self, person: Person | None = None, *, printed: bool = True) -> str:
        """A personal code, committed as the request that shows it would (issuing the first
        card writes a row that a scan on its own connection must see, and waits for)."""
        person = db.session.merge(person or self.person)  # also after expunge_all
        code = services.personal_code(person, printed=printed)
        db.session.commit()
        db.session.refresh(person)  # loaded again, for tests that go on to expunge it
        return code

    def scan(self, code: str, mode: str = "in", *, at: datetime | None = None, **kw):
        """Scan through the service (as the API does), returning the outcome."""
        return services.record_scan(
            self.device,
            event_id=kw.pop("event_id", str(uuid.uuid4())),
            code=code,
            mode=mode,
            occurred_at=(at or datetime.now(STOCKHOLM)).isoformat(),
            device_time=kw.pop("device_time", datetime.now(STOCKHOLM).isoformat()),
            **kw,
        )

    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}


def enrol(person: Person, activity, from_date: date = date(2026, 1, 1)) -> Enrolment:
    row = Enrolment(person_id=person.id, activity_id=activity.id, from_date=from_date)
    db.session.add(row)
    db.session.flush()
    return row


def new_device(admin, site, name="Surfplatta") -> tuple[Device, str]:
    device, code = services.create_device(admin, site, name)
    device, token = services.enrol_device(code)
    return device, token


@pytest.fixture
def monday(app):
    """Freeze time at Monday 09:30 Stockholm; ``monday.move_to(...)`` moves it."""
    with time_machine.travel(MONDAY_0930, tick=False) as traveller:
        yield traveller


@pytest.fixture
def request_ctx(app):
    """A request context, for services whose messages are translated (as in a request)."""
    with app.test_request_context():
        yield


@pytest.fixture
def ck(world, monday, request_ctx) -> Checkin:
    """Alma enrolled at activity A (site A, Mondays 09–12) and an enrolled scanner at site A."""
    enrol(world.person_a, world.activity_a)
    device, token = new_device(world.admin, world.site_a)
    db.session.commit()
    return Checkin(world, world.person_a, device, token)
