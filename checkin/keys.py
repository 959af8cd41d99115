"""Signing keys and personal cards: the Ed25519 keys that sign personal codes (their private
halves encrypted under a key derived from SECRET_KEY), each person's card serials, and the
signed text a phone or a printed card shows."""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from checkin import codes
from portal import audit
from portal.errors import DomainError
from portal.extensions import db
from portal.models import Person, PersonalCard, SigningKey, StaffUser, utcnow


def secret() -> str:
    """The app's secret key (stored private keys are encrypted under a key derived from it)."""
    return current_app.config["SECRET_KEY"]


def current_signing_key() -> SigningKey:
    """The key that signs new codes: the newest one not retired (made on first use)."""
    key = db.session.scalar(
        sa.select(SigningKey)
        .where(SigningKey.retired_at.is_(None))
        .order_by(SigningKey.created_at.desc(), SigningKey.id.desc())
        .limit(1)
    )
    return key or rotate_signing_key()


def rotate_signing_key() -> SigningKey:
    """Make a new signing key and retire the others; old cards keep verifying by key id."""
    now = utcnow()
    db.session.execute(
        sa.update(SigningKey).where(SigningKey.retired_at.is_(None)).values(retired_at=now)
    )
    new = codes.generate_key(secret())
    key = SigningKey(
        key_id=new.key_id,
        public_key=new.public_key,
        private_key_encrypted=new.private_key_encrypted,
        created_at=now,
    )
    db.session.add(key)
    db.session.flush()
    return key


def public_keys() -> dict[str, str]:
    """Every key id and its public key (retired keys still verify the cards they signed)."""
    return dict(db.session.execute(sa.select(SigningKey.key_id, SigningKey.public_key)).all())


#: Public keys by key id, per database engine. Keys are never changed or deleted, only added
#: and retired, so a cached key is never wrong; an unknown key id is looked up in the database
#: again. This saves a query per scan and holds no state that correctness depends on: whether
#: a key is revoked is read with the person on every scan (statements.person_and_card).
_KEY_CACHE: weakref.WeakKeyDictionary[sa.Engine, dict[str, str]] = weakref.WeakKeyDictionary()


class PublicKeys:
    """The mapping verify_personal_code needs, backed by the cache and the database."""

    def get(self, key_id: str) -> str | None:
        keys = _KEY_CACHE.setdefault(db.engine, {})
        if key_id not in keys:
            keys.update(public_keys())
        return keys.get(key_id)


def current_card(person: Person) -> PersonalCard:
    """The person's valid card (the first one is issued on first use)."""
    card = db.session.scalar(
        sa.select(PersonalCard)
        .where(PersonalCard.person_id == person.id, PersonalCard.revoked_at.is_(None))
        .order_by(PersonalCard.serial.desc())
        .limit(1)
    )
    if card is not None:
        return card
    return _issue_card(person)


def _issue_card(person: Person) -> PersonalCard:
    highest = db.session.scalar(
        sa.select(sa.func.max(PersonalCard.serial)).where(PersonalCard.person_id == person.id)
    )
    card = PersonalCard(
        person_id=person.id,
        serial=(highest or 0) + 1,
        key_id=current_signing_key().key_id,
        issued_at=utcnow(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(card)
    except IntegrityError:
        # Two requests issued the first card at once; the other one won, use it.
        return db.session.scalars(
            sa.select(PersonalCard)
            .where(PersonalCard.person_id == person.id, PersonalCard.revoked_at.is_(None))
            .order_by(PersonalCard.serial.desc())
        ).first()
    return card


def replace_card(person: Person, reason: str = "replaced") -> PersonalCard:
    """Revoke the person's cards and issue a new serial (a lost or stolen card)."""
    now = utcnow()
    db.session.execute(
        sa.update(PersonalCard)
        .where(PersonalCard.person_id == person.id, PersonalCard.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason[:200])
    )
    return _issue_card(person)


def personal_code(person: Person, *, printed: bool, now: datetime | None = None) -> str:
    """The signed text of the person's code: a printed card's never expires, a phone's does."""
    card = current_card(person)
    key = db.session.scalar(sa.select(SigningKey).where(SigningKey.key_id == card.key_id))
    if key is None or key.retired_at is not None:
        # The card's key was retired: sign the same serial with the current key.
        key = current_signing_key()
        if printed:
            # The card now carries this key's signature (revoke_signing_key lists cards by
            # the key of their printed code).
            card.key_id = key.key_id
    private = codes.decrypt_private_key(key.private_key_encrypted, key.key_id, secret())
    issued = int((now or utcnow()).timestamp())
    ttl = 0 if printed else codes.PHONE_CODE_TTL
    return codes.sign_personal_code(
        private, key.key_id, person.public_ref, card.serial, issued, ttl
    )


# --- Revocation of a compromised key -------------------------------------------------------


def signing_keys() -> list[SigningKey]:
    """Every signing key, the newest first."""
    return list(
        db.session.scalars(
            sa.select(SigningKey).order_by(SigningKey.created_at.desc(), SigningKey.id.desc())
        )
    )


def revoke_signing_key(key_id: str, reason: str, actor: StaffUser | None = None) -> SigningKey:
    """Revoke a compromised signing key: every code it signed is refused from now on.

    Servers check the key of a code on every scan (in the statement that reads the person),
    so the refusal holds at once on every server; devices stop trusting the key at their
    next roster download, which no longer lists it. If the key signs new codes, a new key
    takes over first. The cards whose printed code it signed are listed by
    ``cards_to_reissue`` until they are printed again. Audited. Raises not_found or
    reason_required (DomainError).
    """
    reason = reason.strip()
    if not reason:
        raise DomainError("reason_required", _l("Ange varför nyckeln spärras."), 400)
    key = db.session.scalar(sa.select(SigningKey).where(SigningKey.key_id == key_id))
    if key is None:
        raise DomainError("not_found", _l("Hittades inte."), 404)
    if key.revoked_at is None:
        if key.retired_at is None:
            rotate_signing_key()
        key.revoked_at = utcnow()
        key.revoked_reason = reason[:200]
        audit.record("revoke", "signing_key", object_ref=key.key_id, why=reason, actor=actor)
        db.session.flush()
    return key


@dataclass(frozen=True)
class CardToReissue:
    """A valid card whose printed code was signed with a revoked key."""

    person: Person
    card: PersonalCard
    key: SigningKey


def cards_to_reissue(municipality_id: int) -> list[CardToReissue]:
    """The people of a municipality whose printed card was signed with a revoked key (a new
    print of the same card is signed with the current key and leaves the list)."""
    rows = db.session.execute(
        sa.select(Person, PersonalCard, SigningKey)
        .join(PersonalCard, PersonalCard.person_id == Person.id)
        .join(SigningKey, SigningKey.key_id == PersonalCard.key_id)
        .where(
            Person.municipality_id == municipality_id,
            PersonalCard.revoked_at.is_(None),
            SigningKey.revoked_at.is_not(None),
        )
        .order_by(Person.last_name, Person.first_name, PersonalCard.serial)
    ).all()
    return [CardToReissue(person, card, key) for person, card, key in rows]
