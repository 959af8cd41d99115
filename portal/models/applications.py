"""Monthly applications (e-ansökan), their lines and attachments, and decisions per month."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, UtcDateTime, str_enum, utcnow
from portal.models.enums import ApplicationState, DecisionOutcome, ItemCategory

MONTH_CHECK = "length({col}) = 7 AND substr({col}, 5, 1) = '-'"


class Application(Base):
    """One household's application for one month of försörjningsstöd."""

    __tablename__ = "application"
    __table_args__ = (
        sa.UniqueConstraint("person_id", "month"),
        sa.CheckConstraint(MONTH_CHECK.format(col="month"), "month_format"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Random reference for URLs.
    public_ref: Mapped[str] = mapped_column(sa.String(24), unique=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(sa.ForeignKey("household.id"))
    #: "YYYY-MM", the month applied for.
    month: Mapped[str] = mapped_column(sa.String(7))
    state: Mapped[ApplicationState] = mapped_column(
        str_enum(ApplicationState, "application_state"), default=ApplicationState.DRAFT
    )
    #: The last step the applicant saved, so a draft resumes where it was left.
    current_step: Mapped[str] = mapped_column(sa.String(32), default="household")
    #: Answers that are not amounts (housing type, free text, the declaration), by step.
    answers: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    #: Preliminary estimate shown at submission (kr), for the record; the caseworker decides.
    estimate_sek: Mapped[int | None]
    copied_from_id: Mapped[int | None] = mapped_column(sa.ForeignKey("application.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    declaration_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: First contact by a caseworker, measured against the service level.
    first_contact_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    person: Mapped["Person"] = relationship()  # noqa: F821, UP037
    items: Mapped[list[ApplicationItem]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="ApplicationItem.id"
    )
    attachments: Mapped[list["Attachment"]] = relationship(  # noqa: UP037
        back_populates="application", order_by="Attachment.id"
    )
    decision: Mapped[Decision | None] = relationship(back_populates="application", uselist=False)


class ApplicationItem(Base):
    """An income, cost or asset line of an application, in whole kronor per month."""

    __tablename__ = "application_item"
    __table_args__ = (sa.CheckConstraint("amount_sek >= 0", "amount_non_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("application.id", ondelete="CASCADE"), index=True
    )
    category: Mapped[ItemCategory] = mapped_column(str_enum(ItemCategory, "item_category"))
    #: e.g. salary, rent, electricity, bank_account, car.
    kind: Mapped[str] = mapped_column(sa.String(40))
    description: Mapped[str] = mapped_column(sa.String(200), default="")
    amount_sek: Mapped[int]

    application: Mapped[Application] = relationship(back_populates="items")


class Attachment(Base):
    """An uploaded file, stored outside the web root under its ``storage_key``."""

    __tablename__ = "attachment"
    __table_args__ = (
        sa.CheckConstraint("size_bytes > 0", "size_positive"),
        sa.CheckConstraint(
            "content_type IN ('application/pdf', 'image/jpeg', 'image/png', 'image/heic')",
            "content_type",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_ref: Mapped[str] = mapped_column(sa.String(24), unique=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    application_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("application.id", ondelete="SET NULL")
    )
    absence_report_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("absence_report.id", ondelete="SET NULL")
    )
    #: The file name as the applicant saw it, cleaned; never used as a path.
    filename: Mapped[str] = mapped_column(sa.String(200))
    #: Sniffed from the content, not taken from the browser.
    content_type: Mapped[str] = mapped_column(sa.String(40))
    size_bytes: Mapped[int]
    #: What the document shows (rent, income, bank, medical, other), chosen at upload, so the
    #: portal can tell the applicant which expected documents are still missing.
    document_type: Mapped[str] = mapped_column(
        sa.String(32), default="other", server_default="other"
    )
    sha256: Mapped[str] = mapped_column(sa.String(64))
    storage_key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    application: Mapped[Application | None] = relationship(back_populates="attachments")


class Decision(Base):
    """The decision on one month's application; approved months feed the requirement."""

    __tablename__ = "decision"
    __table_args__ = (
        sa.UniqueConstraint("application_id"),
        sa.CheckConstraint("amount_sek IS NULL OR amount_sek >= 0", "amount_non_negative"),
        sa.CheckConstraint(MONTH_CHECK.format(col="month"), "month_format"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id"))
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    month: Mapped[str] = mapped_column(sa.String(7))
    outcome: Mapped[DecisionOutcome] = mapped_column(str_enum(DecisionOutcome, "decision_outcome"))
    amount_sek: Mapped[int | None]
    #: Reasons the applicant reads, in plain language.
    reasons: Mapped[str] = mapped_column(sa.Text)
    decided_by_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_user.id"))
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    application: Mapped[Application] = relationship(back_populates="decision")
