"""Demo data for the notices: applicants with chosen, verified channels, and their messages."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Channel, ContactVerification, Person, PlanVersion, utcnow
from portal.notices.contact import normalise_phone
from portal.notices.services import notify

#: Demo people by position: e-mail and SMS, e-mail only, SMS only, only the portal.
_CHOICES = ((True, True), (True, False), (False, True), (False, False))


def choose_channels(municipality_id: int) -> None:
    """Give every demo applicant a choice of channels, verify their example addresses, and
    notify them of plan versions they have not acknowledged yet."""
    people = db.session.scalars(
        sa.select(Person).where(Person.municipality_id == municipality_id).order_by(Person.id)
    ).all()
    now = utcnow()
    for index, person in enumerate(people):
        person.notify_email, person.notify_sms = _CHOICES[index % len(_CHOICES)]
        if person.phone:
            person.phone = normalise_phone(person.phone)
        for channel, address, chosen in (
            (Channel.EMAIL, person.email, person.notify_email),
            (Channel.SMS, person.phone, person.notify_sms),
        ):
            if chosen and address:
                db.session.add(
                    ContactVerification(
                        person_id=person.id,
                        channel=channel,
                        address=address,
                        code_hash="demo-" + "0" * 59,
                        expires_at=now,
                        created_at=now,
                        verified_at=now,
                    )
                )
    db.session.flush()
    unacknowledged = db.session.execute(
        sa.select(PlanVersion, Person)
        .join(Person, PlanVersion.person_id == Person.id)
        .where(Person.municipality_id == municipality_id, PlanVersion.acknowledged_at.is_(None))
        .order_by(PlanVersion.id)
    ).all()
    for version, person in unacknowledged:
        notify(
            None,
            person,
            "plan_to_acknowledge",
            key=str(version.version),
            version=version.version,
            valid_from=version.valid_from,
        )
