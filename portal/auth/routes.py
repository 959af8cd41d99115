"""Sign-in pages: start, staff password + TOTP, e-identification (OIDC) and the dev stand-in."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from portal.access import public
from portal.auth import services
from portal.auth.forms import (
    DevNewApplicantForm,
    DevSignInForm,
    LogoutForm,
    StaffLoginForm,
    TotpForm,
)
from portal.auth.throttle import throttle
from portal.errors import DomainError, render_error
from portal.extensions import db, limiter
from portal.models import Person, StaffRole, StaffUser, utcnow
from portal.request_guard import safe_next

bp = Blueprint("auth", __name__, template_folder="../templates")

_PENDING = "pending_staff_id"


def _home_for(user) -> str:
    if getattr(user, "is_staff", False):
        if user.role == StaffRole.SITE_STAFF:
            return url_for("checkin.home")
        return url_for("admin.home")
    return url_for("portal.home")


@bp.get("/")
@public("the sign-in page")
def start():
    """Choose how to sign in."""
    if current_user.is_authenticated:
        return redirect(_home_for(current_user))
    return render_template(
        "auth/start.html",
        oidc=services.oidc_enabled(),
        dev_login=current_app.config["DEV_LOGIN"],
    )


def _wait_message(seconds: int) -> str:
    return _(
        "För många felaktiga försök. Vänta %(seconds)s sekunder och försök igen.",
        seconds=seconds,
    )


@bp.route("/staff", methods=["GET", "POST"])
@limiter.limit("20 per minute; 200 per hour", methods=["POST"])
@public("staff sign-in")
def staff_login():
    """Step 1 for staff: e-mail and password.

    Limited per client address (Flask-Limiter) and per account (a progressive delay after
    repeated wrong passwords, the same whether the account exists or not).
    """
    form = StaffLoginForm()
    if form.validate_on_submit():
        wait = throttle().wait_seconds("password", form.email.data)
        if wait:
            form.password.errors.append(_wait_message(wait))
            return render_template("auth/staff_login.html", form=form), 429
        user = services.check_staff_password(form.email.data, form.password.data)
        if user is None:
            current_app.logger.info("staff sign-in refused")
            throttle().failed("password", form.email.data)
            form.password.errors.append(_("Fel e-postadress eller lösenord."))
        else:
            throttle().succeeded("password", form.email.data)
            session.clear()
            session[_PENDING] = user.id
            if user.totp_confirmed_at is None:
                return redirect(url_for("auth.totp_enrol"))
            return redirect(url_for("auth.totp"))
    return render_template("auth/staff_login.html", form=form)


def _pending_user() -> StaffUser:
    user_id = session.get(_PENDING)
    user = db.session.get(StaffUser, user_id) if user_id else None
    if user is None or not user.active:
        abort(403)
    return user


def _finish_staff_login(user: StaffUser):
    session.pop(_PENDING, None)
    user.last_login_at = utcnow()
    login_user(user)
    session.permanent = True
    return redirect(_home_for(user))


@bp.route("/staff/totp", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
@public("staff sign-in, second step (checks its pending user)")
def totp():
    """Step 2 for staff: the one-time code from the authenticator app."""
    user = _pending_user()
    if user.totp_confirmed_at is None:
        return redirect(url_for("auth.totp_enrol"))
    form = TotpForm()
    if form.validate_on_submit():
        account = f"staff:{user.id}"
        wait = throttle().wait_seconds("totp", account)
        if wait:
            form.code.errors.append(_wait_message(wait))
            return render_template("auth/totp.html", form=form), 429
        if services.verify_totp(user, form.code.data):
            throttle().succeeded("totp", account)
            return _finish_staff_login(user)
        throttle().failed("totp", account)
        form.code.errors.append(_("Koden stämmer inte. Vänta på nästa kod och försök igen."))
    return render_template("auth/totp.html", form=form)


@bp.route("/staff/totp/enrol", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
@public("staff sign-in, first second-factor enrolment (checks its pending user)")
def totp_enrol():
    """First sign-in: show the secret as a QR code and confirm it with a first code."""
    user = _pending_user()
    if user.totp_confirmed_at is not None:
        return redirect(url_for("auth.totp"))
    form = TotpForm()
    account = f"staff:{user.id}"
    wait = throttle().wait_seconds("totp", account) if form.validate_on_submit() else 0
    if wait:
        form.code.errors.append(_wait_message(wait))
    elif form.validate_on_submit():
        if services.verify_totp(user, form.code.data):
            throttle().succeeded("totp", account)
            return _finish_staff_login(user)
        throttle().failed("totp", account)
        form.code.errors.append(_("Koden stämmer inte. Kontrollera att appen visar rätt konto."))
    qr = services.totp_qr_svg(user)
    db.session.commit()  # keep the new secret even though this GET renders a form
    return render_template("auth/totp_enrol.html", form=form, qr=qr, secret=user.totp_secret)


@bp.post("/logout")
@public("signing out (a POST with a CSRF token)")
def logout():
    """Sign out (a POST with a CSRF token, never a link)."""
    form = LogoutForm()
    if not form.validate_on_submit():
        abort(400)
    if current_user.is_authenticated and current_user.get_id() == session.get("_user_id"):
        # Server side too: a copy of this session's cookie no longer signs anyone in.
        services.end_sessions(current_user._get_current_object())
    logout_user()
    session.clear()
    flash(_("Du är utloggad."), "info")
    return redirect(url_for("auth.start"))


# --- Applicants: e-identification (OpenID Connect) -------------------------------------------


def _oauth_client():
    """The e-identification broker's OpenID Connect client.

    Authorization code flow with PKCE (S256), state and nonce; Authlib checks the ID token's
    signature against the broker's published keys, its issuer, audience, expiry and nonce.
    The broker's published issuer must be the configured one (no mix-up with another).
    Raises BrokerUnavailable when the broker cannot be reached or describes itself wrongly.
    """
    from authlib.integrations.flask_client import OAuth

    oauth = current_app.extensions.get("portal_oauth")
    if oauth is None:
        oauth = OAuth(current_app)
        cfg = current_app.config
        oauth.register(
            "eid",
            client_id=cfg["OIDC_CLIENT_ID"],
            client_secret=cfg["OIDC_CLIENT_SECRET"],
            server_metadata_url=cfg["OIDC_ISSUER"].rstrip("/")
            + "/.well-known/openid-configuration",
            client_kwargs={
                "scope": cfg["OIDC_SCOPES"],
                "code_challenge_method": "S256",
                "timeout": cfg.get("OIDC_TIMEOUT_SECONDS", 10),
            },
        )
        current_app.extensions["portal_oauth"] = oauth
    client = oauth.eid
    try:
        metadata = client.load_server_metadata()
    except Exception as exc:  # noqa: BLE001 - network, TLS or a broken document: unreachable
        client.server_metadata = {}
        raise BrokerUnavailable("metadata") from exc
    expected = current_app.config["OIDC_ISSUER"].rstrip("/")
    if str(metadata.get("issuer", "")).rstrip("/") != expected:
        client.server_metadata = {}
        raise BrokerUnavailable("issuer")
    return client


class BrokerUnavailable(Exception):
    """The e-identification broker could not be reached or did not describe itself rightly."""


def _broker_unavailable(reason: str):
    current_app.logger.warning("e-identification broker unavailable (%s)", reason)
    return render_error(
        503,
        "eid_unavailable",
        _(
            "Inloggning med e-legitimation går inte att nå just nu. Försök igen om en stund. "
            "Om det inte fungerar, kontakta kommunen."
        ),
    )


@bp.get("/eid")
@limiter.limit("20 per minute")
@public("applicant sign-in with e-identification")
def eid_login():
    """Send the applicant to the configured e-identification broker (BankID, Freja …)."""
    if not services.oidc_enabled():
        abort(404)
    try:
        client = _oauth_client()
        return client.authorize_redirect(url_for("auth.eid_callback", _external=True))
    except BrokerUnavailable as exc:
        return _broker_unavailable(str(exc))


@bp.get("/eid/callback")
@limiter.limit("20 per minute")
@public("the e-identification broker's return")
def eid_callback():
    """The broker returns here; the personnummer claim identifies the applicant.

    A state that this browser did not start (foreign or replayed), a wrong nonce, a token
    not signed by the broker or not issued by it for this portal: all are refused alike.
    """
    if not services.oidc_enabled():
        abort(404)
    try:
        client = _oauth_client()
    except BrokerUnavailable as exc:
        return _broker_unavailable(str(exc))
    try:
        token = client.authorize_access_token()
    except Exception:  # noqa: BLE001 - any protocol failure is the same refusal to the user
        current_app.logger.warning("e-identification callback failed")
        flash(_("Inloggningen avbröts eller misslyckades. Försök igen."), "error")
        return redirect(url_for("auth.start"))
    claims = token.get("userinfo") or {}
    number = str(claims.get(current_app.config["OIDC_PERSONNUMMER_CLAIM"], ""))
    try:
        person = services.applicant_for_personnummer(
            number, claims.get("given_name", ""), claims.get("family_name", "")
        )
    except DomainError:
        flash(_("E-legitimationen gav inget giltigt personnummer."), "error")
        return redirect(url_for("auth.start"))
    return _finish_applicant_login(person)


def _finish_applicant_login(person: Person):
    # Check-in (issue 4): a self check-in scanned before signing in stores where to continue
    # in session["after_login"] (a signed grace token in a local URL). It must survive the
    # session reset, and only a local path is honoured, never an open redirect.
    after_login = session.get("after_login")
    session.clear()
    login_user(person)
    session.permanent = True
    return redirect(safe_next(after_login, url_for("portal.home")))


# --- Development stand-in for e-identification ------------------------------------------------


def _dev_only():
    if not current_app.config["DEV_LOGIN"]:
        abort(404)


@bp.get("/dev")
@public("development sign-in stand-in (404 unless DEV_LOGIN)")
def dev():
    """List the demo people; each button signs that person in. Development only."""
    _dev_only()
    people = db.session.scalars(
        sa.select(Person).order_by(Person.last_name, Person.first_name).limit(200)
    ).all()
    return render_template(
        "auth/dev.html",
        people=people,
        facts=services.dev_person_facts(people),
        form=DevSignInForm(),
        new_form=DevNewApplicantForm(),
    )


@bp.post("/dev/<ref>")
@limiter.limit("60 per minute")
@public("development sign-in stand-in (404 unless DEV_LOGIN)")
def dev_sign_in(ref: str):
    """Sign in as one demo person (CSRF-protected)."""
    _dev_only()
    if not DevSignInForm().validate_on_submit():
        abort(400)
    person = db.session.scalar(sa.select(Person).where(Person.public_ref == ref))
    if person is None:
        abort(404)
    return _finish_applicant_login(person)


@bp.post("/dev/new")
@limiter.limit("30 per minute")
@public("development sign-in stand-in (404 unless DEV_LOGIN)")
def dev_new():
    """Sign in with any valid personnummer, as a broker would; creates a new applicant."""
    _dev_only()
    form = DevNewApplicantForm()
    if form.validate_on_submit():
        try:
            person = services.applicant_for_personnummer(
                form.personnummer.data, form.first_name.data, form.last_name.data
            )
        except DomainError:
            form.personnummer.errors.append(
                _("Personnumret är inte giltigt. Kontrollera datum och sista siffran.")
            )
        else:
            return _finish_applicant_login(person)
    people = db.session.scalars(
        sa.select(Person).order_by(Person.last_name, Person.first_name).limit(200)
    ).all()
    return render_template(
        "auth/dev.html",
        people=people,
        facts=services.dev_person_facts(people),
        form=DevSignInForm(),
        new_form=form,
    ), 400


@bp.app_context_processor
def _auth_context():
    return {"logout_form": LogoutForm(), "dev_login_enabled": current_app.config["DEV_LOGIN"]}
