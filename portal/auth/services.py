"""Sign-in services: password hashing, TOTP, applicant identification, user loading."""

from __future__ import annotations

import base64
import io
import time

import pyotp
import segno
import sqlalchemy as sa
from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from sqlalchemy.orm.attributes import set_committed_value

from portal import personnummer as pnr_mod
from portal.errors import DomainError
from portal.extensions import db
from portal.models import (
    Household,
    Municipality,
    Person,
    PersonIdentity,
    StaffUser,
    utcnow,
)
from portal.refs import new_ref

#: Password hashing by ``ARGON2_PROFILE`` (a profile of ``argon2.profiles``): the library's
#: default, RFC 9106's low-memory argon2id, unless the test config names its cheapest profile.
#: The environment cannot set it (``portal.config``), so production always hashes in full.
_HASHERS = {
    name: PasswordHasher.from_parameters(getattr(profiles, name))
    for name in ("RFC_9106_LOW_MEMORY", "CHEAPEST")
}
#: Verified against when the e-mail is unknown, so timing does not reveal which e-mails exist.
_DUMMY_HASHES = {name: hasher.hash("not-a-real-password") for name, hasher in _HASHERS.items()}


def _profile() -> str:
    if has_app_context() and current_app.testing:
        return current_app.config.get("ARGON2_PROFILE", "RFC_9106_LOW_MEMORY")
    return "RFC_9106_LOW_MEMORY"


TOTP_ISSUER = "Aktivitetsportalen"


def load_user(user_id: str):
    """Flask-Login loader: 's:<id>:<session version>' is staff, 'a:<id>:<version>' an applicant.

    A session signed in under an older session version (the user signed out, was deactivated
    or had the second factor reset since) or of an inactive staff user is not accepted. The
    version lives in the database, so this holds across every app server.
    """
    kind, _, raw = (user_id or "").partition(":")
    raw, _, version = raw.partition(":")
    if kind not in ("s", "a") or not (raw.isdigit() and version.isdigit()):
        return None
    user = db.session.get(StaffUser if kind == "s" else Person, int(raw))
    if user is None or not user.is_active or user.session_version != int(version):
        return None
    return user


def end_sessions(user: StaffUser | Person) -> None:
    """End every session of the user, on every server (signing out does this)."""
    model = type(user)
    db.session.execute(
        sa.update(model)
        .where(model.id == user.id)
        .values(session_version=model.session_version + 1)
    )


def hash_password(password: str) -> str:
    """argon2id hash of a password."""
    return _HASHERS[_profile()].hash(password)


def check_staff_password(email: str, password: str) -> StaffUser | None:
    """The active staff user with this e-mail and password, or None (constant-ish time)."""
    user = db.session.scalar(
        sa.select(StaffUser).where(sa.func.lower(StaffUser.email) == email.strip().lower())
    )
    hasher = _HASHERS[_profile()]
    try:
        hasher.verify(user.password_hash if user else _DUMMY_HASHES[_profile()], password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return user


def ensure_totp_secret(user: StaffUser) -> str:
    """The user's TOTP secret, creating an unconfirmed one for enrolment if missing."""
    if not user.totp_secret:
        user.totp_secret = pyotp.random_base32()
        db.session.flush()
    return user.totp_secret


def totp_uri(user: StaffUser) -> str:
    return pyotp.TOTP(ensure_totp_secret(user)).provisioning_uri(
        name=user.email, issuer_name=TOTP_ISSUER
    )


def totp_qr_svg(user: StaffUser) -> str:
    """The enrolment QR code as an SVG data URI (no external service sees the secret)."""
    buf = io.BytesIO()
    segno.make(totp_uri(user), error="m").save(buf, kind="svg", scale=5, border=4)
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode()


def verify_totp(user: StaffUser, code: str, now: float | None = None) -> bool:
    """Check a six-digit code (±1 step) and refuse a code whose step was already used.

    The step is consumed atomically in the database (``consume_totp_step``), so the same code
    sent to two app servers at once signs in once.
    """
    if not user.totp_secret:
        return False
    code = (code or "").strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return False
    totp = pyotp.TOTP(user.totp_secret)
    now = time.time() if now is None else now
    step_now = int(now) // totp.interval
    for step in (step_now - 1, step_now, step_now + 1):
        if totp.at(step * totp.interval) == code:
            if user.totp_last_step is not None and step <= user.totp_last_step:
                return False
            if not consume_totp_step(user, step):
                return False
            if user.totp_confirmed_at is None:
                user.totp_confirmed_at = utcnow()
            return True
    return False


def consume_totp_step(user: StaffUser, step: int) -> bool:
    """Record ``step`` as the user's last used TOTP step unless it, or a later one, already is.

    One conditional UPDATE decides: of two concurrent sign-ins with the same code the second
    waits for the first's row lock (PostgreSQL) or write lock (SQLite), then finds the
    condition false and updates nothing. The in-memory value is never trusted for this.
    """
    result = db.session.execute(
        sa.update(StaffUser)
        .where(
            StaffUser.id == user.id,
            sa.or_(StaffUser.totp_last_step.is_(None), StaffUser.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    set_committed_value(user, "totp_last_step", step)
    return True


def applicant_for_personnummer(
    personnummer: str, first_name: str = "", last_name: str = ""
) -> Person:
    """The person with this personnummer; a first sign-in creates the applicant.

    Raises DomainError('invalid_personnummer') for a number that fails its checks.
    """
    try:
        canonical = pnr_mod.parse(personnummer)
    except pnr_mod.InvalidPersonnummer as exc:
        raise DomainError("invalid_personnummer", exc.reason) from None
    identity = db.session.scalar(
        sa.select(PersonIdentity).where(PersonIdentity.personnummer == canonical)
    )
    if identity is not None:
        return identity.person
    municipality = db.session.scalar(sa.select(Municipality).order_by(Municipality.id))
    if municipality is None:
        raise DomainError("no_municipality", status=503)
    household = Household(municipality_id=municipality.id)
    person = Person(
        public_ref=new_ref(),
        municipality_id=municipality.id,
        household=household,
        first_name=first_name.strip() or "—",
        last_name=last_name.strip() or "—",
        birth_date=pnr_mod.birth_date(canonical[:8]),
        identity=PersonIdentity(personnummer=canonical),
    )
    db.session.add(person)
    db.session.flush()
    current_app.logger.info("new applicant created ref=%s", person.public_ref)
    return person


def oidc_enabled() -> bool:
    cfg = current_app.config
    return bool(cfg["OIDC_ISSUER"] and cfg["OIDC_CLIENT_ID"])


def dev_person_facts(people: list[Person]) -> dict[int, list[str]]:
    """Short facts about each demo person for the development sign-in page (batch queries)."""
    from flask_babel import gettext as _

    from portal.i18n import local_today
    from portal.models import (
        Application,
        ExternalOccupation,
        HouseholdMember,
        MemberRole,
        PersonStatus,
    )

    ids = [p.id for p in people]
    facts: dict[int, list[str]] = {i: [] for i in ids}
    if not ids:
        return facts
    today = local_today()
    latest = {}
    for app in db.session.scalars(
        sa.select(Application).where(Application.person_id.in_(ids)).order_by(Application.month)
    ):
        latest[app.person_id] = app
    states = {
        "draft": _("utkast"),
        "submitted": _("inskickad"),
        "in_review": _("handläggs"),
        "decided": _("beslutad"),
        "withdrawn": _("återkallad"),
    }
    for person_id, app in latest.items():
        facts[person_id].append(
            _("Ansökan %(month)s: %(state)s", month=app.month, state=states[app.state.value])
        )
    status_names = {
        "parental_leave": _("föräldraledig"),
        "full_sickness_compensation": _("hel sjukersättning"),
        "activity_compensation": _("aktivitetsersättning"),
        "sick_leave": _("sjukskriven"),
    }
    active = (PersonStatus.to_date.is_(None)) | (PersonStatus.to_date >= today)
    for status in db.session.scalars(
        sa.select(PersonStatus).where(PersonStatus.person_id.in_(ids), active)
    ):
        if status.kind.value in status_names:
            facts[status.person_id].append(status_names[status.kind.value])
    ext_active = (ExternalOccupation.to_date.is_(None)) | (ExternalOccupation.to_date >= today)
    for ext in db.session.scalars(
        sa.select(ExternalOccupation).where(ExternalOccupation.person_id.in_(ids), ext_active)
    ):
        facts[ext.person_id].append(
            _("%(kind)s %(hours)s h/vecka", kind=ext.kind.value, hours=f"{ext.hours_per_week:g}")
        )
    by_household = {p.household_id: p.id for p in people if p.household_id}
    children = db.session.execute(
        sa.select(HouseholdMember.household_id, sa.func.count())
        .where(
            HouseholdMember.household_id.in_(list(by_household)),
            HouseholdMember.role == MemberRole.CHILD,
        )
        .group_by(HouseholdMember.household_id)
    )
    for household_id, count in children:
        facts[by_household[household_id]].append(_("%(n)s barn", n=count))
    from portal.demo_shows import demo_shows

    for person_id, shows in demo_shows(ids).items():
        facts[person_id].extend(shows)
    return facts
