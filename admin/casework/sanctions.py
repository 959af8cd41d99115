"""Negative decisions on a month's basis: the notice of the intended decision that comes first
(kommunicering, förvaltningslagen 25 §), and recording the decision itself.

A reduction or refusal is recorded only when everything the law and the municipality ask for is
in place, and every missing piece is reported at once (``SanctionRefused.codes``) so the
caseworker sees all of them in one error summary:

- a written individual assessment, and a child impact assessment when the household has children;
- a shortfall in the month's basis from the rules engine;
- assistance granted for the month, and a reduction never larger than what was granted;
- no absence report of the month still waiting for its assessment;
- a notice of the intended decision sent to the person, whose reply period has ended or which
  the person has answered, and which announced this decision or a milder one.

Like every casework service these flush and never commit, and write the audit rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from admin.casework.queue import GRANTING
from admin.casework.services import parse_month, refusal, settings_for, utc_start_of
from admin.casework.support import basis_period, household_has_children, month_basis
from portal import audit
from portal.errors import DomainError
from portal.extensions import db
from portal.i18n import STOCKHOLM, local_today
from portal.models import (
    AbsenceDecision,
    AbsenceReport,
    Decision,
    DecisionNotice,
    Person,
    SanctionDecision,
    SanctionKind,
    StaffUser,
    utcnow,
)
from portal.notices import notify
from portal.refs import new_ref

NEGATIVE = (SanctionKind.REDUCTION, SanctionKind.REFUSAL)
#: Shortest written text accepted where the law asks for an assessment.
MIN_ASSESSMENT_CHARS = 20


class SanctionRefused(DomainError):
    """A decision or notice refused for one or more reasons, each a stable code."""

    def __init__(self, codes: list[str]):
        super().__init__(codes[0])
        self.codes = codes
        self.message = refusal(codes[0]).message


def granted_amount(person: Person, month: str) -> int | None:
    """Kronor granted for the month by the application decision, or None if nothing granted."""
    row = db.session.execute(
        sa.select(Decision.outcome, Decision.amount_sek).where(
            Decision.person_id == person.id, Decision.month == month
        )
    ).first()
    if row is None or row.outcome not in GRANTING:
        return None
    return row.amount_sek or 0


def unassessed_absences(person: Person, month: str) -> list[AbsenceReport]:
    """Absence reports touching the month that still wait for the caseworker's assessment."""
    from portal.compliance.periods import month_bounds

    first, last = month_bounds(month)
    start, end = utc_start_of(first), utc_start_of(last + timedelta(days=1))
    return list(
        db.session.scalars(
            sa.select(AbsenceReport)
            .where(
                AbsenceReport.person_id == person.id,
                AbsenceReport.decision == AbsenceDecision.PENDING,
                AbsenceReport.from_at < end,
                AbsenceReport.to_at > start,
            )
            .order_by(AbsenceReport.from_at)
        )
    )


def notices_for_month(person: Person, month: str) -> list[DecisionNotice]:
    """Notices of intended decisions sent for the month, newest first."""
    return list(
        db.session.scalars(
            sa.select(DecisionNotice)
            .where(DecisionNotice.person_id == person.id, DecisionNotice.month == month)
            .order_by(DecisionNotice.sent_at.desc(), DecisionNotice.id.desc())
        )
    )


def reply_period_open(notice: DecisionNotice, today: date | None = None) -> bool:
    """The person may still answer: not answered yet and the last day has not passed."""
    return notice.reply is None and (today or local_today()) <= notice.reply_by


@dataclass
class SanctionState:
    """What the decision form shows beside the fields: the notice, the answer, what blocks."""

    granted_sek: int | None
    notice: DecisionNotice | None
    reply_open: bool
    unassessed: list[AbsenceReport]
    has_children: bool


def sanction_state(person: Person, month: str, today: date | None = None) -> SanctionState:
    """The facts the decision form needs for one person and month (reads only)."""
    notices = notices_for_month(person, month)
    notice = notices[0] if notices else None
    return SanctionState(
        granted_sek=granted_amount(person, month),
        notice=notice,
        reply_open=notice is not None and reply_period_open(notice, today),
        unassessed=unassessed_absences(person, month),
        has_children=household_has_children(person),
    )


def _amount_problems(kind: SanctionKind, amount_sek: int | None, granted: int | None) -> list[str]:
    problems = []
    if granted is None:
        problems.append("no_granted_assistance")
    if kind == SanctionKind.REDUCTION:
        if not amount_sek:
            problems.append("reduction_amount_required")
        elif granted is not None and amount_sek > granted:
            problems.append("reduction_over_granted")
    elif amount_sek:
        problems.append("sanction_amount_not_allowed")
    return problems


def sanction_problems(
    person: Person,
    month: str,
    kind: SanctionKind | None,
    amount_sek: int | None,
    individual_assessment: str,
    child_impact_assessment: str,
    today: date | None = None,
) -> list[str]:
    """Every reason a decision cannot be recorded yet, as stable codes (empty: it can)."""
    from portal.compliance.reconcile import evaluate_person

    problems = []
    if len((individual_assessment or "").strip()) < MIN_ASSESSMENT_CHARS:
        problems.append("individual_assessment_required")
    if kind is None:
        return problems
    if kind == SanctionKind.NO_ACTION:
        if amount_sek:
            problems.append("sanction_amount_not_allowed")
        return problems
    state = sanction_state(person, month, today)
    if state.has_children and len((child_impact_assessment or "").strip()) < MIN_ASSESSMENT_CHARS:
        problems.append("child_impact_required")
    problems += _amount_problems(kind, amount_sek, state.granted_sek)
    if evaluate_person(person, *basis_period(month, today)).status != "shortfall":
        problems.append("no_shortfall")
    if state.unassessed:
        problems.append("absence_unassessed")
    notice = state.notice
    if notice is None:
        problems.append("notice_required")
    elif state.reply_open:
        problems.append("reply_period_open")
    elif (
        kind == SanctionKind.REFUSAL
        and notice.kind != SanctionKind.REFUSAL
        or (
            kind == SanctionKind.REDUCTION
            and notice.kind == SanctionKind.REDUCTION
            and (amount_sek or 0) > (notice.amount_sek or 0)
        )
    ):
        problems.append("harsher_than_notice")
    return problems


def record_sanction(
    user: StaffUser,
    person: Person,
    month: str,
    kind: SanctionKind,
    amount_sek: int | None,
    individual_assessment: str,
    child_impact_assessment: str,
    now: datetime | None = None,
) -> SanctionDecision:
    """Record a caseworker's decision on a month's basis after every check the law asks for.

    Nothing is reduced automatically: this only stores what the caseworker decided. Raises
    SanctionRefused with every failing check, writing nothing, when the decision cannot be made.
    """
    month = parse_month(month)
    moment = now or utcnow()
    today = moment.astimezone(STOCKHOLM).date()
    problems = sanction_problems(
        person, month, kind, amount_sek, individual_assessment, child_impact_assessment, today
    )
    if problems:
        raise SanctionRefused(problems)
    notices = notices_for_month(person, month) if kind in NEGATIVE else []
    row = SanctionDecision(
        public_ref=new_ref(),
        person_id=person.id,
        month=month,
        kind=kind,
        amount_sek=amount_sek if kind == SanctionKind.REDUCTION else None,
        notice_id=notices[0].id if notices else None,
        individual_assessment=individual_assessment.strip(),
        child_impact_assessment=(child_impact_assessment or "").strip() or None,
        decided_by_id=user.id,
        decided_at=moment,
    )
    db.session.add(row)
    db.session.flush()
    audit.record("decide", "sanction_decision", person=person, object_ref=month, why=str(kind))
    if kind in NEGATIVE:
        notify(
            None,
            person,
            "application_decision",
            key=row.public_ref,
            ref=row.public_ref,
            letter_kind="aktivitetskrav",
            month=month,
        )
    return row


def send_notice(
    user: StaffUser,
    person: Person,
    month: str,
    kind: SanctionKind,
    amount_sek: int | None,
    message: str,
    now: datetime | None = None,
) -> DecisionNotice:
    """Send the person a notice of an intended reduction or refusal, with its basis.

    The basis (unexcused minutes, the sessions missed, the declined offers) is kept as it was
    sent. The reply deadline is the municipality's setting. Raises SanctionRefused with every
    reason the notice cannot be sent.
    """
    month = parse_month(month)
    moment = now or utcnow()
    problems = []
    today = moment.astimezone(STOCKHOLM).date()
    if kind not in NEGATIVE:
        problems.append("notice_kind_required")
    if len((message or "").strip()) < MIN_ASSESSMENT_CHARS:
        problems.append("notice_message_required")
    if kind in NEGATIVE:
        problems += _amount_problems(kind, amount_sek, granted_amount(person, month))
    previous = notices_for_month(person, month)
    if previous and reply_period_open(previous[0], today):
        problems.append("notice_already_open")
    basis = month_basis(user, person, month)
    if basis.result.status != "shortfall":
        problems.append("no_shortfall")
    if problems:
        raise SanctionRefused(problems)
    settings = settings_for(person.municipality_id)
    notice = DecisionNotice(
        public_ref=new_ref(),
        person_id=person.id,
        month=month,
        kind=kind,
        amount_sek=amount_sek if kind == SanctionKind.REDUCTION else None,
        basis=_basis_snapshot(basis),
        message=message.strip(),
        reply_by=today + timedelta(days=settings.reply_deadline_days),
        sent_by_id=user.id,
        sent_at=moment,
    )
    db.session.add(notice)
    db.session.flush()
    audit.record("create", "decision_notice", person=person, object_ref=month, why=str(kind))
    notify(
        None,
        person,
        "intended_decision",
        key=notice.public_ref,
        reply_by=notice.reply_by,
        link=f"/beslut/planerat/{notice.public_ref}",
    )
    return notice


def _basis_snapshot(basis) -> dict:
    """The basis as the person reads it: minutes, sessions and offers, with names and dates."""
    result = basis.result
    return {
        "period_from": basis.period_from.isoformat(),
        "period_to": basis.period_to.isoformat(),
        "unexcused_minutes": result.unexcused_minutes,
        "scheduled_minutes": result.scheduled_minutes,
        "attended_minutes": result.attended_minutes,
        "sessions": [
            {
                "day": line.day.isoformat(),
                "activity": line.activity_name,
                "start": line.start.strftime("%H:%M"),
                "end": line.end.strftime("%H:%M"),
                "unexcused_minutes": line.unexcused,
            }
            for line in basis.unexcused
        ],
        "declined": [
            {
                "day": offer.date.isoformat(),
                "activity": basis.activity_names.get(offer.activity_id, ""),
            }
            for offer in basis.declined
            if not offer.acceptable_reason
        ],
    }
