"""What each demo person shows, in plain words, for the development sign-in page.

Read from the data itself (not from how the demo made it), so a person who acknowledges their
plan stops being listed as having one to acknowledge.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.extensions import db
from portal.i18n import STOCKHOLM
from portal.models import (
    AbsenceReport,
    Activity,
    ActivitySession,
    ComplianceResult,
    DeclinedOffer,
    Enrolment,
    PlanVersion,
)
from portal.models.enums import AbsenceDecision, EnrolmentStatus


def demo_shows(person_ids: list[int], now: datetime | None = None) -> dict[int, list[str]]:
    """Per person: what trying them shows (a plan to acknowledge, a shortfall, a session that
    runs now …), in a fixed number of queries."""
    shows: dict[int, list[str]] = {pid: [] for pid in person_ids}
    if not person_ids:
        return shows
    now = (now or datetime.now(UTC)).astimezone(STOCKHOLM)
    newest = (
        sa.select(PlanVersion.person_id, sa.func.max(PlanVersion.version).label("version"))
        .where(PlanVersion.person_id.in_(person_ids))
        .group_by(PlanVersion.person_id)
        .subquery()
    )
    for (pid,) in db.session.execute(
        sa.select(PlanVersion.person_id)
        .join(
            newest,
            (newest.c.person_id == PlanVersion.person_id)
            & (newest.c.version == PlanVersion.version),
        )
        .where(PlanVersion.acknowledged_at.is_(None))
    ):
        shows[pid].append(_("har en plan att bekräfta"))
    for (pid,) in db.session.execute(
        sa.select(DeclinedOffer.person_id)
        .where(DeclinedOffer.person_id.in_(person_ids), DeclinedOffer.acceptable_reason.is_(False))
        .distinct()
    ):
        shows[pid].append(_("tackade nej till ett erbjudande utan godtagbart skäl"))
    for (pid,) in db.session.execute(
        sa.select(AbsenceReport.person_id)
        .where(
            AbsenceReport.person_id.in_(person_ids),
            AbsenceReport.decision == AbsenceDecision.PENDING,
        )
        .distinct()
    ):
        shows[pid].append(_("har en frånvaroanmälan som väntar på beslut"))
    latest = (
        sa.select(ComplianceResult.person_id, sa.func.max(ComplianceResult.period_from).label("p"))
        .where(ComplianceResult.person_id.in_(person_ids))
        .group_by(ComplianceResult.person_id)
        .subquery()
    )
    for pid, status in db.session.execute(
        sa.select(ComplianceResult.person_id, ComplianceResult.status).join(
            latest,
            (latest.c.person_id == ComplianceResult.person_id)
            & (latest.c.p == ComplianceResult.period_from),
        )
    ):
        if str(status) == "shortfall":
            shows[pid].append(_("har brist i senaste avstämningen"))
    for pid, name in db.session.execute(
        sa.select(Enrolment.person_id, Activity.name)
        .join(Activity, Activity.id == Enrolment.activity_id)
        .where(
            Enrolment.person_id.in_(person_ids),
            Enrolment.status == EnrolmentStatus.WAITING,
        )
    ):
        shows[pid].append(_("står i kö till %(activity)s", activity=name))
    for pid, name, start, end in db.session.execute(
        sa.select(
            Enrolment.person_id, Activity.name, ActivitySession.start_time, ActivitySession.end_time
        )
        .join(Activity, Activity.id == Enrolment.activity_id)
        .join(ActivitySession, ActivitySession.activity_id == Activity.id)
        .where(
            Enrolment.person_id.in_(person_ids),
            Enrolment.status == EnrolmentStatus.ENROLLED,
            ActivitySession.weekday == now.isoweekday(),
            ActivitySession.start_time <= now.time(),
            ActivitySession.end_time > now.time(),
            ActivitySession.valid_from <= now.date(),
            sa.or_(ActivitySession.valid_to.is_(None), ActivitySession.valid_to >= now.date()),
        )
    ):
        shows[pid].append(
            _(
                "är inskriven i ett pass som pågår nu (%(activity)s %(start)s–%(end)s): "
                "visa Min kod och skanna",
                activity=name,
                start=start.strftime("%H:%M"),
                end=end.strftime("%H:%M"),
            )
        )
    return shows
