"""Applicants, their identity numbers and households."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, UtcDateTime, str_enum, utcnow
from portal.models.enums import Gender, MemberRole


class Household(Base):
    """A household that applies together; members who are not applicants are HouseholdMember."""

    __tablename__ = "household"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    people: Mapped[list[Person]] = relationship(back_populates="household")
    members: Mapped[list[HouseholdMember]] = relationship(
        back_populates="household", cascade="all, delete-orphan", order_by="HouseholdMember.id"
    )

    @property
    def children(self) -> list[HouseholdMember]:
        return [m for m in self.members if m.role == MemberRole.CHILD]


class Person(UserMixin, Base):
    """An applicant. Referred to everywhere (URLs, QR codes, exports) by ``public_ref``."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Random, non-guessable reference; never derived from the personnummer.
    public_ref: Mapped[str] = mapped_column(sa.String(24), unique=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"))
    household_id: Mapped[int | None] = mapped_column(sa.ForeignKey("household.id"))
    #: The caseworker unit that owns the case.
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    caseworker_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    first_name: Mapped[str] = mapped_column(sa.String(100))
    last_name: Mapped[str] = mapped_column(sa.String(100))
    birth_date: Mapped[date]
    gender: Mapped[Gender] = mapped_column(str_enum(Gender, "gender"), default=Gender.UNKNOWN)
    email: Mapped[str | None] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    #: Postcode of the home address (five digits), used to route a new case to a unit.
    postcode: Mapped[str | None] = mapped_column(sa.String(5))
    language: Mapped[str] = mapped_column(sa.String(8), default="sv")
    notify_email: Mapped[bool] = mapped_column(default=True)
    notify_sms: Mapped[bool] = mapped_column(default=False)
    #: Raised when the person signs out: every session signed in before is refused.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    household: Mapped[Household | None] = relationship(back_populates="people")
    identity: Mapped[PersonIdentity] = relationship(
        back_populates="person", uselist=False, cascade="all, delete-orphan"
    )
    unit: Mapped["Unit | None"] = relationship()  # noqa: F821, UP037
    caseworker: Mapped["StaffUser | None"] = relationship()  # noqa: F821, UP037

    is_staff = False

    def get_id(self) -> str:
        return f"a:{self.id}:{self.session_version}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class PersonIdentity(Base):
    """The personnummer, kept apart from the person so it is only loaded where it is needed."""

    __tablename__ = "person_identity"

    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("person.id", ondelete="CASCADE"), primary_key=True
    )
    #: 12 digits, YYYYMMDDNNNC (coordination numbers have day + 60).
    personnummer: Mapped[str] = mapped_column(sa.String(12), unique=True)

    person: Mapped[Person] = relationship(back_populates="identity")


class HouseholdMember(Base):
    """A partner, child or other adult in a household who is not themself an applicant."""

    __tablename__ = "household_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(sa.ForeignKey("household.id", ondelete="CASCADE"))
    role: Mapped[MemberRole] = mapped_column(str_enum(MemberRole, "member_role"))
    first_name: Mapped[str] = mapped_column(sa.String(100))
    birth_date: Mapped[date]
    #: 12 digits when the applicant gave it (the application asks for it); the birth date is
    #: taken from it. Not unique: a child may belong to two households.
    personnummer: Mapped[str | None] = mapped_column(sa.String(12))
    #: For a child aged 19–20: still at upper-secondary school (norm band 19–20).
    at_school: Mapped[bool] = mapped_column(default=False)
    #: For a child aged 0–6: eats lunch at preschool five days a week (lower norm amount).
    lunch_at_preschool: Mapped[bool] = mapped_column(default=False)

    household: Mapped[Household] = relationship(back_populates="members")
