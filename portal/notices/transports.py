"""How an e-mail or SMS leaves the portal: SMTP for e-mail, a provider adapter for SMS.

Each transport raises ``DeliveryError`` when a message could not be handed over; ``permanent``
says that trying again cannot help (a refused address), so the sender gives up at once.
Nothing here logs an address or a message body.
"""

from __future__ import annotations

import json
import logging
import smtplib
import ssl
import urllib.error
import urllib.request
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Protocol

log = logging.getLogger(__name__)

#: Seconds to wait for the SMTP server or the SMS provider before giving up on this attempt.
TIMEOUT = 10


class DeliveryError(Exception):
    """A message could not be delivered now (or, if ``permanent``, ever)."""

    def __init__(self, reason: str, permanent: bool = False, unavailable: bool = False):
        super().__init__(reason)
        self.reason = reason[:300]
        self.permanent = permanent
        #: The server or provider itself could not be reached: the rest of the run's messages
        #: on this channel wait too, instead of each waiting out its own timeout.
        self.unavailable = unavailable


def mask(address: str) -> str:
    """An address with most of it hidden, for pages and logs: 'a…@kommun.se', '…4567'."""
    if "@" in address:
        name, _, domain = address.partition("@")
        return f"{name[:1]}…@{domain}"
    return "…" + address[-4:]


# --------------------------------------------------------------------------------------------
# E-mail


class Mailer(Protocol):
    def send(self, to: str, subject: str, body: str, language: str) -> None: ...

    def close(self) -> None: ...


class SmtpMailer:
    """Real SMTP: one connection per run, STARTTLS when asked, login when a user is set."""

    def __init__(
        self,
        server: str,
        port: int,
        sender: str,
        *,
        username: str = "",
        password: str = "",
        starttls: bool = True,
        timeout: float = TIMEOUT,
    ):
        self.server, self.port, self.sender = server, port, sender
        self.username, self.password, self.starttls = username, password, starttls
        self.timeout = timeout
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        if self._smtp is None:
            smtp = smtplib.SMTP(self.server, self.port, timeout=self.timeout)
            try:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.username:
                    smtp.login(self.username, self.password)
            except BaseException:
                smtp.close()
                raise
            self._smtp = smtp
        return self._smtp

    def send(self, to: str, subject: str, body: str, language: str) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain=self.sender.partition("@")[2] or None)
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(body)
        message["Content-Language"] = language  # after set_content, which drops Content-*
        try:
            smtp = self._connect()
        except (smtplib.SMTPException, OSError) as error:
            raise DeliveryError(f"smtp: {type(error).__name__}", unavailable=True) from error
        try:
            smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            self.close()
            raise DeliveryError("recipient refused", permanent=True) from error
        except (smtplib.SMTPException, OSError) as error:
            self.close()  # a broken connection is not reused; the next message reconnects
            raise DeliveryError(f"smtp: {type(error).__name__}") from error

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None


class LoggingMailer:
    """Development without an SMTP server: logs that an e-mail would have been sent."""

    def send(self, to: str, subject: str, body: str, language: str) -> None:
        log.info(
            "e-mail to %s (%s characters) not sent: MAIL_SERVER is not set", mask(to), len(body)
        )

    def close(self) -> None:
        pass


# --------------------------------------------------------------------------------------------
# SMS


class SmsAdapter(Protocol):
    """An SMS provider. ``send`` returns when the provider has accepted the message."""

    def send(self, to: str, body: str) -> None: ...


class HttpSmsAdapter:
    """A provider with an HTTPS API: POST JSON ``{"to", "message"}`` with a bearer token.

    2xx is accepted. 400, 401, 403, 404 and 422 are permanent (retrying cannot help); any
    other status, a timeout or a refused connection is tried again later.
    """

    PERMANENT = {400, 401, 403, 404, 422}

    def __init__(self, url: str, token: str, timeout: float = TIMEOUT):
        self.url, self.token, self.timeout = url, token, timeout

    def send(self, to: str, body: str) -> None:
        request = urllib.request.Request(  # noqa: S310 - the URL is the operator's setting
            self.url,
            data=json.dumps({"to": to, "message": body}).encode(),
            headers={
                "Authorization": f"Bearer {self.token}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                response.read()
        except urllib.error.HTTPError as error:
            raise DeliveryError(
                f"sms provider: HTTP {error.code}", permanent=error.code in self.PERMANENT
            ) from error
        except TimeoutError as error:
            raise DeliveryError("sms provider: timeout", unavailable=True) from error
        except urllib.error.URLError as error:
            if isinstance(error.reason, TimeoutError):
                raise DeliveryError("sms provider: timeout", unavailable=True) from error
            raise DeliveryError(
                f"sms provider: {type(error.reason).__name__}", unavailable=True
            ) from error
        except OSError as error:
            raise DeliveryError(
                f"sms provider: {type(error).__name__}", unavailable=True
            ) from error


class LoggingSmsAdapter:
    """Development without a provider: logs that an SMS would have been sent."""

    def send(self, to: str, body: str) -> None:
        log.info(
            "sms to %s (%s characters) not sent: SMS_PROVIDER_URL is not set", mask(to), len(body)
        )


class NotConfigured:
    """Production without a provider or server: every message waits and is retried."""

    def __init__(self, what: str):
        self.what = what

    def send(self, *args, **kwargs) -> None:
        raise DeliveryError(f"{self.what} is not configured")

    def close(self) -> None:
        pass


def mailer_from_config(config) -> Mailer:
    """The SMTP mailer of the MAIL_* settings (a logging one in development without them)."""
    if config.get("MAIL_SERVER"):
        return SmtpMailer(
            config["MAIL_SERVER"],
            int(config.get("MAIL_PORT") or 587),
            config.get("MAIL_FROM") or "no-reply@aktivitetsportalen.local",
            username=config.get("MAIL_USERNAME", ""),
            password=config.get("MAIL_PASSWORD", ""),
            starttls=bool(config.get("MAIL_USE_TLS", True)),
        )
    if config.get("PORTAL_ENV") == "production":
        return NotConfigured("MAIL_SERVER")
    return LoggingMailer()


def sms_from_config(config) -> SmsAdapter:
    """The HTTP SMS adapter of the SMS_* settings (a logging one in development without them)."""
    if config.get("SMS_PROVIDER_URL"):
        return HttpSmsAdapter(config["SMS_PROVIDER_URL"], config.get("SMS_PROVIDER_TOKEN", ""))
    if config.get("PORTAL_ENV") == "production":
        return NotConfigured("SMS_PROVIDER_URL")
    return LoggingSmsAdapter()
