"""The append-only audit log of staff access to cases, and the notification outbox."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, UtcDateTime, str_enum, utcnow
from portal.models.enums import Channel, OutboxStatus


class AuditEntry(Base):
    """Who did what to which person's case, when and why. Never updated or deleted."""

    __tablename__ = "audit_entry"
    __table_args__ = (sa.Index("ix_audit_entry_person_at", "person_id", "at"),)

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    )
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    actor_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"), index=True)
    #: The actor's role at the time (roles change; the log must not).
    actor_role: Mapped[str] = mapped_column(sa.String(32))
    #: read, create, update, decide, export, download, …
    action: Mapped[str] = mapped_column(sa.String(32))
    #: What was touched, e.g. application, plan, attendance_event.
    object_type: Mapped[str] = mapped_column(sa.String(40))
    object_ref: Mapped[str | None] = mapped_column(sa.String(40))
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))
    #: Why: the purpose or note given, or the page the access came from.
    why: Mapped[str] = mapped_column(sa.String(300), default="")


class OutboxMessage(Base):
    """A notice waiting to be sent; kept so nothing is lost while a provider is down."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        sa.CheckConstraint("attempts >= 0", "attempts"),
        sa.CheckConstraint("(person_id IS NULL) <> (staff_user_id IS NULL)", "one_addressee"),
        sa.Index("ix_outbox_message_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The applicant it is for; or else ``staff_user_id`` (a service-level reminder to staff).
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"), index=True)
    staff_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"), index=True)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "channel"))
    #: e.g. reminder_tomorrow, missed_checkin, decision, absence_decision, plan_to_acknowledge
    kind: Mapped[str] = mapped_column(sa.String(40))
    recipient: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(200), default="")
    body: Mapped[str] = mapped_column(sa.Text)
    #: Guards against queuing the same notice twice (e.g. "reminder:person:date").
    dedupe_key: Mapped[str] = mapped_column(sa.String(120), unique=True)
    status: Mapped[OutboxStatus] = mapped_column(
        str_enum(OutboxStatus, "outbox_status"), default=OutboxStatus.QUEUED
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_error: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
