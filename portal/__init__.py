"""Aktivitetsportalen: the app factory. Creating the app has no side effects."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from portal.config import load_config

PACKAGE_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure the application; ``test_config`` overrides the environment."""
    app = Flask(__name__, instance_relative_config=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(load_config(app.instance_path))
    if test_config:
        app.config.update(test_config)
    from portal.i18n_tools import translation_units

    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(
        str(unit / "translations") for unit in translation_units(PACKAGE_ROOT)
    )

    _init_extensions(app)
    _register_blueprints(app)
    _register_cli(app)

    from portal import errors, request_guard, security, sessions

    request_guard.init_app(app)
    from portal.auth import throttle

    throttle.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    sessions.init_app(app)
    app.before_request(_fresh_request_state)
    _configure_logging(app)
    return app


def _init_extensions(app: Flask) -> None:
    from portal import i18n
    from portal.auth.services import load_user
    from portal.extensions import csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            sa.event.listen(db.engine, "connect", _sqlite_write_ahead_log)
    migrate.init_app(app, db, directory=str(PACKAGE_ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app)
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.start"
    login_manager.login_message = None
    login_manager.session_protection = "strong"

    import portal.models  # noqa: F401  (registers every table and the append-only guards)


def _sqlite_write_ahead_log(dbapi_connection, _record) -> None:
    """SQLite (development, tests, demo) in write-ahead-log mode: readers and the one writer
    do not wait for each other, and a commit syncs one file, not a journal and the database."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _register_blueprints(app: Flask) -> None:
    from admin.administration.routes import bp as administration_bp
    from admin.af.routes import bp as af_bp
    from admin.audit.routes import bp as audit_bp
    from admin.casework.routes import bp as casework_bp
    from admin.catalogue.routes import bp as catalogue_bp
    from admin.plans.routes import bp as plans_bp
    from admin.reconciliation.routes import bp as reconciliation_bp
    from admin.reports.routes import bp as reports_bp
    from admin.routes import bp as admin_bp
    from checkin.routes import api as checkin_api
    from checkin.routes import bp as checkin_bp
    from portal.auth.routes import bp as auth_bp
    from portal.decision_routes import bp as decisions_bp
    from portal.notices.routes import admin_bp as notices_admin_bp
    from portal.notices.routes import bp as notices_bp
    from portal.routes import bp as portal_bp

    app.register_blueprint(portal_bp)
    app.register_blueprint(decisions_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(checkin_bp, url_prefix="/checkin")
    app.register_blueprint(checkin_api, url_prefix="/api/checkin/v1")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(casework_bp, url_prefix="/admin/cases")
    app.register_blueprint(catalogue_bp, url_prefix="/admin/catalogue")
    app.register_blueprint(plans_bp, url_prefix="/admin/plans")
    app.register_blueprint(af_bp, url_prefix="/admin/af")
    app.register_blueprint(reconciliation_bp, url_prefix="/admin/reconciliation")
    app.register_blueprint(audit_bp, url_prefix="/admin/audit")
    app.register_blueprint(notices_bp)
    app.register_blueprint(notices_admin_bp, url_prefix="/admin/notices")
    app.register_blueprint(administration_bp, url_prefix="/admin/administration")
    app.register_blueprint(reports_bp, url_prefix="/admin/rapporter")


def _register_cli(app: Flask) -> None:
    from admin.af.cli import af_cli
    from admin.reports.cli import reports_cli
    from portal.cli import demo_cli, users_cli
    from portal.compliance.cli import compliance_cli
    from portal.notices.cli import notices_cli

    app.cli.add_command(demo_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(compliance_cli)
    app.cli.add_command(af_cli)
    app.cli.add_command(notices_cli)
    app.cli.add_command(reports_cli)


def _fresh_request_state() -> None:
    """Forget the user and locale cached on ``g``.

    A request normally gets its own app context, so this is a no-op in a server. When an app
    context is already active (tests, CLI helpers) Flask reuses it, and Flask-Login,
    Flask-Babel and Flask-WTF would otherwise carry the previous request's user, language and
    CSRF token over.
    """
    from flask import g
    from flask_babel import refresh

    if not vars(g._get_current_object()):
        return  # a new app context, as every request has in a server: nothing carried over
    g.pop("_login_user", None)
    g.pop("csrf_token", None)
    refresh()


def _configure_logging(app: Flask) -> None:
    from portal import logs

    logs.init_app(app)
