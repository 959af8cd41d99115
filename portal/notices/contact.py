"""The applicant's choice of channels, and verifying an e-mail address or mobile number.

A code is six random digits, kept only as an HMAC keyed with the app's secret, valid for
``CODE_MINUTES``, good for ``MAX_TRIES`` wrong guesses, and at most ``MAX_CODES_PER_HOUR`` are
sent per person and channel. The code goes out through the outbox like any notice, due at once.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from portal.errors import DomainError
from portal.extensions import db
from portal.models import Channel, ContactVerification, Person, utcnow
from portal.notices.kinds import VERIFY_CODE, outbox_text
from portal.notices.services import dedupe_key, is_verified, queue_outbox

CODE_MINUTES = 15
MAX_TRIES = 5
MAX_CODES_PER_HOUR = 3
CHOICES = ("none", "email", "sms", "both")

ERRORS = {
    "email_required": _l("Skriv din e-postadress för att få meddelanden med e-post."),
    "phone_required": _l("Skriv ditt mobilnummer för att få meddelanden med sms."),
    "bad_phone": _l("Skriv ett mobilnummer, till exempel 070-123 45 67."),
    "no_address": _l("Spara först en adress eller ett nummer att skicka koden till."),
    "already_verified": _l("Den här adressen är redan bekräftad."),
    "too_many_codes": _l("Du har bett om för många koder. Vänta en timme och försök igen."),
    "no_code": _l("Det finns ingen giltig kod. Be om en ny kod."),
    "wrong_code": _l("Koden stämmer inte. Kontrollera den och försök igen."),
    "too_many_tries": _l("Du har skrivit fel kod för många gånger. Be om en ny kod."),
}


def refusal(code: str) -> DomainError:
    return DomainError(code, ERRORS[code])


def normalise_phone(text: str) -> str:
    """A mobile number as +46… ('070-123 45 67', '0046701234567' → '+46701234567')."""
    digits = re.sub(r"[\s\-()]", "", text or "")
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    elif digits.startswith("0"):
        digits = "+46" + digits[1:]
    if not re.fullmatch(r"\+[1-9]\d{7,14}", digits):
        raise refusal("bad_phone")
    if digits.startswith("+46") and not re.fullmatch(r"\+467[02369]\d{7}", digits):
        raise refusal("bad_phone")  # a Swedish number that is not a mobile cannot take SMS
    return digits


@dataclass
class ChannelState:
    """One channel on the page: its address, whether chosen, verified and a code pending."""

    channel: Channel
    address: str | None
    chosen: bool
    verified: bool
    code_pending: bool


def channel_choice(person: Person) -> str:
    """The person's choice as one of CHOICES."""
    return {
        (False, False): "none",
        (True, False): "email",
        (False, True): "sms",
        (True, True): "both",
    }[(bool(person.notify_email), bool(person.notify_sms))]


def states(person: Person, now: datetime | None = None) -> list[ChannelState]:
    """Both channels with their address and verification state."""
    now = now or utcnow()
    out = []
    for channel, address, chosen in (
        (Channel.EMAIL, person.email, person.notify_email),
        (Channel.SMS, person.phone, person.notify_sms),
    ):
        pending = _pending(person, channel, address, now) is not None if address else False
        out.append(
            ChannelState(channel, address, bool(chosen), is_verified(person, channel), pending)
        )
    return out


def save_choice(person: Person, choice: str, email: str | None, phone: str | None) -> None:
    """Save the chosen channels and addresses; a changed address needs a new code."""
    if choice not in CHOICES:
        raise DomainError("bad_choice")
    email = (email or "").strip().lower() or None
    phone = normalise_phone(phone) if (phone or "").strip() else None
    wants_email, wants_sms = choice in ("email", "both"), choice in ("sms", "both")
    if wants_email and not email:
        raise refusal("email_required")
    if wants_sms and not phone:
        raise refusal("phone_required")
    person.email, person.phone = email, phone
    person.notify_email, person.notify_sms = wants_email, wants_sms
    db.session.flush()


def _hash(person: Person, channel: Channel, address: str, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    message = f"{person.id}:{channel.value}:{address}:{code}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _pending(person: Person, channel: Channel, address: str, now: datetime):
    return db.session.scalar(
        sa.select(ContactVerification)
        .where(
            ContactVerification.person_id == person.id,
            ContactVerification.channel == channel,
            ContactVerification.address == address,
            ContactVerification.verified_at.is_(None),
            ContactVerification.expires_at > now,
            ContactVerification.attempts < MAX_TRIES,
        )
        .order_by(ContactVerification.id.desc())
        .limit(1)
    )


def send_code(person: Person, channel: Channel, now: datetime | None = None) -> ContactVerification:
    """Make a new code for the person's current address on a channel and queue it to them."""
    now = now or utcnow()
    address = person.email if channel == Channel.EMAIL else person.phone
    if not address:
        raise refusal("no_address")
    if is_verified(person, channel):
        raise refusal("already_verified")
    recent = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ContactVerification)
        .where(
            ContactVerification.person_id == person.id,
            ContactVerification.channel == channel,
            ContactVerification.created_at > now - timedelta(hours=1),
        )
    )
    if recent >= MAX_CODES_PER_HOUR:
        raise refusal("too_many_codes")
    # An older code stops working when a new one is sent.
    db.session.execute(
        sa.update(ContactVerification)
        .where(
            ContactVerification.person_id == person.id,
            ContactVerification.channel == channel,
            ContactVerification.verified_at.is_(None),
            ContactVerification.expires_at > now,
        )
        .values(expires_at=now)
    )
    code = f"{secrets.randbelow(1_000_000):06d}"
    verification = ContactVerification(
        person_id=person.id,
        channel=channel,
        address=address,
        code_hash=_hash(person, channel, address, code),
        expires_at=now + timedelta(minutes=CODE_MINUTES),
        created_at=now,
    )
    db.session.add(verification)
    db.session.flush()
    with force_locale(person.language or "sv"):
        text = outbox_text(VERIFY_CODE, {"code": code, "minutes": CODE_MINUTES}, "", channel.value)
    queue_outbox(
        db.session,
        person_id=person.id,
        channel=channel,
        kind=VERIFY_CODE,
        recipient=address,
        text=text,
        key=dedupe_key(VERIFY_CODE, verification.id),
    )
    return verification


def verify(person: Person, channel: Channel, code: str, now: datetime | None = None) -> None:
    """Check a code for the person's current address; the address is verified when it fits."""
    now = now or utcnow()
    address = person.email if channel == Channel.EMAIL else person.phone
    pending = _pending(person, channel, address, now) if address else None
    if pending is None:
        raise refusal("no_code")
    given = re.sub(r"\s", "", code or "")
    if not hmac.compare_digest(pending.code_hash, _hash(person, channel, address, given)):
        pending.attempts += 1
        db.session.flush()
        raise refusal("too_many_tries" if pending.attempts >= MAX_TRIES else "wrong_code")
    pending.verified_at = now
    db.session.flush()
