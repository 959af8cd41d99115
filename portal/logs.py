"""Operations logging: one line per event as ``key=value`` pairs, with a request id.

Every record carries ``request_id`` (the caller's ``X-Request-ID`` when it is a plain token,
else a new one; echoed in the response), so an error a user reports can be found. A filter
masks anything shaped like a personnummer as a last line of defence: the code logs public
references only, never a personnummer, a name or case content (a test walks a whole journey
and checks). At start-up the configuration is summarised without secrets, and every CLI job
logs its start, end, exit status and duration.
"""

from __future__ import annotations

import logging
import os
import re
import time
import uuid
from functools import wraps

import click
from flask import Flask, has_request_context, request
from sqlalchemy.engine import make_url

log = logging.getLogger("portal.operations")

FORMAT = "%(asctime)s %(levelname)s %(name)s request_id=%(request_id)s %(message)s"
#: A caller's request id is used only when it is a short plain token.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
#: 12 or 10 digits, with or without the dash or plus: the shapes of a personnummer.
_PERSONNUMMER = re.compile(r"(?<!\d)(?:\d{2})?\d{6}[-+]?\d{4}(?!\d)")


#: The CLI jobs that run on a schedule or by hand in operations; their start and end are
#: logged. (Others, such as ``compliance evaluate``, keep standard error to their own message.)
JOBS = frozenset(
    {
        "notices queue",
        "notices send",
        "checkin auto-close",
        "compliance reconcile",
        "af import",
        "af export",
        "demo load",
    }
)


def _record_factory(base):
    """Every record gets ``request_id``, and personnummer-shaped numbers are masked."""

    def make(*args, **kwargs) -> logging.LogRecord:
        record = base(*args, **kwargs)
        record.request_id = current_request_id() or "-"
        if isinstance(record.msg, str) and record.args:
            try:
                record.msg, record.args = record.msg % record.args, ()
            except (TypeError, ValueError, KeyError):
                return record
        if isinstance(record.msg, str):
            record.msg = mask(record.msg)
        return record

    make._portal = True
    return make


def mask(text: str) -> str:
    """Replace anything shaped like a personnummer."""
    return _PERSONNUMMER.sub("[personnummer]", text)


def current_request_id() -> str | None:
    """The id of the request being served, if any."""
    if not has_request_context():
        return None
    environ = request.environ
    if "portal.request_id" not in environ:
        given = request.headers.get("X-Request-ID", "")
        environ["portal.request_id"] = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
    return environ["portal.request_id"]


def init_app(app: Flask) -> None:
    """Configure the root logger once, tag responses with their request id, wrap CLI jobs."""
    level = os.environ.get("LOG_LEVEL", "INFO").upper()
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "_portal", False):
        logging.setLogRecordFactory(_record_factory(factory))
    logging.basicConfig(level=level, format=FORMAT)
    app.logger.setLevel(level)
    # fontTools logs a dozen INFO lines ("glyf pruned" …) for every PDF it subsets a font for.
    logging.getLogger("fontTools").setLevel(logging.WARNING)

    @app.after_request
    def _tag(response):
        request_id = current_request_id()
        if request_id:
            response.headers["X-Request-ID"] = request_id
        return response

    for command in app.cli.commands.values():
        _wrap_job(command)

    summarised = []

    @app.before_request
    def _summarise_once():
        # When the process starts serving; not for CLI commands, whose standard error is theirs.
        if not summarised:
            summarised.append(startup_summary(app))


def startup_summary(app: Flask) -> dict[str, str]:
    """What the app runs with, without secrets: logged once when a server starts."""
    config = app.config
    url = make_url(config.get("SQLALCHEMY_DATABASE_URI", "sqlite://"))
    storage = str(config.get("RATELIMIT_STORAGE_URI", "memory://")).split("://", 1)[0]
    summary = {
        "env": str(config.get("PORTAL_ENV", config.get("ENV", "production"))),
        "database": f"{url.get_backend_name()}://{url.host or ''}/{url.database or ''}",
        "rate_limit_storage": storage,
        "mail": "configured" if config.get("MAIL_SERVER") else "not configured",
        "sms": "configured" if config.get("SMS_PROVIDER_URL") else "not configured",
        "dev_login": "on" if config.get("DEV_LOGIN") else "off",
        "languages": ",".join(config.get("LANGUAGES", ())),
    }
    log.info("startup %s", " ".join(f"{k}={v}" for k, v in summary.items()))
    return summary


def _wrap_job(command: click.Command, path: str = "") -> None:
    """Log a CLI job's start and end (status and duration); groups are walked."""
    name = f"{path} {command.name}".strip()
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _wrap_job(sub, name)
        return
    callback = command.callback
    if name not in JOBS or callback is None or getattr(callback, "_logged_job", False):
        return

    @wraps(callback)
    def logged(*args, **kwargs):
        started = time.monotonic()
        log.info("job=%s event=start", name)
        status = "ok"
        try:
            return callback(*args, **kwargs)
        except SystemExit as exit_:
            status = "ok" if exit_.code in (None, 0) else f"exit_{exit_.code}"
            raise
        except click.exceptions.Exit as exit_:
            status = "ok" if exit_.exit_code == 0 else f"exit_{exit_.exit_code}"
            raise
        except click.ClickException as refused:
            status = f"exit_{refused.exit_code}"
            raise
        except Exception:
            status = "error"
            log.exception("job=%s event=error", name)
            raise
        finally:
            seconds = time.monotonic() - started
            log.info("job=%s event=end status=%s seconds=%.2f", name, status, seconds)

    logged._logged_job = True
    command.callback = logged
