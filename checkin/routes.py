"""Check-in pages: site staff, administrators' devices, the applicant's code and self check-in,
and the device pages (scanner, kiosk, enrolment). The device JSON API is ``api`` (checkin.api).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import click
import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectChoice

from checkin import codes, keys, review, schedule, services, wording
from checkin.api import api
from checkin.card import card_pdf
from checkin.forms import (
    AfterwardsForm,
    AnnulForm,
    ButtonForm,
    CorrectionForm,
    CreateDeviceForm,
    ManualForm,
    RevokeKeyForm,
    SelfScanForm,
)
from portal import audit, nav
from portal.access import (
    applicant_required,
    is_applicant,
    public,
    site_or_404,
    staff_required,
)
from portal.errors import DomainError
from portal.extensions import db, limiter
from portal.i18n import STOCKHOLM, local_today
from portal.models import (
    AttendanceEvent,
    Device,
    EventKind,
    Person,
    Site,
    StaffRole,
)

bp = Blueprint("checkin", __name__, template_folder="templates", static_folder="static")

__all__ = ["api", "bp"]

nav.register(str(StaffRole.SITE_STAFF), "checkin.home", _l("Mina platser"))
nav.register(str(StaffRole.SITE_STAFF), "checkin.review_list", _l("Att granska"))
nav.register(str(StaffRole.SITE_STAFF), "checkin.scanner", _l("Skanner"))
nav.register(str(StaffRole.ADMINISTRATOR), "checkin.devices", _l("Skannrar och skärmar"))
nav.register(str(StaffRole.ADMINISTRATOR), "checkin.signing_keys", _l("Nycklar och kort"))
nav.register("applicant", "checkin.my_code", _l("Min QR-kod"))

#: Session key the sign-in honours after an applicant signs in (portal/auth/routes.py).
AFTER_LOGIN = "after_login"
NODE_MODULES = Path(__file__).resolve().parent / "node_modules"
#: Front-end files served from checkin/node_modules (installed by `make assets`), by name.
VENDOR_FILES = {
    "barcode-detector.js": ("barcode-detector/dist/iife", "ponyfill.js"),
    "zxing_reader.wasm": ("zxing-wasm/dist/reader", "zxing_reader.wasm"),
}


# --- Site staff -----------------------------------------------------------------------------


@bp.get("/")
@staff_required(StaffRole.SITE_STAFF)
def home():
    """Site staff's start page: their sites, today."""
    sites = sorted(current_user.sites, key=lambda s: s.name)
    return render_template("checkin/home.html", sites=sites, today=local_today())


def _day_arg() -> date:
    value = request.args.get("dag", "")
    if not value:
        return local_today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        abort(400)


@bp.get("/platser/<site_ref>")
@staff_required(StaffRole.SITE_STAFF)
def site_day(site_ref: str):
    """Today's (or another day's) expected participants, visits and events at one site."""
    site = site_or_404(site_ref)
    day = _day_arg()
    overview = services.site_day(site, day)
    audit.record("read", "site_attendance", object_ref=f"{site.public_ref}/{day.isoformat()}")
    return render_template(
        "checkin/site_day.html",
        d=overview,
        manual_form=ManualForm(),
        today=local_today(),
        afterwards=services.may_register_afterwards(site, day, local_today()),
    )


@bp.post("/platser/<site_ref>/registrera")
@staff_required(StaffRole.SITE_STAFF)
def register_manually(site_ref: str):
    """Register an expected participant's check-in or check-out by hand, now."""
    site = site_or_404(site_ref)
    form = ManualForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        event = services.register_manually(
            current_user,
            site,
            person_ref=form.person.data,
            session_id=form.session.data,
            kind=form.kind.data,
            reason=_("Registrerad för hand av personalen"),
        )
    except DomainError as error:
        abort(error.status)
    person = db.session.get(Person, event.person_id)
    flash(_("Registreringen för %(name)s är sparad.", name=person.full_name), "success")
    return redirect(url_for("checkin.site_day", site_ref=site.public_ref))


@bp.route("/platser/<site_ref>/efterhand", methods=["GET", "POST"])
@staff_required(StaffRole.SITE_STAFF)
def register_afterwards(site_ref: str):
    """Register a check-in or check-out missed on a past day (within the municipality's
    window), with the time and a reason."""
    site = site_or_404(site_ref)
    day = _day_arg()
    person_ref, session_id = request.args.get("person", ""), request.args.get("session", "")
    form = AfterwardsForm()
    if form.validate_on_submit():
        try:
            event = services.register_afterwards(
                current_user,
                site,
                person_ref=person_ref,
                session_id=session_id,
                day=day,
                kind=form.kind.data,
                at=form.time.data,
                reason=form.reason.data,
            )
        except DomainError as error:
            if error.status == 404:
                abort(404)
            form.time.errors.append(str(error.message))
        else:
            person = db.session.get(Person, event.person_id)
            flash(_("Registreringen för %(name)s är sparad.", name=person.full_name), "success")
            return redirect(url_for("checkin.site_day", site_ref=site.public_ref, dag=day))
    try:
        person, expected = services.expected_session(site, day, person_ref, session_id)
    except DomainError:
        abort(404)
    return render_template(
        "checkin/afterwards.html", site=site, day=day, person=person, expected=expected, form=form
    ), (400 if form.errors else 200)


@bp.route("/platser/<site_ref>/handelser/<event_id>", methods=["GET", "POST"])
@staff_required(StaffRole.SITE_STAFF)
def event_detail(site_ref: str, event_id: str):
    """One event: correct its time or annul it, with a reason (new rows, audited)."""
    site = site_or_404(site_ref)
    try:
        event = services.event_at_site(site, event_id)
    except DomainError:
        abort(404)
    person = db.session.get(Person, event.person_id) if event.person_id else None
    correction, annul = CorrectionForm(prefix="c"), AnnulForm(prefix="a")
    day = schedule.local_day(event.occurred_at)
    action = request.form.get("action")
    try:
        if action == "correct" and correction.validate_on_submit():
            new_time = datetime.combine(day, correction.time.data, tzinfo=STOCKHOLM)
            services.correct_event(
                current_user, site, event, new_time.astimezone(UTC), correction.reason.data
            )
            flash(_("Tiden är rättad."), "success")
            return _back_to_day(site, day)
        if action == "annul" and annul.validate_on_submit():
            services.annul_event(current_user, site, event, annul.annul_reason.data)
            flash(_("Händelsen är makulerad."), "success")
            return _back_to_day(site, day)
    except DomainError as error:
        flash(str(error.message), "error")
    chain = services.superseding(event)
    if request.method == "GET":
        audit.record("read", "attendance_event", person=person, object_ref=event.event_id)
    if action != "correct":
        current = next((e for e in reversed(chain) if e.kind == EventKind.CORRECTION), event)
        correction.time.data = time.fromisoformat(_local_hhmm(current.occurred_at))
    return render_template(
        "checkin/event.html",
        site=site,
        event=event,
        person=person,
        chain=chain,
        annulled=any(e.kind == EventKind.ANNUL for e in chain),
        correction=correction,
        annul=annul,
        correctable=services.is_correctable(event),
        day=day,
    ), (400 if request.method == "POST" else 200)


def _local_hhmm(moment: datetime) -> str:
    return moment.astimezone(STOCKHOLM).strftime("%H:%M")


def _back_to_day(site: Site, day: date):
    return redirect(url_for("checkin.site_day", site_ref=site.public_ref, dag=day.isoformat()))


@bp.get("/granska")
@staff_required(StaffRole.SITE_STAFF)
def review_list():
    """The fraud review list for the staff member's sites (last seven days)."""
    site_ids = {s.id for s in current_user.sites}
    items = review.review_items(site_ids)
    for site in current_user.sites:
        audit.record("read", "checkin_review", object_ref=site.public_ref)
    return render_template(
        "checkin/review.html",
        items=items,
        days=review.REVIEW_DAYS,
        skew_text=wording.skew_text,
        distance_text=wording.distance_text,
        duration_text=wording.duration_text,
    )


# --- Administrators: devices ----------------------------------------------------------------


def _device_or_404(ref: str) -> Device:
    device = db.session.scalar(sa.select(Device).where(Device.public_ref == ref))
    if device is None or device.site.municipality_id != current_user.municipality_id:
        abort(404)
    return device


@bp.route("/enheter", methods=["GET", "POST"])
@staff_required(StaffRole.ADMINISTRATOR)
def devices():
    """List the scanners and kiosks; register a new one (shows its one-time code)."""
    form = CreateDeviceForm()
    sites = services.sites_of(current_user)
    form.site.choices = [(0, _("Välj plats"))] + [(s.id, s.name) for s in sites]
    if form.validate_on_submit():
        site = next((s for s in sites if s.id == form.site.data), None)
        if site is None:
            form.site.errors.append(_("Välj en plats."))
        else:
            device, code = services.create_device(current_user, site, form.name.data)
            return _enrolment_page(device, code)
    status = 400 if form.errors else 200
    return render_template(
        "checkin/devices.html",
        form=form,
        devices=services.devices_of(current_user),
        button=ButtonForm(),
    ), status


def _enrolment_page(device: Device, code: str):
    url = url_for("checkin.enrol", _external=True) + "#" + code
    return render_template(
        "checkin/enrolment_code.html",
        device=device,
        code=code,
        qr=codes.qr_svg_data_uri(url, _("QR-kod för att registrera enheten")),
        expires_hours=int(services.ENROLMENT_CODE_TTL.total_seconds() // 3600),
    )


@bp.post("/enheter/<ref>/kod")
@staff_required(StaffRole.ADMINISTRATOR)
def device_code(ref: str):
    """A fresh one-time enrolment code for a device (e.g. a replaced tablet)."""
    device = _device_or_404(ref)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        code = services.new_enrolment_code(current_user, device)
    except DomainError as error:
        flash(str(error.message), "error")
        return redirect(url_for("checkin.devices"))
    return _enrolment_page(device, code)


@bp.post("/enheter/<ref>/avregistrera")
@staff_required(StaffRole.ADMINISTRATOR)
def revoke_device(ref: str):
    """Revoke a device: its token stops working at once."""
    device = _device_or_404(ref)
    if not ButtonForm().validate_on_submit():
        abort(400)
    services.revoke_device(current_user, device)
    flash(_("Enheten %(name)s är avregistrerad.", name=device.name), "success")
    return redirect(url_for("checkin.devices"))


# --- Administrators: signing keys and cards to re-issue --------------------------------------


@bp.route("/nycklar", methods=["GET", "POST"])
@staff_required(StaffRole.ADMINISTRATOR)
def signing_keys():
    """The signing keys of personal codes (revoke a compromised one, with a reason), and the
    cards to print again after a revocation."""
    all_keys = keys.signing_keys()
    form = RevokeKeyForm()
    form.key.choices = [SelectChoice("", _("Välj nyckel"))] + [
        SelectChoice(k.key_id, k.key_id) for k in all_keys if k.revoked_at is None
    ]
    if form.validate_on_submit():
        key = keys.revoke_signing_key(form.key.data, form.reason.data, current_user)
        flash(_("Nyckeln %(key)s är spärrad.", key=key.key_id), "success")
        return redirect(url_for("checkin.signing_keys"))
    cards = keys.cards_to_reissue(current_user.municipality_id)
    audit.record("read", "cards_to_reissue")
    return render_template(
        "checkin/signing_keys.html", signing_keys=all_keys, cards=cards, form=form
    ), (400 if form.errors else 200)


# --- Device pages (authenticated by the device token kept on the device) ---------------------


@bp.get("/registrera-enhet")
@public("a device page: the JavaScript app authenticates with its device token")
def enrol():
    """Enrol this browser as a scanner or kiosk with a one-time code."""
    return render_template("checkin/enrol.html")


@bp.get("/skanner")
@public("a device page: the JavaScript app authenticates with its device token")
def scanner():
    """The scanner: camera and keyboard-wedge scanning, entry/exit mode, offline queue."""
    return render_template("checkin/scanner.html")


@bp.get("/skarm")
@public("a device page: the JavaScript app authenticates with its device token")
def kiosk():
    """The kiosk: the site's rotating self check-in code, full screen."""
    return render_template("checkin/kiosk.html")


@bp.get("/sw.js")
@public("the device pages' service worker script")
def service_worker():
    """The service worker, served from /checkin/ so that its scope covers the scanner."""
    response = send_from_directory(bp.static_folder, "sw.js", mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/vendor/<name>")
@public("the device pages' script libraries")
def vendor(name: str):
    """The barcode-detector polyfill and its ZXing WebAssembly, from the npm lock file."""
    if name not in VENDOR_FILES:
        abort(404)
    folder, filename = VENDOR_FILES[name]
    response = send_from_directory(NODE_MODULES / folder, filename)
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


# --- Applicants: my code, card, self check-in ----------------------------------------------


@bp.get("/min-kod")
@applicant_required
def my_code():
    """My QR: the personal code to show at a site, refreshing itself."""
    code = services.personal_code(current_user, printed=False)
    return render_template(
        "checkin/my_code.html",
        image=codes.qr_svg_data_uri(code, _("Din personliga QR-kod")),
        refresh_seconds=codes.PHONE_CODE_TTL // 5,
        replace_form=ButtonForm(),
    )


@bp.get("/min-kod/ny")
@applicant_required
def my_code_fresh():
    """A freshly issued code for the My QR page to swap in (JSON)."""
    code = services.personal_code(current_user, printed=False)
    response = jsonify(
        {
            "image": codes.qr_svg_data_uri(code, _("Din personliga QR-kod")),
            "ttl": codes.PHONE_CODE_TTL,
        }
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/min-kod/kort.pdf")
@applicant_required
def my_card():
    """The printable card (PDF) for people without a smartphone."""
    card = services.current_card(current_user)
    code = services.personal_code(current_user, printed=True)
    pdf = card_pdf(current_user.full_name, code, card.serial, card.issued_at)
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": 'attachment; filename="incheckningskort.pdf"',
            "Cache-Control": "no-store",
        },
    )


@bp.post("/min-kod/nytt-kort")
@applicant_required
def replace_card():
    """A lost card: the old one stops working and a new one is issued."""
    if not ButtonForm().validate_on_submit():
        abort(400)
    services.replace_card(current_user, "lost")
    flash(_("Ditt gamla kort fungerar inte längre. Skriv ut det nya kortet."), "success")
    return redirect(url_for("checkin.my_code"))


@bp.get("/s/<site_ref>/<int:slot>/<mac>")
@limiter.limit("60 per minute")
@public("a site's rotating code: applicants check in, others are sent to sign in")
def self_scan(site_ref: str, slot: int, mac: str):
    """A phone camera opened a site's rotating code: check in (or out) at once.

    Someone who must sign in first gets a grace token in the session, so the code's rotation
    does not lock them out; the sign-in sends them back here afterwards.
    """
    try:
        site = services.check_site_code(site_ref, slot, mac)
    except DomainError as error:
        if is_applicant():
            services.record_refused_self_scan(current_user, site_ref, error.code, request.path)
            db.session.commit()
        return render_template("checkin/self_scan_error.html", error=error), 400
    grace = services.grace_token(site)
    confirm = url_for("checkin.self_scan_confirm", g=grace)
    if not current_user.is_authenticated:
        session[AFTER_LOGIN] = confirm
        flash(_("Logga in för att checka in. Din skanning sparas i tio minuter."), "info")
        return redirect(url_for("auth.start"))
    if not is_applicant():
        abort(403)
    return redirect(confirm)


@bp.route("/s/bekrafta", methods=["GET", "POST"])
@applicant_required
@limiter.limit("60 per minute")
def self_scan_confirm():
    """Complete a self check-in; the page submits itself (with the position, if allowed)."""
    form = SelfScanForm()
    token = form.grace.data if request.method == "POST" else request.args.get("g", "")
    try:
        site, event_id, scanned_at = services.read_grace(token or "")
    except DomainError as error:
        return render_template("checkin/self_scan_error.html", error=error), 400
    if request.method == "POST" and form.validate_on_submit():
        try:
            outcome = services.self_check_in(
                current_user,
                site,
                event_id=event_id,
                occurred_at=scanned_at,
                latitude=form.latitude.data or None,
                longitude=form.longitude.data or None,
            )
        except services.ScanRejected as rejected:
            db.session.commit()  # keep the refused scan for staff
            return render_template("checkin/self_scan_error.html", error=rejected, site=site), 422
        return redirect(url_for("checkin.self_scan_done", event_id=outcome.event.event_id))
    form.grace.data = token
    return render_template("checkin/self_scan_confirm.html", form=form, site=site)


@bp.get("/s/klart/<event_id>")
@applicant_required
def self_scan_done(event_id: str):
    """The result of a self check-in, in words."""
    event = db.session.scalar(
        sa.select(AttendanceEvent).where(
            AttendanceEvent.event_id == event_id, AttendanceEvent.person_id == current_user.id
        )
    )
    if event is None:
        abort(404)
    site = db.session.get(Site, event.site_id)
    activity = services.activity_name(event.activity_id)
    return render_template("checkin/self_scan_done.html", event=event, site=site, activity=activity)


# --- CLI ------------------------------------------------------------------------------------


@bp.cli.command("auto-close")
@click.option("--days", default=2, show_default=True, help="How far back to look for open visits.")
def auto_close_command(days: int) -> None:
    """Close visits left open after their session ended (flag missing_checkout). Idempotent."""
    closed = services.auto_close(lookback=timedelta(days=days))
    db.session.commit()
    click.echo(f"auto-closed {closed} visit(s)")


@bp.cli.command("rotate-key")
def rotate_key_command() -> None:
    """Make a new signing key for personal codes; old cards keep working by key id."""
    key = services.rotate_signing_key()
    db.session.commit()
    click.echo(f"new signing key {key.key_id}")


@bp.cli.command("revoke-key")
@click.argument("key_id")
@click.option("--reason", required=True, help="Why the key is revoked (kept in the audit log).")
def revoke_key_command(key_id: str, reason: str) -> None:
    """Revoke a compromised signing key; its codes are refused everywhere from now on."""
    key = keys.revoke_signing_key(key_id, reason)
    db.session.commit()
    click.echo(f"revoked signing key {key.key_id}")


@bp.cli.command("cards-to-reissue")
def cards_to_reissue_command() -> None:
    """List the cards signed with a revoked key (person reference, card serial, key), for
    every municipality; each needs printing again."""
    municipalities = db.session.scalars(sa.select(Person.municipality_id).distinct())
    count = 0
    for municipality_id in sorted(municipalities):
        for entry in keys.cards_to_reissue(municipality_id):
            click.echo(f"{entry.person.public_ref}\t{entry.card.serial}\t{entry.key.key_id}")
            count += 1
    click.echo(f"{count} card(s) to print again", err=True)
