"""The HTTP SMS adapter against a local server standing in for the provider."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa

from portal.models import Channel, OutboxMessage, OutboxStatus
from portal.notices import notify
from portal.notices.delivery import send_queued
from portal.notices.transports import DeliveryError, HttpSmsAdapter
from tests.notices.conftest import verified


class Provider:
    """A provider that answers with ``status`` (after ``delay`` seconds) and keeps requests."""

    def __init__(self):
        self.status = 200
        self.delay = 0.0
        self.requests: list[tuple[dict, dict]] = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                provider.requests.append((dict(self.headers), body))
                time.sleep(provider.delay)
                self.send_response(provider.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                with contextlib.suppress(OSError):  # the client gave up (the timeout test)
                    self.wfile.write(b'{"id": "m1"}')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def provider():
    p = Provider()
    yield p
    p.close()


@pytest.fixture
def app_config(app_config, provider):
    return {**app_config, "SMS_PROVIDER_URL": provider.url, "SMS_PROVIDER_TOKEN": "s3cret"}


def _queue_sms(world, db):
    alma = verified(world.person_a, phone="+46701234567")
    notify(None, alma, "absence_decision", key="a", date="2026-12-01")
    db.session.commit()


def _row(db):
    db.session.expire_all()
    return db.session.scalars(sa.select(OutboxMessage)).one()


def test_an_sms_is_posted_to_the_provider_with_the_token(world, db, provider):
    _queue_sms(world, db)
    assert send_queued().sent == 1
    ((headers, body),) = provider.requests
    assert headers["Authorization"] == "Bearer s3cret"
    assert body["to"] == "+46701234567"
    assert body["message"].startswith("Du har ett nytt meddelande i Aktivitetsportalen: https://")
    row = _row(db)
    assert row.channel == Channel.SMS and row.status == OutboxStatus.SENT


def test_a_500_from_the_provider_is_tried_again_later(world, db, provider):
    _queue_sms(world, db)
    provider.status = 500
    summary = send_queued()
    assert (summary.sent, summary.retrying) == (0, 1)
    row = _row(db)
    assert row.status == OutboxStatus.QUEUED and row.last_error == "sms provider: HTTP 500"
    provider.status = 200
    assert send_queued(row.next_attempt_at).sent == 1
    assert len(provider.requests) == 2


def test_a_refusal_that_cannot_change_fails_at_once(world, db, provider):
    _queue_sms(world, db)
    provider.status = 400
    assert send_queued().failed == 1
    assert _row(db).status == OutboxStatus.FAILED


def test_a_provider_that_does_not_answer_in_time_is_a_timeout_and_tried_again(world, db, provider):
    _queue_sms(world, db)
    provider.delay = 1.0
    adapter = HttpSmsAdapter(provider.url, "s3cret", timeout=0.2)
    with pytest.raises(DeliveryError) as raised:
        adapter.send("+46701234567", "test")
    assert raised.value.reason == "sms provider: timeout" and not raised.value.permanent

    summary = send_queued(sms=adapter)
    assert summary.retrying == 1
    row = _row(db)
    assert row.status == OutboxStatus.QUEUED and row.last_error == "sms provider: timeout"


def test_a_provider_that_is_not_there_is_tried_again(world, db, provider):
    _queue_sms(world, db)
    provider.close()
    adapter = HttpSmsAdapter(provider.url, "s3cret", timeout=1)
    assert send_queued(sms=adapter).retrying == 1
