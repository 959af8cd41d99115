"""The applicant's messages in the portal, their verified contact points and the municipality's
choice of which notices are sent (P10). Delivery by e-mail and SMS goes through OutboxMessage."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, UtcDateTime, str_enum, utcnow
from portal.models.enums import Channel


class PortalMessage(Base):
    """A notice in the applicant's own message list; the portal is the channel that always works.

    The text is not stored: it is rendered from ``kind`` and ``params`` in the reader's language
    when the message is shown, so a change of language also changes old messages.
    """

    __tablename__ = "portal_message"
    __table_args__ = (sa.Index("ix_portal_message_person_created", "person_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"))
    #: One of portal.notices.KINDS, e.g. application_decision.
    kind: Mapped[str] = mapped_column(sa.String(40))
    #: The values the text is rendered with (dates as ISO strings, public references).
    params: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    #: The notice's dedupe key: the same notice is never put in the list twice.
    dedupe_key: Mapped[str] = mapped_column(sa.String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    #: When the applicant first opened it; None = unread.
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class NoticeSetting(Base):
    """Whether a municipality sends one kind of notice; a kind without a row is switched on."""

    __tablename__ = "notice_setting"

    municipality_id: Mapped[int] = mapped_column(
        sa.ForeignKey("municipality.id", ondelete="CASCADE"), primary_key=True
    )
    #: One of portal.notices.KINDS.
    kind: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class ContactVerification(Base):
    """A one-time code sent to an e-mail address or mobile number to prove it is the person's.

    An address counts as verified while a verified row exists for exactly the address the
    person has now; changing the address needs a new code. Only a hash of the code is kept.
    """

    __tablename__ = "contact_verification"
    __table_args__ = (
        sa.Index("ix_contact_verification_person_created", "person_id", "created_at"),
        sa.CheckConstraint("attempts >= 0", "attempts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"))
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "channel"))
    #: The e-mail address (lower case) or the mobile number (+46…) the code was sent to.
    address: Mapped[str] = mapped_column(sa.String(254))
    #: HMAC-SHA-256 of the code, keyed with the app's secret key.
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    #: Wrong codes entered; the code stops working after a few.
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
