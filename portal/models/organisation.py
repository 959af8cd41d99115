"""Municipality, its settings and norm tables, caseworker units and staff users."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, UtcDateTime, str_enum, utcnow
from portal.models.enums import MissingCheckoutPolicy, NormStatus, StaffRole


class Municipality(Base):
    """A kommun: the owner of sites, units, settings and people."""

    __tablename__ = "municipality"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Four-digit kommunkod, e.g. "0880" for Kalmar.
    code: Mapped[str] = mapped_column(sa.String(4), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))

    settings: Mapped[MunicipalitySettings] = relationship(back_populates="municipality")
    units: Mapped[list[Unit]] = relationship(back_populates="municipality")


class MunicipalitySettings(Base):
    """The rule book's settings (compliance-rules.md) and service levels of one municipality."""

    __tablename__ = "municipality_settings"
    __table_args__ = (
        sa.CheckConstraint(
            "full_time_hours_per_week > 0 AND full_time_hours_per_week <= 60", "full_time"
        ),
        sa.CheckConstraint("mandatory_after_months >= 0", "mandatory_after"),
        sa.CheckConstraint("pension_age BETWEEN 55 AND 80", "pension_age"),
        sa.CheckConstraint("sla_first_contact_hours > 0 AND sla_plan_hours > 0", "sla_positive"),
        sa.CheckConstraint("shortfall_tolerance_minutes >= 0", "shortfall_tolerance"),
        sa.CheckConstraint("reply_deadline_days BETWEEN 1 AND 60", "reply_deadline"),
        sa.CheckConstraint("checkin_backdate_days BETWEEN 0 AND 31", "checkin_backdate"),
    )

    municipality_id: Mapped[int] = mapped_column(
        sa.ForeignKey("municipality.id", ondelete="CASCADE"), primary_key=True
    )
    full_time_hours_per_week: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2), default=Decimal(40))
    mandatory_after_months: Mapped[int] = mapped_column(default=2)
    pension_age: Mapped[int] = mapped_column(default=67)
    missing_checkout: Mapped[MissingCheckoutPolicy] = mapped_column(
        str_enum(MissingCheckoutPolicy, "missing_checkout"),
        default=MissingCheckoutPolicy.COUNT_TO_SLOT_END,
    )
    #: Status kinds that exempt in addition to the rule book's (Stockholm: activity_compensation).
    extra_exemptions: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    exempt_if_af_activity: Mapped[bool] = mapped_column(default=False)
    #: Unexcused minutes in a period at or under which it is not a shortfall (lateness).
    shortfall_tolerance_minutes: Mapped[int] = mapped_column(default=0, server_default="0")
    #: Days the applicant has to answer a notice of an intended negative decision (FL 25 §).
    reply_deadline_days: Mapped[int] = mapped_column(default=7, server_default="7")
    #: The unit that takes new applicants' cases unless a postcode rule names another.
    intake_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"))
    #: Hours from submission to first contact, and to an individual plan (Stockholm: 48 h).
    sla_first_contact_hours: Mapped[int] = mapped_column(default=48)
    sla_plan_hours: Mapped[int] = mapped_column(default=48)
    #: Year of the norm table used for the applicant's preliminary estimate.
    norm_year: Mapped[int | None]
    #: Days back site staff may register a missing check-in or check-out (0: today only).
    checkin_backdate_days: Mapped[int] = mapped_column(default=7, server_default="7")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    municipality: Mapped[Municipality] = relationship(back_populates="settings")
    intake_unit: Mapped[Unit | None] = relationship()


class NormYear(Base):
    """One calendar year's national norm table, entered and checked by an administrator."""

    __tablename__ = "norm_year"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    #: official = checked against Socialstyrelsen's publication; example = demo figures only.
    status: Mapped[NormStatus] = mapped_column(str_enum(NormStatus, "norm_status"))
    source_note: Mapped[str] = mapped_column(sa.Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    amounts: Mapped[list[NormAmount]] = relationship(
        back_populates="norm_year", cascade="all, delete-orphan"
    )


class NormAmount(Base):
    """One amount (kr/month) of a norm table, e.g. category 'child', key '7-10'."""

    __tablename__ = "norm_amount"
    __table_args__ = (
        sa.UniqueConstraint("year", "category", "key"),
        sa.CheckConstraint("amount_sek >= 0", "amount_non_negative"),
        sa.CheckConstraint(
            "category IN ('child', 'child_no_lunch', 'adult', 'household_common')", "category"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(sa.ForeignKey("norm_year.year", ondelete="CASCADE"))
    #: child, child_no_lunch (keys = age bands), adult (single, couple),
    #: household_common (1..7, extra)
    category: Mapped[str] = mapped_column(sa.String(20))
    key: Mapped[str] = mapped_column(sa.String(10))
    amount_sek: Mapped[int]

    norm_year: Mapped[NormYear] = relationship(back_populates="amounts")


class Unit(Base):
    """A caseworker unit (e.g. a district's försörjningsstöd unit); cases belong to one."""

    __tablename__ = "unit"
    __table_args__ = (sa.UniqueConstraint("municipality_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"))
    name: Mapped[str] = mapped_column(sa.String(100))

    municipality: Mapped[Municipality] = relationship(back_populates="units")


class IntakeRule(Base):
    """Applicants whose postcode starts with a prefix go to a unit's intake queue."""

    __tablename__ = "intake_rule"
    __table_args__ = (
        sa.UniqueConstraint("municipality_id", "postcode_prefix"),
        sa.CheckConstraint("length(postcode_prefix) BETWEEN 1 AND 5", "postcode_prefix"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"))
    #: Leading digits of a Swedish postcode without the space, e.g. "392" or "39234".
    postcode_prefix: Mapped[str] = mapped_column(sa.String(5))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id", ondelete="CASCADE"))

    unit: Mapped[Unit] = relationship()


user_site = sa.Table(
    "user_site",
    Base.metadata,
    sa.Column("user_id", sa.ForeignKey("staff_user.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("site_id", sa.ForeignKey("site.id", ondelete="CASCADE"), primary_key=True),
)


class StaffUser(UserMixin, Base):
    """A member of staff: signs in with e-mail, password and a TOTP second factor."""

    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"))
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[StaffRole] = mapped_column(str_enum(StaffRole, "staff_role"))
    #: Caseworkers see the cases of their unit only.
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"))
    #: argon2id hash (argon2-cffi); never the password.
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    #: Base32 TOTP secret; set at enrolment, confirmed when totp_confirmed_at is set.
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: The last accepted TOTP time step, so a code cannot be used twice.
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: Raised to end every session of the user at once (deactivation, second-factor reset);
    #: a session signed in under an older number is no longer accepted.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")

    unit: Mapped[Unit | None] = relationship()
    sites: Mapped[list[Site]] = relationship(secondary=user_site)  # noqa: F821

    is_staff = True

    def get_id(self) -> str:
        return f"s:{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.active


class SettingsVersion(Base):
    """The municipality's dated settings: in force from ``effective_from`` until the next version.

    Never updated: a change is a new row, so the history shows who changed what, when and from
    which day, and a past month is reconciled under the rules that applied then. Before the
    first version the row in ``municipality_settings`` holds.
    """

    __tablename__ = "settings_version"
    __table_args__ = (
        sa.CheckConstraint(
            "full_time_hours_per_week > 0 AND full_time_hours_per_week <= 60", "full_time"
        ),
        sa.CheckConstraint("mandatory_after_months >= 0", "mandatory_after"),
        sa.CheckConstraint("pension_age BETWEEN 55 AND 80", "pension_age"),
        sa.CheckConstraint("sla_first_contact_hours > 0 AND sla_plan_hours > 0", "sla_positive"),
        sa.CheckConstraint("shortfall_tolerance_minutes >= 0", "shortfall_tolerance"),
        sa.CheckConstraint("reply_deadline_days BETWEEN 1 AND 60", "reply_deadline"),
        sa.Index("ix_settings_version_in_force", "municipality_id", "effective_from"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        sa.ForeignKey("municipality.id", ondelete="CASCADE")
    )
    #: The first day (Europe/Stockholm) the version applies to.
    effective_from: Mapped[date] = mapped_column(sa.Date)
    full_time_hours_per_week: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2))
    mandatory_after_months: Mapped[int]
    pension_age: Mapped[int]
    missing_checkout: Mapped[MissingCheckoutPolicy] = mapped_column(
        str_enum(MissingCheckoutPolicy, "missing_checkout")
    )
    #: Status kinds that exempt in addition to the rule book's.
    extra_exemptions: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    exempt_if_af_activity: Mapped[bool]
    #: Unexcused minutes in a period at or under which it is not a shortfall.
    shortfall_tolerance_minutes: Mapped[int]
    #: Days to answer a notice of an intended negative decision.
    reply_deadline_days: Mapped[int]
    #: Hours from submission to first contact, and to an individual plan.
    sla_first_contact_hours: Mapped[int]
    sla_plan_hours: Mapped[int]
    #: Why the change was made (the board's decision, a reference), as the administrator wrote it.
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))

    created_by: Mapped[StaffUser | None] = relationship()
