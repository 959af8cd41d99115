"""Assessments, statuses, external occupations, plans, absences, offers and sanctions."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, UtcDateTime, str_enum, utcnow
from portal.models.enums import (
    AbsenceDecision,
    AbsenceReason,
    AssistanceReason,
    ComplianceStatus,
    ExternalKind,
    ExternalSource,
    SanctionKind,
    StatusKind,
)

DATES_ORDERED = "to_date IS NULL OR to_date >= from_date"


class Assessment(Base):
    """A caseworker's assessment of capacity; the newest one valid on a day applies."""

    __tablename__ = "assessment"
    __table_args__ = (
        sa.CheckConstraint("participation_percent BETWEEN 0 AND 100", "participation"),
        sa.CheckConstraint("work_capacity_percent BETWEEN 0 AND 100", "work_capacity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    valid_from: Mapped[date]
    participation_percent: Mapped[int] = mapped_column(default=100)
    work_capacity_percent: Mapped[int] = mapped_column(default=100)
    reason: Mapped[AssistanceReason] = mapped_column(
        str_enum(AssistanceReason, "assistance_reason")
    )
    #: The municipality may require activity before it is mandatory (voluntary requirement).
    requirement_from: Mapped[date | None]
    note: Mapped[str] = mapped_column(sa.Text, default="")
    assessed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    assessed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class PersonStatus(Base):
    """A dated status such as parental leave or full sickness compensation."""

    __tablename__ = "person_status"
    __table_args__ = (sa.CheckConstraint(DATES_ORDERED, "dates_ordered"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    kind: Mapped[StatusKind] = mapped_column(str_enum(StatusKind, "status_kind"))
    from_date: Mapped[date]
    to_date: Mapped[date | None]
    note: Mapped[str] = mapped_column(sa.Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ExternalOccupation(Base):
    """Work, studies or an AF programme outside the municipality's activities."""

    __tablename__ = "external_occupation"
    __table_args__ = (
        sa.CheckConstraint("hours_per_week >= 0 AND hours_per_week <= 80", "hours"),
        sa.CheckConstraint(DATES_ORDERED, "dates_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    kind: Mapped[ExternalKind] = mapped_column(str_enum(ExternalKind, "external_kind"))
    hours_per_week: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2))
    from_date: Mapped[date]
    to_date: Mapped[date | None]
    description: Mapped[str] = mapped_column(sa.String(200), default="")
    source: Mapped[ExternalSource] = mapped_column(
        str_enum(ExternalSource, "external_source"), default=ExternalSource.MANUAL
    )
    #: AF's own reference for an imported row, so a re-import updates instead of duplicating.
    af_reference: Mapped[str | None] = mapped_column(sa.String(64))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class PlanVersion(Base):
    """One version of a person's individual plan; a new version is made for every change."""

    __tablename__ = "plan_version"
    __table_args__ = (
        sa.UniqueConstraint("person_id", "version"),
        sa.CheckConstraint("version >= 1", "version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    version: Mapped[int]
    valid_from: Mapped[date]
    purpose: Mapped[str] = mapped_column(sa.Text)
    follow_up_date: Mapped[date]
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    items: Mapped[list[PlanItem]] = relationship(
        back_populates="plan_version", cascade="all, delete-orphan", order_by="PlanItem.id"
    )


class PlanItem(Base):
    """An activity in a plan version, optionally limited to some of its sessions."""

    __tablename__ = "plan_item"
    __table_args__ = (sa.CheckConstraint(DATES_ORDERED, "dates_ordered"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("plan_version.id", ondelete="CASCADE"), index=True
    )
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("activity.id"))
    #: Session ids of the activity this person attends; empty = every session.
    session_ids: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    from_date: Mapped[date]
    to_date: Mapped[date | None]

    plan_version: Mapped[PlanVersion] = relationship(back_populates="items")
    activity: Mapped["Activity"] = relationship()  # noqa: F821, UP037


class AbsenceReport(Base):
    """An absence reported by the person (before or after), and the caseworker's decision."""

    __tablename__ = "absence_report"
    __table_args__ = (sa.CheckConstraint("to_at > from_at", "times_ordered"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_ref: Mapped[str] = mapped_column(sa.String(24), unique=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    from_at: Mapped[datetime] = mapped_column(UtcDateTime)
    to_at: Mapped[datetime] = mapped_column(UtcDateTime)
    reason: Mapped[AbsenceReason] = mapped_column(str_enum(AbsenceReason, "absence_reason"))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    decision: Mapped[AbsenceDecision] = mapped_column(
        str_enum(AbsenceDecision, "absence_decision"), default=AbsenceDecision.PENDING
    )
    decision_note: Mapped[str] = mapped_column(sa.Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    attachments: Mapped[list["Attachment"]] = relationship()  # noqa: F821, UP037


class DeclinedOffer(Base):
    """An offered activity the person declined; without acceptable reason it is a shortfall."""

    __tablename__ = "declined_offer"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    activity_id: Mapped[int | None] = mapped_column(sa.ForeignKey("activity.id"))
    date: Mapped[date]
    acceptable_reason: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class SanctionDecision(Base):
    """A caseworker's decision on a month's basis; never made automatically."""

    __tablename__ = "sanction_decision"
    __table_args__ = (
        sa.CheckConstraint("length(individual_assessment) >= 20", "individual_assessment"),
        sa.CheckConstraint("amount_sek IS NULL OR amount_sek >= 0", "amount_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Random reference for the applicant's letter URL.
    public_ref: Mapped[str | None] = mapped_column(sa.String(24), unique=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    month: Mapped[str] = mapped_column(sa.String(7))
    kind: Mapped[SanctionKind] = mapped_column(str_enum(SanctionKind, "sanction_kind"))
    amount_sek: Mapped[int | None]
    #: The notice of the intended decision the person could answer (kommunicering, FL 25 §).
    notice_id: Mapped[int | None] = mapped_column(sa.ForeignKey("decision_notice.id"))
    individual_assessment: Mapped[str] = mapped_column(sa.Text)
    #: Required when the household has children (barnkonsekvensanalys).
    child_impact_assessment: Mapped[str | None] = mapped_column(sa.Text)
    decided_by_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_user.id"))
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class DecisionNotice(Base):
    """A notice of an intended negative decision with its basis, sent before deciding.

    Förvaltningslagen 25 §: the person is told what the decision will rest on and may answer
    by ``reply_by``; the answer is part of the case and shown beside the decision form.
    """

    __tablename__ = "decision_notice"
    __table_args__ = (
        sa.CheckConstraint("amount_sek IS NULL OR amount_sek > 0", "amount_positive"),
        sa.CheckConstraint("kind IN ('reduction', 'refusal')", "negative_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_ref: Mapped[str] = mapped_column(sa.String(24), unique=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    #: The month ("YYYY-MM") whose assistance the intended decision concerns.
    month: Mapped[str] = mapped_column(sa.String(7))
    #: reduction or refusal.
    kind: Mapped[SanctionKind] = mapped_column(str_enum(SanctionKind, "sanction_kind"))
    #: The intended reduction in kronor (reductions only).
    amount_sek: Mapped[int | None]
    #: The basis as sent: unexcused minutes, the sessions missed and the declined offers.
    basis: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    #: The caseworker's explanation to the person, in plain language.
    message: Mapped[str] = mapped_column(sa.Text)
    #: Last day (Europe/Stockholm) on which the person may answer.
    reply_by: Mapped[date]
    sent_by_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_user.id"))
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    #: When the person first opened it in the portal.
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reply: Mapped[str | None] = mapped_column(sa.Text)
    replied_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ComplianceResult(Base):
    """A stored reconciliation of one person for one period, read by dashboards."""

    __tablename__ = "compliance_result"
    __table_args__ = (
        sa.UniqueConstraint("person_id", "period_from", "period_to"),
        sa.CheckConstraint("period_to >= period_from", "dates_ordered"),
        sa.CheckConstraint(
            "evaluated_to IS NULL OR (evaluated_to >= period_from AND evaluated_to <= period_to)",
            "evaluated_within",
        ),
        #: Dashboards read one period for a whole unit or municipality at once.
        sa.Index("ix_compliance_result_period", "period_from", "period_to", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    period_from: Mapped[date]
    period_to: Mapped[date]
    #: The last day counted: before period_to while the period is still running (a nightly
    #: run of the current month counts up to yesterday).
    evaluated_to: Mapped[date | None]
    status: Mapped[ComplianceStatus] = mapped_column(
        str_enum(ComplianceStatus, "compliance_status")
    )
    flags: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    #: The engine's contract output (compliance-rules.md §4), weeks included.
    figures: Mapped[dict] = mapped_column(sa.JSON)
    #: Per-day detail for the drill-down.
    days: Mapped[list] = mapped_column(sa.JSON, default=list)
    unexcused_minutes: Mapped[int] = mapped_column(default=0)
    #: The newest change among the inputs when this was computed.
    inputs_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    computed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class AfActionPlan(Base):
    """What Arbetsförmedlingen holds about a person, as last imported (A9).

    AF's planned activities become ExternalOccupation rows (source ``af``); this keeps the rest
    of AF's action plan that the caseworker needs to read when planning.
    """

    __tablename__ = "af_action_plan"
    __table_args__ = (
        sa.CheckConstraint(
            "hours_per_week_needed IS NULL OR "
            "(hours_per_week_needed >= 0 AND hours_per_week_needed <= 80)",
            "hours",
        ),
    )

    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("person.id", ondelete="CASCADE"), primary_key=True
    )
    #: AF's reference of the action plan (handlingsplan).
    af_reference: Mapped[str] = mapped_column(sa.String(64))
    #: The obligations written in the action plan, in AF's words.
    obligations: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    #: Hours a week AF deems the person needs to take part (None = not stated).
    hours_per_week_needed: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))
    #: Why AF plans part time, when it does.
    part_time_reason: Mapped[str] = mapped_column(sa.Text, default="")
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
