"""Notices: ``notify()`` puts a message in the applicant's list and queues its e-mail and SMS.

Everything here runs inside the transaction of the event that causes the notice and only
flushes; the request (or the command) commits once. Each notice has a dedupe key, and the rows
are inserted with ``ON CONFLICT DO NOTHING``, so calling ``notify()`` twice for the same event
(a retried request, two schedulers) leaves one message and one e-mail, and never aborts the
causing transaction.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import date, datetime
from enum import Enum
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from sqlalchemy.orm import Session

from portal.errors import DomainError
from portal.extensions import db
from portal.models import (
    Channel,
    ContactVerification,
    NoticeSetting,
    OutboxMessage,
    Person,
    PortalMessage,
    StaffUser,
    utcnow,
)
from portal.notices.kinds import APPLICANT_KINDS, KINDS, STAFF_KINDS, outbox_text, portal_text
from portal.request_guard import safe_next

log = logging.getLogger(__name__)

#: Where each kind of portal message leads: (endpoint, parameter name -> params key).
LINKS = {
    "reminder_tomorrow": ("portal.plan", {}),
    "missed_checkin": ("portal.absence_new", {}),
    "application_decision": ("decisions.letter", {"kind": "letter_kind", "ref": "ref"}),
    "absence_decision": ("portal.absences", {}),
    "plan_to_acknowledge": ("portal.plan_version", {"number": "version"}),
}
#: Where the e-mail or SMS of each kind leads; the rest lead to the message list.
OUTBOX_ENDPOINTS = {"reminder_tomorrow": "portal.plan", "sla_overdue": "casework.queue"}
MESSAGES_ENDPOINT = "notices.messages"
#: Longest dedupe key the tables take; longer keys are shortened to a hash.
MAX_KEY = 120


def _session(session: Session | None) -> Session:
    return session if session is not None else db.session


def _json_value(value):
    """A context value as JSON: dates as ISO strings, enums as their values."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"notice context value of type {type(value).__name__} is not plain data")


def dedupe_key(*parts: object) -> str:
    """A dedupe key from its parts, hashed if it would be too long for the column."""
    key = ":".join(str(p) for p in parts)
    if len(key) <= MAX_KEY:
        return key
    return key[:60] + ":" + hashlib.sha256(key.encode()).hexdigest()[:40]


def insert_ignoring_duplicates(session: Session, model, values: dict) -> int | None:
    """Insert a row unless its dedupe key exists; the new row's id, or None if it existed."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - the app runs on PostgreSQL and SQLite only
        raise RuntimeError(f"unsupported database {dialect}")
    table = model.__table__
    statement = (
        insert(table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(table.c.id)
    )
    return session.execute(statement).scalar()


# --------------------------------------------------------------------------------------------
# The municipality's switches


def kind_enabled(municipality_id: int, kind: str, session: Session | None = None) -> bool:
    """Whether the municipality sends this kind of notice (on unless switched off)."""
    row = _session(session).get(NoticeSetting, (municipality_id, kind))
    return row is None or row.enabled


def kind_switches(municipality_id: int) -> dict[str, bool]:
    """Every kind and whether the municipality sends it."""
    rows = db.session.scalars(
        sa.select(NoticeSetting).where(NoticeSetting.municipality_id == municipality_id)
    )
    chosen = {row.kind: row.enabled for row in rows}
    return {kind: chosen.get(kind, True) for kind in KINDS}


def set_kind_switches(municipality_id: int, enabled: set[str]) -> None:
    """Switch kinds on (those in ``enabled``) and the rest off for a municipality."""
    unknown = enabled - set(KINDS)
    if unknown:
        raise DomainError("unknown_kind")
    for kind in KINDS:
        row = db.session.get(NoticeSetting, (municipality_id, kind))
        if row is None:
            row = NoticeSetting(municipality_id=municipality_id, kind=kind)
            db.session.add(row)
        row.enabled = kind in enabled
    db.session.flush()


# --------------------------------------------------------------------------------------------
# Addresses


def is_verified(person: Person, channel: Channel, session: Session | None = None) -> bool:
    """Whether the person's current address for a channel was confirmed with a code."""
    address = person.email if channel == Channel.EMAIL else person.phone
    if not address:
        return False
    return bool(
        _session(session).scalar(
            sa.select(
                sa.exists().where(
                    ContactVerification.person_id == person.id,
                    ContactVerification.channel == channel,
                    ContactVerification.address == address,
                    ContactVerification.verified_at.is_not(None),
                )
            )
        )
    )


def delivery_channels(person: Person, session: Session | None = None) -> list[tuple[Channel, str]]:
    """The channels the person chose and verified, with their address."""
    out = []
    if person.notify_email and person.email and is_verified(person, Channel.EMAIL, session):
        out.append((Channel.EMAIL, person.email))
    if person.notify_sms and person.phone and is_verified(person, Channel.SMS, session):
        out.append((Channel.SMS, person.phone))
    return out


# --------------------------------------------------------------------------------------------
# Links


def external_url(endpoint: str, **values) -> str:
    """An absolute link to a page, built on PORTAL_BASE_URL (works without a request)."""
    base = urlsplit(current_app.config.get("PORTAL_BASE_URL") or "http://127.0.0.1:5000")
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)


def local_link(kind: str, params: dict) -> str | None:
    """The page a portal message leads to (a path), or None."""
    if params.get("link"):
        return params["link"]
    target = LINKS.get(kind)
    if target is None:
        return None
    endpoint, args = target
    if endpoint not in current_app.view_functions:
        return None
    values = {name: params.get(key) for name, key in args.items()}
    if any(v is None for v in values.values()):
        return None
    adapter = current_app.url_map.bind("localhost")
    return adapter.build(endpoint, values)


# --------------------------------------------------------------------------------------------
# notify()


def notify(session: Session | None, person: Person, kind: str, *, key: str, **context) -> None:
    """Notify an applicant: a message in the portal, and e-mail/SMS on the chosen channels.

    ``kind`` is one of ``APPLICANT_KINDS``; ``key`` identifies the event within the kind and
    person (an application's reference, a date), so the same notice is never queued twice.
    ``context`` is plain data for the texts (dates become ISO strings); a ``link`` (a local
    path) overrides where the portal message leads. Nothing happens when the municipality has
    switched the kind off. Runs in the caller's transaction: it flushes, never commits.
    """
    if kind not in APPLICANT_KINDS:
        raise ValueError(f"unknown notice kind {kind!r}")
    session = _session(session)
    session.flush()
    if not kind_enabled(person.municipality_id, kind, session):
        return
    params = {name: _json_value(value) for name, value in context.items()}
    link = params.get("link")
    if link is not None and safe_next(link, "") != link:
        raise ValueError("a notice's link must be a local path such as /ansokan/REF")
    base_key = dedupe_key(kind, person.id, key)
    created = insert_ignoring_duplicates(
        session,
        PortalMessage,
        {"person_id": person.id, "kind": kind, "params": params, "dedupe_key": base_key},
    )
    if created is None:
        return  # notified before: neither the message nor its e-mail/SMS again
    url = external_url(OUTBOX_ENDPOINTS.get(kind, MESSAGES_ENDPOINT))
    for channel, address in delivery_channels(person, session):
        with force_locale(person.language or "sv"):
            text = outbox_text(kind, params, url, channel.value)
        queue_outbox(
            session,
            person_id=person.id,
            channel=channel,
            kind=kind,
            recipient=address,
            text=text,
            key=dedupe_key(base_key, channel.value),
        )
    log.debug("notice %s queued", kind)


def notify_staff(
    session: Session | None, user: StaffUser, kind: str, *, key: str, **context
) -> bool:
    """Queue a service-level reminder e-mail to a member of staff (True if it was new)."""
    if kind not in STAFF_KINDS:
        raise ValueError(f"unknown staff notice kind {kind!r}")
    session = _session(session)
    if not user.active or not user.email or not kind_enabled(user.municipality_id, kind, session):
        return False
    params = {name: _json_value(value) for name, value in context.items()}
    with force_locale("sv"):
        text = outbox_text(kind, params, external_url(OUTBOX_ENDPOINTS[kind]), "email")
    return (
        queue_outbox(
            session,
            staff_user_id=user.id,
            channel=Channel.EMAIL,
            kind=kind,
            recipient=user.email,
            text=text,
            key=dedupe_key(kind, "staff", user.id, key),
        )
        is not None
    )


def queue_outbox(
    session: Session,
    *,
    channel: Channel,
    kind: str,
    recipient: str,
    text,
    key: str,
    person_id: int | None = None,
    staff_user_id: int | None = None,
) -> int | None:
    """Queue one e-mail or SMS for the sender, due now; None if its key was queued before."""
    now = utcnow()
    return insert_ignoring_duplicates(
        session,
        OutboxMessage,
        {
            "person_id": person_id,
            "staff_user_id": staff_user_id,
            "channel": channel,
            "kind": kind,
            "recipient": recipient,
            "subject": text.subject[:200],
            "body": text.body,
            "dedupe_key": key,
            "next_attempt_at": now,
            "created_at": now,
        },
    )


# --------------------------------------------------------------------------------------------
# The applicant's message list


def messages_of(person: Person, limit: int = 200) -> list[PortalMessage]:
    """The person's messages, newest first."""
    return list(
        db.session.scalars(
            sa.select(PortalMessage)
            .where(PortalMessage.person_id == person.id)
            .order_by(PortalMessage.created_at.desc(), PortalMessage.id.desc())
            .limit(limit)
        )
    )


def unread_count(person: Person) -> int:
    """How many of the person's messages are unread."""
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(PortalMessage)
        .where(PortalMessage.person_id == person.id, PortalMessage.read_at.is_(None))
    )


def open_message(person: Person, message_id: int) -> PortalMessage:
    """One of the person's own messages, marked read; ``not_found`` (404) for anyone else's."""
    message = db.session.get(PortalMessage, message_id)
    if message is None or message.person_id != person.id:
        raise DomainError("not_found", status=404)
    if message.read_at is None:
        message.read_at = utcnow()
        db.session.flush()
    return message


def render(message: PortalMessage):
    """The message's title, text and link in the current language."""
    return portal_text(message.kind, message.params or {}, local_link(message.kind, message.params))
