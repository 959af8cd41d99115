"""Signing keys, personal cards, site devices and the append-only attendance event log."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, UtcDateTime, str_enum, utcnow
from portal.models.enums import EventKind, EventSource, EventStatus


class SigningKey(Base):
    """An Ed25519 key pair for personal codes; devices get only the public half."""

    __tablename__ = "signing_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_id: Mapped[str] = mapped_column(sa.String(16), unique=True)
    public_key: Mapped[str] = mapped_column(sa.String(64))
    #: Raw private key, encrypted with a key derived from SECRET_KEY.
    private_key_encrypted: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    #: Retired keys still verify old cards until expiry but sign nothing new.
    retired_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: A revoked (compromised) key verifies nothing: its codes are refused everywhere.
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: Why the key was revoked, as the administrator wrote it.
    revoked_reason: Mapped[str | None] = mapped_column(sa.String(200))


class PersonalCard(Base):
    """A serial of a person's personal code; replacing a card revokes the old serial."""

    __tablename__ = "personal_card"
    __table_args__ = (sa.UniqueConstraint("person_id", "serial"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    serial: Mapped[int]
    key_id: Mapped[str] = mapped_column(sa.String(16))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_reason: Mapped[str] = mapped_column(sa.String(200), default="")


class Device(Base):
    """A scanner or kiosk enrolled at one site; it authenticates with a revocable token."""

    __tablename__ = "device"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_ref: Mapped[str] = mapped_column(sa.String(24), unique=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    #: SHA-256 of the device token; the token itself is shown once.
    token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    enrolled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_seen_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_seq: Mapped[int | None] = mapped_column(sa.BigInteger)

    site: Mapped["Site"] = relationship()  # noqa: F821, UP037


class DeviceEnrolmentCode(Base):
    """A one-time code an administrator issues; a device exchanges it for its token."""

    __tablename__ = "device_enrolment_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(sa.ForeignKey("device.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class AttendanceEvent(Base):
    """One row of the append-only attendance log (checkin.md). Never updated or deleted.

    A correction or annulment is a new row naming the row it supersedes. Rejected scans are
    kept too, with their reason, so staff can see why someone was refused.
    """

    __tablename__ = "attendance_event"
    __table_args__ = (
        sa.UniqueConstraint("event_id"),
        sa.Index("ix_attendance_event_person_occurred", "person_id", "occurred_at"),
        sa.Index("ix_attendance_event_site_occurred", "site_id", "occurred_at"),
        sa.Index("ix_attendance_event_device_occurred", "device_id", "occurred_at"),
        sa.CheckConstraint(
            "kind NOT IN ('annul', 'correction') OR supersedes_id IS NOT NULL", "supersedes"
        ),
    )

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    )
    #: Client-generated UUID: the idempotency key of scans and sync.
    event_id: Mapped[str] = mapped_column(sa.String(36))
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))
    site_id: Mapped[int | None] = mapped_column(sa.ForeignKey("site.id"))
    activity_id: Mapped[int | None] = mapped_column(sa.ForeignKey("activity.id"))
    session_id: Mapped[int | None] = mapped_column(sa.ForeignKey("activity_session.id"))
    device_id: Mapped[int | None] = mapped_column(sa.ForeignKey("device.id"))
    kind: Mapped[EventKind] = mapped_column(str_enum(EventKind, "event_kind"))
    source: Mapped[EventSource] = mapped_column(str_enum(EventSource, "event_source"))
    #: When it happened, from the device (UTC).
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    #: When the server received it (UTC).
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    offline: Mapped[bool] = mapped_column(default=False)
    device_seq: Mapped[int | None] = mapped_column(sa.BigInteger)
    status: Mapped[EventStatus] = mapped_column(str_enum(EventStatus, "event_status"))
    #: Stable code of why it was flagged or rejected (e.g. revoked_card).
    reason: Mapped[str | None] = mapped_column(sa.String(40))
    #: For annul/correction: the row this one supersedes.
    supersedes_id: Mapped[int | None] = mapped_column(sa.ForeignKey("attendance_event.id"))
    actor_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    #: Why a correction or annulment was made.
    note: Mapped[str] = mapped_column(sa.Text, default="")
    #: SHA-256 of the raw scanned token, for fraud review without keeping the token.
    token_hash: Mapped[str | None] = mapped_column(sa.String(64))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    distance_m: Mapped[int | None]
    #: The device's clock minus the server's when the event arrived, in seconds (fraud review
    #: flags more than five minutes); None when the device did not say.
    clock_skew_s: Mapped[int | None]
