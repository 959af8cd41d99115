"""The sender: delivers queued outbox rows once, with retries and exponential backoff.

Several senders may run at once on several machines. A sender claims a batch of due rows with
``SELECT … FOR UPDATE SKIP LOCKED`` (PostgreSQL) and moves their ``next_attempt_at`` a lease
ahead in the same short transaction, so no other sender sees them; the claim is a
compare-and-set on ``next_attempt_at`` as well, which keeps SQLite (one writer at a time) safe.
Each row's result is committed on its own, so a crash loses at most the row being sent, which
then waits out the lease and is tried again.

The sender owns its transactions (like the scan path's store): it commits after the claim and
after each message, because a message handed to the SMTP server cannot be taken back.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from portal.extensions import db
from portal.models import Channel, OutboxMessage, OutboxStatus, Person, StaffUser, utcnow
from portal.notices.transports import (
    DeliveryError,
    Mailer,
    SmsAdapter,
    mailer_from_config,
    sms_from_config,
)

log = logging.getLogger(__name__)

#: The first retry waits this long; each further one twice as long as the one before …
BACKOFF_BASE = timedelta(minutes=1)
#: … but never longer than this.
BACKOFF_MAX = timedelta(hours=6)
#: Attempts before a message is marked failed (about four hours of trying).
MAX_ATTEMPTS = 8
#: How long a claimed row is hidden from other senders while this one sends it.
LEASE = timedelta(minutes=5)
BATCH = 50


@dataclass
class SendSummary:
    """What one run of the sender did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0


def backoff(attempts: int) -> timedelta:
    """The wait before the next attempt after ``attempts`` failed ones (1 min, 2, 4, …)."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def claim(now: datetime, limit: int = BATCH) -> list[int]:
    """Claim up to ``limit`` due rows for this sender and commit the claim; their ids."""
    due = (
        sa.select(OutboxMessage.id)
        .where(OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list(db.session.scalars(due))
    if not ids:
        db.session.commit()
        return []
    claimed = list(
        db.session.scalars(
            sa.update(OutboxMessage)
            .where(
                OutboxMessage.id.in_(ids),
                OutboxMessage.status == OutboxStatus.QUEUED,
                OutboxMessage.next_attempt_at <= now,
            )
            .values(next_attempt_at=now + LEASE)
            .returning(OutboxMessage.id),
        )
    )
    db.session.commit()
    return sorted(claimed)


def release(ids: list[int], now: datetime) -> None:
    """Hand claimed rows back to the queue, due at once (only rows still under this claim)."""
    db.session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(ids),
            OutboxMessage.status == OutboxStatus.QUEUED,
            OutboxMessage.next_attempt_at == now + LEASE,
        )
        .values(next_attempt_at=now)
    )
    db.session.commit()


def _language(row: OutboxMessage) -> str:
    if row.person_id is None:
        return "sv"
    return db.session.scalar(sa.select(Person.language).where(Person.id == row.person_id)) or "sv"


def deliver(row: OutboxMessage, mailer: Mailer, sms: SmsAdapter) -> None:
    """Hand one message to its transport; raises DeliveryError."""
    if row.channel == Channel.EMAIL:
        mailer.send(row.recipient, row.subject, row.body, _language(row))
    else:
        sms.send(row.recipient, row.body)


def _record(row: OutboxMessage, error: DeliveryError | None, now: datetime, max_attempts: int):
    row.attempts += 1
    if error is None:
        row.status = OutboxStatus.SENT
        row.sent_at = now
        row.last_error = ""
        return "sent"
    row.last_error = error.reason
    if error.permanent or row.attempts >= max_attempts:
        row.status = OutboxStatus.FAILED
        return "failed"
    row.next_attempt_at = now + backoff(row.attempts)
    return "retrying"


def send_queued(
    now: datetime | None = None,
    *,
    mailer: Mailer | None = None,
    sms: SmsAdapter | None = None,
    max_attempts: int = MAX_ATTEMPTS,
    limit: int = 1000,
    batch: int = BATCH,
) -> SendSummary:
    """Deliver every due row once (at most ``limit``), then return what happened.

    A failed attempt waits ``backoff(attempts)``; after ``max_attempts`` (or a permanent
    refusal) the row is marked failed and shown to administrators.
    """
    config = current_app.config
    mailer = mailer or mailer_from_config(config)
    sms = sms or sms_from_config(config)
    summary = SendSummary()
    unavailable: set[Channel] = set()
    handled = 0
    try:
        while handled < limit:
            moment = now or utcnow()
            ids = claim(moment, min(batch, limit - handled))
            if not ids:
                break
            claimed_at = time.monotonic()
            for position, row_id in enumerate(ids):
                if time.monotonic() - claimed_at > LEASE.total_seconds() / 2:
                    # Slow transports: give the rest back before the lease could run out and
                    # another sender take them while this one still holds them.
                    release(ids[position:], moment)
                    break
                row = db.session.get(OutboxMessage, row_id)
                if row.channel in unavailable:
                    # Its server is down: wait with the others, without counting an attempt.
                    row.next_attempt_at = moment + BACKOFF_BASE
                    summary.retrying += 1
                    db.session.commit()
                    handled += 1
                    continue
                try:
                    deliver(row, mailer, sms)
                except DeliveryError as error:
                    if error.unavailable:
                        unavailable.add(row.channel)
                    outcome = _record(row, error, moment, max_attempts)
                    log.warning(
                        "outbox %s (%s, %s) not delivered: %s", row.id, row.kind, row.channel,
                        error.reason,
                    )  # fmt: skip
                else:
                    outcome = _record(row, None, moment, max_attempts)
                setattr(summary, outcome, getattr(summary, outcome) + 1)
                db.session.commit()
                handled += 1
    finally:
        mailer.close()
    log.info(
        "notices delivered sent=%d retrying=%d failed=%d",
        summary.sent,
        summary.retrying,
        summary.failed,
    )
    return summary


def _of_municipality(municipality_id: int):
    people = sa.select(Person.id).where(Person.municipality_id == municipality_id)
    staff = sa.select(StaffUser.id).where(StaffUser.municipality_id == municipality_id)
    return sa.or_(OutboxMessage.person_id.in_(people), OutboxMessage.staff_user_id.in_(staff))


def failed_messages(municipality_id: int, limit: int = 200) -> list[OutboxMessage]:
    """A municipality's messages that could not be delivered, newest first (administrators)."""
    return list(
        db.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.FAILED, _of_municipality(municipality_id))
            .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
            .limit(limit)
        )
    )


def retry_failed(
    municipality_id: int, message_id: int, now: datetime | None = None
) -> OutboxMessage:
    """Put a failed message back in the queue, due now, with a fresh count of attempts."""
    from portal.errors import DomainError

    row = db.session.scalar(
        sa.select(OutboxMessage).where(
            OutboxMessage.id == message_id, _of_municipality(municipality_id)
        )
    )
    if row is None or row.status != OutboxStatus.FAILED:
        raise DomainError("not_found", status=404)
    row.status = OutboxStatus.QUEUED
    row.attempts = 0
    row.next_attempt_at = now or utcnow()
    db.session.flush()
    return row
