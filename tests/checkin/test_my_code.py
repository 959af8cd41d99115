"""My QR, the printable card and replacing a lost card."""

from __future__ import annotations

import base64
import re

import pytest
import sqlalchemy as sa

from checkin import services
from portal.extensions import db
from portal.models import PersonalCard


def _code_in(page: str) -> str:
    uri = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', page).group(1)
    return base64.b64decode(uri).decode()


def test_my_code_shows_a_qr_image_with_alt_text_and_no_personnummer(client, ck, login):
    login(ck.person)
    page = client.get("/checkin/min-kod")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'alt="Din personliga QR-kod"' in text
    assert "<svg" in _code_in(text) and 'class="qr"' in _code_in(text)
    assert ck.person.identity.personnummer not in text
    assert 'href="/checkin/min-kod/kort.pdf"' in text


def test_the_fresh_code_endpoint_gives_a_new_phone_code(client, ck, login, monday):
    login(ck.person)
    first = client.get("/checkin/min-kod/ny").get_json()
    monday.shift(120)
    second = client.get("/checkin/min-kod/ny").get_json()
    assert first["image"] != second["image"] and second["ttl"] == 600


def test_the_phone_code_verifies_and_expires(ck):
    phone = services.personal_code(ck.person, printed=False)
    assert phone.split(".")[5] == "600"
    printed = services.personal_code(ck.person, printed=True)
    assert printed.split(".")[5] == "0"


def test_the_card_is_a_pdf_without_personnummer(client, ck, login):
    login(ck.person)
    resp = client.get("/checkin/min-kod/kort.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert resp.data.startswith(b"%PDF-")
    assert "attachment" in resp.headers["Content-Disposition"]
    assert ck.person.identity.personnummer.encode() not in resp.data


def test_replacing_the_card_revokes_the_old_serial(client, ck, login):
    old = ck.code()
    login(ck.person)
    resp = client.post("/checkin/min-kod/nytt-kort")
    assert resp.status_code == 302
    cards = db.session.scalars(sa.select(PersonalCard).order_by(PersonalCard.serial)).all()
    assert [(c.serial, c.revoked_at is not None) for c in cards] == [(1, True), (2, False)]
    assert cards[0].revoked_reason == "lost"
    with pytest.raises(services.ScanRejected) as err:
        ck.scan(old)
    assert err.value.code == "revoked_card"
    assert ck.scan(ck.code()).event.status == "accepted"


@pytest.mark.parametrize("who", ["site_staff", "caseworker", "admin"])
def test_staff_have_no_personal_code(client, ck, login, who):
    login(getattr(ck.world, who))
    assert client.get("/checkin/min-kod").status_code == 403
    assert client.get("/checkin/min-kod/kort.pdf").status_code == 403
    assert client.post("/checkin/min-kod/nytt-kort").status_code == 403


def test_the_applicant_menu_links_to_my_code(client, ck, login):
    login(ck.person)
    assert 'href="/checkin/min-kod"' in client.get("/start").get_data(as_text=True)
