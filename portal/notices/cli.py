"""``flask notices queue`` and ``flask notices send``: the scheduled jobs of the notices."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.extensions import db

notices_cli = AppGroup("notices", help="Notices: queue those due now, deliver the queued ones.")


@notices_cli.command("queue")
def queue_command() -> None:
    """Queue the notices due now (tomorrow's activities, missed check-ins, staff reminders).

    Safe to run every few minutes: a notice already queued is never queued again.
    """
    from admin.casework.reminders import queue_sla_reminders
    from portal.notices.due import queue_due

    summary = queue_due()
    summary.staff = queue_sla_reminders()
    db.session.commit()
    click.echo(
        f"queued {summary.reminders} reminder(s), {summary.missed} missed check-in(s), "
        f"{summary.staff} staff reminder(s)"
    )


@notices_cli.command("send")
@click.option("--limit", default=1000, show_default=True, help="Most messages in this run.")
def send_command(limit: int) -> None:
    """Deliver the queued e-mail and SMS that are due, once, and exit."""
    from portal.notices.delivery import send_queued

    summary = send_queued(limit=limit)
    click.echo(f"sent {summary.sent}, retrying later {summary.retrying}, failed {summary.failed}")
