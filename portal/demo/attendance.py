"""The demo's attendance history: scans, late arrivals, missing check-outs and absences
from each plan's start until yesterday, and the reconciliation of the recent months."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from portal.demo.common import add_months
from portal.extensions import db
from portal.i18n import STOCKHOLM
from portal.models import (
    AbsenceDecision,
    AbsenceReason,
    AbsenceReport,
    Activity,
    ActivitySession,
    AttendanceEvent,
    EventKind,
    EventSource,
    EventStatus,
    Person,
    PlanVersion,
    utcnow,
)
from portal.refs import new_ref


class _Attendance:
    """Attendance history and its reconciliation (part of the builder)."""

    def _reconcile_recent_months(self) -> None:
        """Reconcile last month and this month up to yesterday, as the nightly run would, so
        dashboards, the shortfalls and the settings page's what-if have figures at once."""
        from portal.compliance.reconcile import reconcile

        db.session.flush()
        last_month = add_months(self.this_month, -1)
        periods = [(last_month, self.this_month - timedelta(days=1))]
        if self.today > self.this_month:
            periods.append((self.this_month, add_months(self.this_month, 1) - timedelta(days=1)))
        for start, end in periods:
            reconcile(
                start,
                end,
                municipality_id=self.municipality.id,
                through=self.today - timedelta(days=1),
            )

    def _attendance(
        self, person: Person, plan: PlanVersion, no_show_first_day: bool = False
    ) -> None:
        """Scans from the plan's start until yesterday: mostly on time, some late, a few missing
        check-outs and absences. ``no_show_first_day`` makes this month's first session an
        unreported absence (an unexcused shortfall)."""
        rng = self.rng
        day = plan.valid_from
        forced = False
        while day < self.today:
            if day.weekday() < 5 and day not in self.holidays:
                for item in plan.items:
                    for session in item.activity.sessions:
                        if session.weekday != day.isoweekday():
                            continue
                        if item.session_ids and session.id not in item.session_ids:
                            continue
                        roll = rng.random()
                        if no_show_first_day and not forced and day >= self.this_month:
                            forced = True
                            continue
                        self._visit(person, item.activity, session, day, roll)
            day += timedelta(days=1)

    def _visit(
        self, person: Person, activity: Activity, session: ActivitySession, day: date, roll: float
    ) -> None:
        rng = self.rng
        device = self.devices[activity.site_id]
        start = datetime.combine(day, session.start_time, tzinfo=STOCKHOLM)
        end = datetime.combine(day, session.end_time, tzinfo=STOCKHOLM)
        if roll < 0.06:  # absent; most report it
            if rng.random() < 0.75:
                decision = rng.choice(
                    [
                        AbsenceDecision.APPROVED,
                        AbsenceDecision.APPROVED,
                        AbsenceDecision.PENDING,
                        AbsenceDecision.REJECTED,
                    ]
                )
                db.session.add(
                    AbsenceReport(
                        public_ref=new_ref(),
                        person_id=person.id,
                        from_at=start.astimezone(UTC),
                        to_at=end.astimezone(UTC),
                        reason=rng.choice(
                            [
                                AbsenceReason.SICK,
                                AbsenceReason.CHILD_SICK,
                                AbsenceReason.MEDICAL,
                                AbsenceReason.JOB_INTERVIEW,
                            ]
                        ),
                        description="Anmäld via portalen.",
                        decision=decision,
                        decided_by_id=person.caseworker_id
                        if decision != AbsenceDecision.PENDING
                        else None,
                        decided_at=utcnow() if decision != AbsenceDecision.PENDING else None,
                        decision_note=""
                        if decision == AbsenceDecision.PENDING
                        else (
                            "Godtagbart skäl."
                            if decision == AbsenceDecision.APPROVED
                            else "Inte godtagbart skäl: anmäld i efterhand utan förklaring."
                        ),
                    )
                )
            return
        late = rng.randint(10, 45) if roll < 0.14 else -rng.randint(0, 8)
        checkin = start + timedelta(minutes=late, seconds=rng.randint(0, 59))
        self._event(person, activity, session, device, EventKind.IN, checkin)
        if roll < 0.18:  # forgot to check out: the session's end closes the visit
            self._event(
                person,
                activity,
                session,
                device,
                EventKind.AUTO_CLOSE,
                end,
                source=EventSource.AUTO,
                status=EventStatus.FLAGGED,
                reason="missing_checkout",
            )
            return
        early = rng.randint(15, 50) if roll > 0.96 else -rng.randint(0, 6)
        self._event(
            person,
            activity,
            session,
            device,
            EventKind.OUT,
            end - timedelta(minutes=early, seconds=rng.randint(0, 59)),
        )

    def _event(
        self,
        person,
        activity,
        session,
        device,
        kind,
        when,
        *,
        source=EventSource.STAFF_SCAN,
        status=EventStatus.ACCEPTED,
        reason=None,
    ) -> None:
        occurred = when.astimezone(UTC)
        db.session.add(
            AttendanceEvent(
                event_id=str(uuid.UUID(int=self.rng.getrandbits(128), version=4)),
                person_id=person.id,
                site_id=activity.site_id,
                activity_id=activity.id,
                session_id=session.id,
                device_id=device.id if source != EventSource.AUTO else None,
                kind=kind,
                source=source,
                occurred_at=occurred,
                received_at=occurred + timedelta(seconds=1),
                status=status,
                reason=reason,
            )
        )
