"""Activity sites, activities of the rule book's six types, recurring sessions and enrolments."""

from __future__ import annotations

from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, UtcDateTime, str_enum, utcnow
from portal.models.enums import ActivityType, EnrolmentStatus


class Site(Base):
    """A place where activities happen and people check in."""

    __tablename__ = "site"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_ref: Mapped[str] = mapped_column(sa.String(24), unique=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"))
    name: Mapped[str] = mapped_column(sa.String(120))
    #: Who runs the site (anordnare): a municipal unit, an association or a company.
    provider: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    postal_code: Mapped[str] = mapped_column(sa.String(10), default="")
    city: Mapped[str] = mapped_column(sa.String(80), default="")
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    opening_hours: Mapped[str] = mapped_column(sa.String(200), default="")
    #: Secret for the rotating self check-in code (HMAC); never shown.
    site_key: Mapped[str] = mapped_column(sa.String(64))
    active: Mapped[bool] = mapped_column(default=True)

    activities: Mapped[list[Activity]] = relationship(back_populates="site")


class Activity(Base):
    """An activity offered at a site, e.g. Swedish for job seekers."""

    __tablename__ = "activity"
    __table_args__ = (
        sa.CheckConstraint("capacity IS NULL OR capacity > 0", "capacity_positive"),
        sa.CheckConstraint("to_date IS NULL OR to_date >= from_date", "dates_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_ref: Mapped[str] = mapped_column(sa.String(24), unique=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    type: Mapped[ActivityType] = mapped_column(str_enum(ActivityType, "activity_type"))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    what_to_bring: Mapped[str] = mapped_column(sa.String(300), default="")
    #: Places; None = no limit.
    capacity: Mapped[int | None]
    from_date: Mapped[date]
    to_date: Mapped[date | None]
    active: Mapped[bool] = mapped_column(default=True)
    #: Runs on public and de-facto holidays too (a drop-in centre); most activities close then.
    open_on_holidays: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    site: Mapped[Site] = relationship(back_populates="activities")
    sessions: Mapped[list[ActivitySession]] = relationship(
        back_populates="activity",
        cascade="all, delete-orphan",
        order_by="(ActivitySession.weekday, ActivitySession.start_time)",
    )


class ActivitySession(Base):
    """A recurring weekly session of an activity (a slot in the rule book)."""

    __tablename__ = "activity_session"
    __table_args__ = (
        sa.CheckConstraint("weekday BETWEEN 1 AND 7", "weekday"),
        sa.CheckConstraint("end_time > start_time", "times_ordered"),
        sa.CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", "dates_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        sa.ForeignKey("activity.id", ondelete="CASCADE"), index=True
    )
    #: ISO weekday, 1 = Monday … 7 = Sunday. A weekend session is scanned like any other but
    #: never counted: hours accrue on working days only (compliance-rules.md §2).
    weekday: Mapped[int]
    start_time: Mapped[time]
    end_time: Mapped[time]
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]

    activity: Mapped[Activity] = relationship(back_populates="sessions")

    @property
    def minutes(self) -> int:
        return (self.end_time.hour * 60 + self.end_time.minute) - (
            self.start_time.hour * 60 + self.start_time.minute
        )


class Enrolment(Base):
    """A person's place (or place in the queue) at an activity."""

    __tablename__ = "enrolment"
    __table_args__ = (
        sa.UniqueConstraint("person_id", "activity_id", "from_date"),
        sa.CheckConstraint("to_date IS NULL OR to_date >= from_date", "dates_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("activity.id"), index=True)
    status: Mapped[EnrolmentStatus] = mapped_column(
        str_enum(EnrolmentStatus, "enrolment_status"), default=EnrolmentStatus.ENROLLED
    )
    from_date: Mapped[date]
    to_date: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    activity: Mapped[Activity] = relationship()
    person: Mapped["Person"] = relationship()  # noqa: F821, UP037
