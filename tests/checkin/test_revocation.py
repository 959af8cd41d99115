"""Revoking a compromised signing key: its codes are refused on every server at once and by
devices at their next roster download; the cards it signed are listed for printing again."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from checkin import keys, services
from portal.extensions import db
from portal.models import AuditEntry, SigningKey
from tests.checkin.conftest import local

API = "/api/checkin/v1"


def _scan(client, ck, code, mode="in", at="2026-03-02 09:30"):
    return client.post(
        f"{API}/scans",
        json={
            "event_id": str(uuid.uuid4()),
            "code": code,
            "mode": mode,
            "occurred_at": local(at).isoformat(),
        },
        headers=ck.headers(),
    )


def _key_of(code: str) -> str:
    return code.split(".")[1]


@pytest.mark.commits  # a scan commits on a connection of its own
def test_a_revoked_keys_codes_are_refused_and_a_new_print_works(client, ck, runner):
    card = ck.code()
    assert _scan(client, ck, card).status_code == 201
    old_key = _key_of(card)

    result = runner.invoke(args=["checkin", "revoke-key", old_key, "--reason", "Läckt backup"])
    assert result.exit_code == 0, result.output
    resp = _scan(client, ck, card, "out", at="2026-03-02 11:30")
    assert resp.status_code == 422
    body = resp.get_json()
    assert body["code"] == "revoked_key" and body["person"] is None and body["message"]

    [entry] = keys.cards_to_reissue(ck.world.municipality.id)
    assert entry.person.id == ck.person.id and entry.key.key_id == old_key
    listed = runner.invoke(args=["checkin", "cards-to-reissue"])
    assert f"{ck.person.public_ref}\t1\t{old_key}" in listed.output

    reprint = ck.code()  # the same card printed again, signed with the new key
    assert _key_of(reprint) != old_key
    assert _scan(client, ck, reprint, "out", at="2026-03-02 11:30").status_code == 201
    assert keys.cards_to_reissue(ck.world.municipality.id) == []


def test_devices_stop_trusting_a_revoked_key_at_their_next_roster(client, ck):
    old_key = _key_of(ck.code())
    before = client.get(f"{API}/roster", headers=ck.headers()).get_json()
    assert [k["key_id"] for k in before["keys"]] == [old_key] and before["revoked_keys"] == []
    keys.revoke_signing_key(old_key, "Läckt", ck.world.admin)
    db.session.commit()
    after = client.get(f"{API}/roster", headers=ck.headers()).get_json()
    assert old_key not in [k["key_id"] for k in after["keys"]]
    assert after["revoked_keys"] == [old_key] and len(after["keys"]) == 1


@pytest.mark.commits  # a scan commits on a connection of its own
def test_an_offline_scan_with_a_revoked_key_is_not_taken_for_the_person(client, ck):
    card = ck.code()
    keys.revoke_signing_key(_key_of(card), "Läckt", ck.world.admin)
    db.session.commit()
    item = {
        "event_id": str(uuid.uuid4()),
        "code": card,
        "mode": "in",
        "occurred_at": local("2026-03-02 09:10").isoformat(),
        "local_result": "accepted",
    }
    resp = client.post(f"{API}/sync", json={"items": [item]}, headers=ck.headers())
    [result] = resp.get_json()["results"]
    assert (result["result"], result["code"], result["stored"]) == ("rejected", "revoked_key", True)


def test_administrators_revoke_a_key_with_a_reason_and_see_the_cards(client, ck, login):
    card = ck.code()
    key_id = _key_of(card)
    login(ck.world.site_staff)
    assert client.get("/checkin/nycklar").status_code == 403
    login(ck.world.admin)
    page = client.get("/checkin/nycklar")
    assert page.status_code == 200 and key_id in page.get_data(as_text=True)
    refused = client.post("/checkin/nycklar", data={"key": key_id, "reason": ""})
    assert refused.status_code == 400
    assert (
        db.session.scalar(sa.select(SigningKey).where(SigningKey.key_id == key_id)).revoked_at
        is None
    )
    done = client.post("/checkin/nycklar", data={"key": key_id, "reason": "Backupen läckte"})
    assert done.status_code == 302
    db.session.expire_all()
    key = db.session.scalar(sa.select(SigningKey).where(SigningKey.key_id == key_id))
    assert key.revoked_at is not None and key.revoked_reason == "Backupen läckte"
    assert services.current_signing_key().key_id != key_id
    audit = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.object_type == "signing_key"))
    assert audit.action == "revoke" and audit.object_ref == key_id
    text = client.get("/checkin/nycklar").get_data(as_text=True)
    assert "Alma" in text and "Spärrad" in text
