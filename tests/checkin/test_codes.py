"""The codes themselves, without Flask or a database: signatures, tampering, windows, QR."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import segno

from checkin import codes

SECRET = "a-secret-key-that-is-long-enough-for-tests-0123"
NOW = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def key():
    new = codes.generate_key(SECRET)
    private = codes.decrypt_private_key(new.private_key_encrypted, new.key_id, SECRET)
    return new, private


def _code(key, ref="AbCdEfGhIjKlMnOp", serial=1, issued=None, ttl=0):
    new, private = key
    return codes.sign_personal_code(
        private, new.key_id, ref, serial, int((issued or NOW).timestamp()), ttl
    )


def test_a_genuine_card_code_verifies_and_carries_no_personnummer(key):
    new, _ = key
    text = _code(key)
    claims = codes.verify_personal_code(text, {new.key_id: new.public_key}, NOW)
    assert (claims.person_ref, claims.serial, claims.ttl) == ("AbCdEfGhIjKlMnOp", 1, 0)
    assert text.startswith("AKP1.")
    assert not re.search(r"\d{10,12}(?!\d)", text.split(".")[2])  # the person part is the ref


def test_a_printed_card_never_expires(key):
    new, _ = key
    text = _code(key, issued=NOW - timedelta(days=400))
    assert codes.verify_personal_code(text, {new.key_id: new.public_key}, NOW).serial == 1


@pytest.mark.parametrize("position", [2, 3, 4, 5])
def test_a_tampered_field_breaks_the_signature(key, position):
    new, _ = key
    parts = _code(key).split(".")
    original = parts[position]
    parts[position] = ("9" if original[0] != "9" else "8") + original[1:]
    with pytest.raises(codes.CodeError) as err:
        codes.verify_personal_code(".".join(parts), {new.key_id: new.public_key}, NOW)
    assert err.value.code == "bad_signature"


def test_a_code_forged_with_another_key_under_our_key_id_is_refused(key):
    new, _ = key
    forger = codes.generate_key(SECRET)
    forged_private = codes.decrypt_private_key(forger.private_key_encrypted, forger.key_id, SECRET)
    forged = codes.sign_personal_code(
        forged_private, new.key_id, "AbCdEfGhIjKlMnOp", 1, int(NOW.timestamp()), 0
    )
    with pytest.raises(codes.CodeError) as err:
        codes.verify_personal_code(forged, {new.key_id: new.public_key}, NOW)
    assert err.value.code == "bad_signature"


@pytest.mark.parametrize(
    "text", ["", "hello", "AKP1.zz.x.1.1.0.sig", "AKP2." + "a" * 140, "https://example.org/"]
)
def test_text_that_is_not_a_personal_code_is_unknown(key, text):
    new, _ = key
    with pytest.raises(codes.CodeError) as err:
        codes.verify_personal_code(text, {new.key_id: new.public_key}, NOW)
    assert err.value.code == "unknown_code"


def test_a_code_signed_by_an_unknown_key_is_unknown(key):
    with pytest.raises(codes.CodeError) as err:
        codes.verify_personal_code(_code(key), {"00000000": key[0].public_key}, NOW)
    assert err.value.code == "unknown_code"


def test_a_phone_code_expires_after_its_ttl_and_tolerance(key):
    new, _ = key
    keys = {new.key_id: new.public_key}
    text = _code(key, issued=NOW, ttl=codes.PHONE_CODE_TTL)
    limit = codes.PHONE_CODE_TTL + codes.CLOCK_TOLERANCE
    codes.verify_personal_code(text, keys, NOW + timedelta(seconds=limit))
    with pytest.raises(codes.CodeError) as err:
        codes.verify_personal_code(text, keys, NOW + timedelta(seconds=limit + 1))
    assert err.value.code == "expired_code"
    with pytest.raises(codes.CodeError):  # issued far in the future: a device clock trick
        codes.verify_personal_code(text, keys, NOW - timedelta(seconds=codes.CLOCK_TOLERANCE + 1))


def test_private_keys_are_encrypted_and_bound_to_secret_and_key_id():
    new = codes.generate_key(SECRET)
    assert new.public_key not in new.private_key_encrypted
    with pytest.raises(RuntimeError):
        codes.decrypt_private_key(new.private_key_encrypted, new.key_id, SECRET + "x")
    with pytest.raises(RuntimeError):
        codes.decrypt_private_key(new.private_key_encrypted, "ffffffff", SECRET)


def test_site_codes_are_accepted_one_slot_either_side_by_the_server_clock():
    slot = codes.slot_of(NOW)
    for offset in (-1, 0, 1):
        mac = codes.site_mac("site-key", "SITEREF123", slot + offset)
        codes.verify_site_code("site-key", "SITEREF123", slot + offset, mac, NOW)


@pytest.mark.parametrize("offset", [-2, 2, -120])
def test_a_replayed_site_code_outside_the_window_has_expired(offset):
    slot = codes.slot_of(NOW) + offset
    mac = codes.site_mac("site-key", "SITEREF123", slot)
    with pytest.raises(codes.CodeError) as err:
        codes.verify_site_code("site-key", "SITEREF123", slot, mac, NOW)
    assert err.value.code == "expired_code"


def test_a_forged_or_other_sites_code_is_unknown():
    slot = codes.slot_of(NOW)
    other = codes.site_mac("site-key", "OTHERSITE1", slot)
    wrong_key = codes.site_mac("another-key", "SITEREF123", slot)
    for mac in (other, wrong_key, "A" * 16):
        with pytest.raises(codes.CodeError) as err:
            codes.verify_site_code("site-key", "SITEREF123", slot, mac, NOW)
        assert err.value.code == "unknown_code"


def test_slots_are_thirty_seconds():
    assert codes.slot_of(NOW + timedelta(seconds=30)) == codes.slot_of(NOW) + 1
    assert codes.slot_start(codes.slot_of(NOW)) <= NOW < codes.slot_start(codes.slot_of(NOW) + 1)


def test_grace_tokens_round_trip_and_refuse_tampering():
    token = codes.make_grace_token(SECRET, "SITEREF123", "0b7d6f2e-1111-4222-8333-444455556666", 5)
    assert codes.read_grace_token(SECRET, token, 600) == (
        "SITEREF123",
        "0b7d6f2e-1111-4222-8333-444455556666",
        5,
    )
    with pytest.raises(codes.CodeError) as err:
        codes.read_grace_token(SECRET, token[:-2] + "xx", 600)
    assert err.value.code == "unknown_code"
    with pytest.raises(codes.CodeError) as err:
        codes.read_grace_token(SECRET + "x", token, 600)
    assert err.value.code == "unknown_code"


@pytest.mark.parametrize(
    "data", ["short", "AKP1." + "x" * 140, "https://example.se/checkin/s/a/1/b"]
)
def test_qr_codes_are_svg_with_error_correction_m_or_better_and_a_quiet_zone(data):
    svg = codes.qr_svg(data, "QR")
    qr = segno.make(data, error="m", boost_error=True, micro=False)
    assert qr.error in ("M", "Q", "H")
    size = qr.symbol_size(scale=1, border=4)[0]
    assert f'viewBox="0 0 {size} {size}"' in svg
    # Nothing is drawn in the four-module quiet zone: every path starts at x>=4, y>=4.
    dark = re.search(r'<path stroke="#000" d="M(\d+) (\d+)', svg)
    assert int(dark.group(1)) >= 4 and float(dark.group(2)) >= 4
    assert codes.qr_svg_data_uri(data, "QR").startswith("data:image/svg+xml;base64,")
    assert codes.qr_png(data)[:8] == b"\x89PNG\r\n\x1a\n"
