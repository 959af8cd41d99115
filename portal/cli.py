"""Command-line tools: demo data and staff users."""

from __future__ import annotations

import click
import pyotp
import sqlalchemy as sa
from flask.cli import AppGroup

from portal.extensions import db
from portal.models import Municipality, StaffRole, StaffUser, Unit

demo_cli = AppGroup("demo", help="Demo data for development and evaluation.")
users_cli = AppGroup("users", help="Staff users.")


@demo_cli.command("load")
def demo_load():
    """Load the demo municipality unless the database already has data (idempotent)."""
    from portal import demo

    created = demo.load()
    db.session.commit()
    click.echo("Demo data loaded." if created else "Database already has data; nothing loaded.")


@demo_cli.command("logins")
@click.option("--base-url", default="http://127.0.0.1:5000", show_default=True)
def demo_logins(base_url: str):
    """Print how to sign in as each demo role."""
    from portal import demo

    click.echo(demo.logins_text(base_url.rstrip("/")))


@demo_cli.command("totp")
@click.argument("email")
def demo_totp(email: str):
    """Print the current one-time code of a demo staff user (development only)."""
    from flask import current_app

    if current_app.config["PORTAL_ENV"] == "production":
        raise click.ClickException("not available in production")
    user = db.session.scalar(sa.select(StaffUser).where(StaffUser.email == email.lower()))
    if user is None or not user.totp_secret:
        raise click.ClickException("no such user with a second factor")
    click.echo(pyotp.TOTP(user.totp_secret).now())


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice([r.value for r in StaffRole]), required=True)
@click.option("--unit", "unit_name", default=None, help="Caseworker unit name.")
@click.password_option()
def users_create(email: str, name: str, role: str, unit_name: str | None, password: str):
    """Create a staff user; the second factor is enrolled at first sign-in."""
    from portal.auth.services import hash_password

    if len(password) < 12:
        raise click.ClickException("the password must be at least 12 characters")
    municipality = db.session.scalar(sa.select(Municipality).order_by(Municipality.id))
    if municipality is None:
        raise click.ClickException("no municipality in the database")
    unit = None
    if unit_name:
        unit = db.session.scalar(sa.select(Unit).where(Unit.name == unit_name))
        if unit is None:
            raise click.ClickException(f"no unit named {unit_name!r}")
    if db.session.scalar(sa.select(StaffUser).where(StaffUser.email == email.lower())):
        raise click.ClickException("a user with that e-mail exists")
    db.session.add(
        StaffUser(
            municipality_id=municipality.id,
            email=email.lower(),
            name=name,
            role=StaffRole(role),
            unit=unit,
            password_hash=hash_password(password),
        )
    )
    db.session.commit()
    click.echo(f"Created {email} ({role}).")
