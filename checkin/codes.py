"""The codes of check-in, as pure functions (no Flask, no database).

Personal codes (checkin.md, A): ``AKP1.<key id>.<person ref>.<serial>.<issued>.<ttl>.<signature>``
where the signature is Ed25519 over everything before the last dot, so an enrolled device can
check a code offline with the public key alone. A code carries no personnummer: only the
person's random public reference and the serial of their card. ``ttl`` is 0 for a printed card
(it never expires; replacing the card revokes its serial) and a few minutes for the code shown in
the portal, which refreshes itself so a screenshot is soon worthless.

Rotating site codes (checkin.md, B): ``HMAC-SHA256(site key, "<site ref>:<slot>")`` for 30-second
slots of the server's clock, accepted for the current slot and one either side.

Signing keys are stored encrypted with AES-GCM under a key derived from SECRET_KEY by HKDF, so a
database dump alone cannot mint codes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import io
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

import segno
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

PREFIX = "AKP1"
#: Seconds a portal (phone) code is valid; printed cards carry ttl 0 and never expire.
PHONE_CODE_TTL = 600
#: How far a device clock may be ahead when it checks a phone code's issue time.
CLOCK_TOLERANCE = 300
#: Length of a rotating site code's time slot, and how many slots either side are accepted.
SLOT_SECONDS = 30
SLOT_WINDOW = 1

_REF = r"[A-Za-z0-9_-]{6,24}"
_CODE_RE = re.compile(
    rf"^{PREFIX}\.(?P<kid>[0-9a-f]{{8}})\.(?P<ref>{_REF})\.(?P<serial>[1-9][0-9]{{0,8}})"
    r"\.(?P<iat>[0-9]{9,11})\.(?P<ttl>0|[1-9][0-9]{0,6})\.(?P<sig>[A-Za-z0-9_-]{86})$"
)


class CodeError(Exception):
    """A code that cannot be accepted; ``code`` is the stable reason (unknown_code …)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def b64u(data: bytes) -> str:
    """URL-safe base64 without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64u(text: str) -> bytes:
    """Decode URL-safe base64 without padding."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sha256_hex(text: str) -> str:
    """Hex SHA-256 of a text, for storing tokens and codes without keeping them."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- Signing keys ---------------------------------------------------------------------------


def _storage_key(secret_key: str) -> bytes:
    """The AES key that protects signing keys at rest, derived from SECRET_KEY."""
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"aktivitetsportalen/checkin",
        info=b"signing-key-encryption/v1",
    ).derive(secret_key.encode("utf-8"))


@dataclass(frozen=True)
class NewKey:
    """A freshly generated key pair, ready to be stored."""

    key_id: str
    public_key: str
    private_key_encrypted: str


def generate_key(secret_key: str) -> NewKey:
    """Make an Ed25519 key pair; the private half is returned encrypted."""
    key_id = secrets.token_hex(4)
    private = Ed25519PrivateKey.generate()
    raw = private.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    public = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return NewKey(key_id, b64u(public), encrypt_private_key(raw, key_id, secret_key))


def encrypt_private_key(raw: bytes, key_id: str, secret_key: str) -> str:
    """AES-GCM with the key id as associated data, so rows cannot be swapped."""
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(_storage_key(secret_key)).encrypt(nonce, raw, key_id.encode())
    return b64u(nonce + sealed)


def decrypt_private_key(blob: str, key_id: str, secret_key: str) -> Ed25519PrivateKey:
    """Open a stored private key; fails loudly if SECRET_KEY changed."""
    data = unb64u(blob)
    try:
        raw = AESGCM(_storage_key(secret_key)).decrypt(data[:12], data[12:], key_id.encode())
    except InvalidTag as exc:
        raise RuntimeError(
            "signing key cannot be decrypted: SECRET_KEY differs from the one that stored it"
        ) from exc
    return Ed25519PrivateKey.from_private_bytes(raw)


# --- Personal codes -------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonalClaims:
    """What a verified personal code says."""

    key_id: str
    person_ref: str
    serial: int
    issued_at: int
    ttl: int


def sign_personal_code(
    private_key: Ed25519PrivateKey,
    key_id: str,
    person_ref: str,
    serial: int,
    issued_at: int,
    ttl: int = 0,
) -> str:
    """The text of a personal code (what the QR code holds)."""
    message = f"{PREFIX}.{key_id}.{person_ref}.{serial}.{issued_at}.{ttl}"
    return message + "." + b64u(private_key.sign(message.encode("ascii")))


def parse_personal_code(text: str) -> tuple[PersonalClaims, bytes, bytes]:
    """Split a code into claims, the signed message and the signature (unknown_code if not one)."""
    match = _CODE_RE.match(text.strip())
    if match is None:
        raise CodeError("unknown_code")
    message, _, sig = text.strip().rpartition(".")
    try:
        signature = unb64u(sig)
    except (binascii.Error, ValueError) as exc:
        raise CodeError("unknown_code") from exc
    claims = PersonalClaims(
        key_id=match["kid"],
        person_ref=match["ref"],
        serial=int(match["serial"]),
        issued_at=int(match["iat"]),
        ttl=int(match["ttl"]),
    )
    return claims, message.encode("ascii"), signature


@lru_cache(maxsize=64)
def _public_key(public: str) -> Ed25519PublicKey:
    """The key object of a raw public key (base64url), decoded once per key."""
    return Ed25519PublicKey.from_public_bytes(unb64u(public))


@lru_cache(maxsize=1024)
def _signature_valid(public: str, message: bytes, signature: bytes) -> bool:
    """Whether the signature is the key's on the message (a pure function, so the answer is
    kept: a scan checks its code once before it reads the database and once after)."""
    try:
        _public_key(public).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def verify_personal_code(
    text: str, public_keys: dict[str, str], now: datetime | None = None
) -> PersonalClaims:
    """Check a code's form, signature and (for phone codes, when ``now`` is given) age.

    ``public_keys`` maps key id to the raw public key (base64url). Raises CodeError with
    unknown_code (not one of our codes, or an unknown key), bad_signature (forged or changed)
    or expired_code (a phone code past its time to live).
    """
    claims, message, signature = parse_personal_code(text)
    public = public_keys.get(claims.key_id)
    if public is None:
        raise CodeError("unknown_code")
    if not _signature_valid(public, message, signature):
        raise CodeError("bad_signature")
    if now is not None:
        check_fresh(claims, now)
    return claims


def check_fresh(claims: PersonalClaims, now: datetime) -> None:
    """A phone code (ttl > 0) is valid for its ttl, with some tolerance for device clocks."""
    if claims.ttl:
        age = now.timestamp() - claims.issued_at
        if age > claims.ttl + CLOCK_TOLERANCE or age < -CLOCK_TOLERANCE:
            raise CodeError("expired_code")


# --- Rotating site codes --------------------------------------------------------------------


def slot_of(moment: datetime) -> int:
    """The 30-second slot number of a moment (server clock)."""
    return int(moment.timestamp()) // SLOT_SECONDS


def slot_start(slot: int) -> datetime:
    """When a slot begins (UTC)."""
    return datetime.fromtimestamp(slot * SLOT_SECONDS, UTC)


def site_mac(site_key: str, site_ref: str, slot: int) -> str:
    """The rotating code of a site for one slot (96 bits of HMAC-SHA256, base64url)."""
    digest = hmac.new(
        site_key.encode("utf-8"), f"{site_ref}:{slot}".encode("ascii"), hashlib.sha256
    ).digest()
    return b64u(digest[:12])


def verify_site_code(site_key: str, site_ref: str, slot: int, mac: str, now: datetime) -> None:
    """Accept a rotating code for the current slot or one either side (server clock).

    Raises CodeError unknown_code for a wrong MAC (forged, or another site's code) and
    expired_code for a genuine code replayed outside the window.
    """
    if not hmac.compare_digest(site_mac(site_key, site_ref, slot), mac):
        raise CodeError("unknown_code")
    if abs(slot_of(now) - slot) > SLOT_WINDOW:
        raise CodeError("expired_code")


# --- Grace tokens -------------------------------------------------------------------------


def _grace_serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="checkin-self-scan-grace")


def make_grace_token(secret_key: str, site_ref: str, event_id: str, scanned_at: int) -> str:
    """A signed note that a valid site code was scanned, carried through sign-in.

    The rotating code expires in about a minute; signing in with e-identification can take
    longer, so the scan is remembered (with the event id that makes completing it idempotent).
    """
    return _grace_serializer(secret_key).dumps({"s": site_ref, "e": event_id, "t": scanned_at})


def read_grace_token(secret_key: str, token: str, max_age: int) -> tuple[str, str, int]:
    """(site ref, event id, scanned at) of a grace token; CodeError expired_code/unknown_code."""
    try:
        data = _grace_serializer(secret_key).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise CodeError("expired_code") from exc
    except BadSignature as exc:
        raise CodeError("unknown_code") from exc
    try:
        return str(data["s"]), str(data["e"]), int(data["t"])
    except (KeyError, TypeError, ValueError) as exc:
        raise CodeError("unknown_code") from exc


# --- QR images ------------------------------------------------------------------------------


def qr_svg(data: str, title: str) -> str:
    """A QR code as SVG: error correction M (or better, if it fits), a 4-module quiet zone."""
    qr = segno.make(data, error="m", boost_error=True, micro=False)
    out = io.BytesIO()
    qr.save(
        out,
        kind="svg",
        scale=1,
        border=4,
        xmldecl=False,
        omitsize=True,
        dark="#000",
        light="#fff",
        title=title,
        svgclass="qr",
        lineclass=None,
    )
    return out.getvalue().decode("utf-8")


def qr_svg_data_uri(data: str, title: str) -> str:
    """The SVG as a data: URI for an <img>, which carries the alt text for screen readers."""
    return "data:image/svg+xml;base64," + base64.b64encode(qr_svg(data, title).encode()).decode()


def qr_png(data: str, scale: int = 10) -> bytes:
    """A QR code as PNG (for the printable card)."""
    qr = segno.make(data, error="m", boost_error=True, micro=False)
    out = io.BytesIO()
    qr.save(out, kind="png", scale=scale, border=4, dark="#000", light="#fff")
    return out.getvalue()
