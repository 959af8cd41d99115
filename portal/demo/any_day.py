"""Demo any day: a drop-in session that runs whenever the demo is loaded, with demo people
enrolled, and a scanner enrolled with a published token, so a scan can be tried on any day
and at any hour."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, time

import sqlalchemy as sa

from portal.extensions import db
from portal.i18n import STOCKHOLM
from portal.models import (
    Activity,
    ActivitySession,
    ActivityType,
    Device,
    Enrolment,
    Person,
    PlanVersion,
)
from portal.refs import new_ref

#: The token of the demo's enrolled scanner at Centrumhuset (printed by `flask demo logins`).
DEMO_DEVICE_TOKEN = "demo-skanner-centrumhuset-2026"  # noqa: S105 - published, dev only
#: The activity whose session runs whenever the demo is loaded, so a scan can be tried any day.
DEMO_OPEN_ACTIVITY = "Öppen verkstad (demo)"
#: How many demo people are enrolled in it.
DEMO_OPEN_ENROLLED = 6


class _AnyDay:
    """The session running at the moment of loading (part of the builder)."""

    def _session_running_now(self) -> None:
        """A drop-in session at Centrumhuset running at the moment of loading, whatever the
        weekday and hour, with demo people enrolled, so a newcomer can scan at once. On a
        weekend or holiday it is scanned like any other; reconciliation never counts it."""
        now = datetime.now(STOCKHOLM)
        if now.date() != self.today:
            now = datetime.combine(self.today, time(10, 0), tzinfo=STOCKHOLM)
        start = time(max(now.hour - 1, 0), 0)
        end = time(min(now.hour + 3, 23), 59)
        activity = Activity(
            public_ref=new_ref(),
            site=self.sites[0],
            name=DEMO_OPEN_ACTIVITY,
            type=ActivityType.OTHER,
            capacity=None,
            from_date=self.today,
            what_to_bring="",
            description="Ett pass som pågår när demodatan laddas, så att skanning kan provas "
            "vilken dag och tid som helst.",
            open_on_holidays=True,
        )
        activity.sessions = [
            ActivitySession(
                weekday=self.today.isoweekday(),
                start_time=start,
                end_time=end,
                valid_from=self.today,
            )
        ]
        db.session.add(activity)
        people = db.session.scalars(
            sa.select(Person)
            .join(PlanVersion, PlanVersion.person_id == Person.id)
            .where(Person.municipality_id == self.municipality.id)
            .order_by(Person.id)
            .limit(DEMO_OPEN_ENROLLED)
        ).all()
        for person in people:
            db.session.add(Enrolment(person_id=person.id, activity=activity, from_date=self.today))
        db.session.flush()


def running_demo_session(now: datetime | None = None) -> tuple[Activity, ActivitySession] | None:
    """The demo's drop-in session if it runs at ``now`` (Europe/Stockholm), else None."""
    now = (now or datetime.now(UTC)).astimezone(STOCKHOLM)
    row = db.session.execute(
        sa.select(Activity, ActivitySession)
        .join(ActivitySession, ActivitySession.activity_id == Activity.id)
        .where(
            Activity.name == DEMO_OPEN_ACTIVITY,
            ActivitySession.weekday == now.isoweekday(),
            ActivitySession.start_time <= now.time(),
            ActivitySession.end_time > now.time(),
            ActivitySession.valid_from <= now.date(),
        )
    ).first()
    return (row[0], row[1]) if row else None


def demo_device() -> Device | None:
    """The demo's enrolled scanner (the one whose token is DEMO_DEVICE_TOKEN), if loaded."""
    token_hash = hashlib.sha256(DEMO_DEVICE_TOKEN.encode("utf-8")).hexdigest()
    return db.session.scalar(
        sa.select(Device).where(Device.token_hash == token_hash, Device.revoked_at.is_(None))
    )
