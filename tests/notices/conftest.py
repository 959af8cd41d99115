"""Fixtures for the notices: a real SMTP server in the test process, verified applicants."""

from __future__ import annotations

import socket
import time

import pytest
from aiosmtpd.controller import Controller

from portal.extensions import db
from portal.models import Channel, ContactVerification, utcnow

BASE_URL = "https://portal.kommun.test"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """The SMTP server's handler: keeps every message it accepts."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy

        self.messages.append(
            (list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default))
        )
        return "250 Message accepted for delivery"


class SmtpServer:
    """An aiosmtpd server on a fixed port that a test can stop and start again."""

    def __init__(self, port: int):
        self.port = port
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def wait_for(self, count: int, timeout: float = 5.0) -> list:
        deadline = time.monotonic() + timeout
        while len(self.inbox.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.inbox.messages


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def smtp(smtp_port):
    """A running SMTP server; ``smtp.inbox.messages`` holds (recipients, message) pairs."""
    server = SmtpServer(smtp_port)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def app_config(app_config, smtp_port) -> dict:
    return {
        **app_config,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_port,
        "MAIL_USE_TLS": False,
        "MAIL_USERNAME": "",
        "MAIL_FROM": "aktivitetsportalen@kommun.test",
        "PORTAL_BASE_URL": BASE_URL,
        "SMS_PROVIDER_URL": "",
    }


def verified(person, *, email: str | None = None, phone: str | None = None, language="sv"):
    """Give a person addresses, choose them as channels and mark them verified."""
    person.email, person.phone, person.language = email, phone, language
    person.notify_email, person.notify_sms = bool(email), bool(phone)
    for channel, address in ((Channel.EMAIL, email), (Channel.SMS, phone)):
        if address:
            db.session.add(
                ContactVerification(
                    person_id=person.id,
                    channel=channel,
                    address=address,
                    code_hash="0" * 64,
                    expires_at=utcnow(),
                    verified_at=utcnow(),
                )
            )
    db.session.flush()
    return person
