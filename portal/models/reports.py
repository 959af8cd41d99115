"""The board's own text in a report (the biennial overview to IVO), kept per report period."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, UtcDateTime, utcnow


class ReportText(Base):
    """A free-text section the board writes for one report and period, printed in its PDF."""

    __tablename__ = "report_text"
    __table_args__ = (
        sa.UniqueConstraint("municipality_id", "report", "period", "section"),
        sa.CheckConstraint("length(body) <= 20000", "body_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        sa.ForeignKey("municipality.id", ondelete="CASCADE")
    )
    #: The report's name, e.g. ``ivo-overview``.
    report: Mapped[str] = mapped_column(sa.String(32))
    #: The report period as written in the filter, e.g. ``2025-01-01..2026-12-31``.
    period: Mapped[str] = mapped_column(sa.String(32))
    #: Which section: ``requirements`` (how requirements are set) or ``plans``.
    section: Mapped[str] = mapped_column(sa.String(32))
    #: The board's text as written; plain text, never HTML.
    body: Mapped[str] = mapped_column(sa.Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
