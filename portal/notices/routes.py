"""The applicant's messages and channel choice; the administrators' page of failed deliveries.

Applicant views read only the signed-in person's rows (another person's message is a 404).
The administrators' page shows no message text: a body may hold a one-time code, and the
portal message behind a notice may hold case content, which administrators do not see.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from portal import nav
from portal.access import applicant_required, staff_required
from portal.errors import DomainError
from portal.extensions import limiter
from portal.models import Channel, StaffRole
from portal.notices import contact, delivery, services
from portal.notices.forms import ButtonForm, CodeForm, ContactForm
from portal.notices.kinds import KIND_LABELS, KINDS
from portal.notices.transports import mask

bp = Blueprint("notices", __name__, template_folder="templates")
admin_bp = Blueprint("notices_admin", __name__, template_folder="templates")

nav.register("applicant", "notices.messages", _l("Meddelanden"), order=5)
nav.register(str(StaffRole.ADMINISTRATOR), "notices_admin.index", _l("Utskick"), order=80)


def _unread_badge() -> Markup | None:
    """The unread count shown after "Meddelanden" in the applicant's menu."""
    count = services.unread_count(current_user)
    if not count:
        return None
    return Markup(
        '<span class="tag tag-info">{n}<span class="visually-hidden"> {t}</span></span>'
    ).format(n=count, t=_("olästa"))


nav.register_badge("notices.messages", _unread_badge)


# --- messages ---------------------------------------------------------------------------------


@bp.get("/meddelanden")
@applicant_required
def messages():
    """The person's messages, newest first, unread ones marked."""
    rows = [(m, services.render(m)) for m in services.messages_of(current_user)]
    return render_template("notices/messages.html", rows=rows)


@bp.get("/meddelanden/<int:message_id>")
@applicant_required
def message(message_id: int):
    """One message; opening it marks it read."""
    try:
        found = services.open_message(current_user, message_id)
    except DomainError:
        abort(404)
    return render_template("notices/message.html", message=found, text=services.render(found))


# --- channel choice and verification -------------------------------------------------------


def _contact_page(form: ContactForm, status: int = 200):
    return render_template(
        "notices/contact.html",
        form=form,
        states=contact.states(current_user),
        code_form=CodeForm(),
        button=ButtonForm(),
        minutes=contact.CODE_MINUTES,
    ), status


@bp.route("/mina-uppgifter/kontakt", methods=["GET", "POST"])
@applicant_required
def contact_page():
    """Choose channels (none, e-mail, SMS, both) and give the addresses."""
    form = ContactForm()
    if request.method == "GET":
        form.choice.data = contact.channel_choice(current_user)
        form.email.data = current_user.email
        form.phone.data = current_user.phone
    if form.validate_on_submit():
        try:
            contact.save_choice(current_user, form.choice.data, form.email.data, form.phone.data)
        except DomainError as error:
            field = form.phone if error.code in ("bad_phone", "phone_required") else form.email
            field.errors = [*field.errors, str(error.message)]
        else:
            flash(_("Ditt val är sparat."), "success")
            return redirect(url_for("notices.contact_page"))
    return _contact_page(form, 400 if form.errors else 200)


def _channel(name: str) -> Channel:
    try:
        return Channel(name)
    except ValueError:
        abort(404)


@bp.post("/mina-uppgifter/kontakt/<channel>/kod")
@applicant_required
@limiter.limit("5 per minute")
def send_code(channel: str):
    """Send a one-time code to the person's address on a channel."""
    chosen = _channel(channel)
    if ButtonForm().validate_on_submit():
        try:
            contact.send_code(current_user, chosen)
        except DomainError as error:
            flash(str(error.message), "error")
        else:
            flash(
                _("Vi har skickat en kod till %(address)s.", address=mask(_address(chosen))),
                "success",
            )
    return redirect(url_for("notices.contact_page", _anchor=f"verify-{chosen.value}"))


@bp.post("/mina-uppgifter/kontakt/<channel>/bekrafta")
@applicant_required
@limiter.limit("10 per minute")
def verify_code(channel: str):
    """Check the code; a wrong one counts (and is committed) before the page says so."""
    chosen = _channel(channel)
    form = CodeForm()
    if not form.validate_on_submit():
        flash(form.code.errors[0] if form.code.errors else _("Skriv koden."), "error")
    else:
        try:
            contact.verify(current_user, chosen, form.code.data)
        except DomainError as error:
            flash(str(error.message), "error")
        else:
            flash(_("Tack! Nu är det bekräftat."), "success")
    return redirect(url_for("notices.contact_page", _anchor=f"verify-{chosen.value}"))


def _address(channel: Channel) -> str:
    return (current_user.email if channel == Channel.EMAIL else current_user.phone) or ""


# --- administrators ----------------------------------------------------------------------


@admin_bp.get("/")
@staff_required(StaffRole.ADMINISTRATOR)
def index():
    """Failed deliveries (no message text) and which kinds of notice the municipality sends."""
    return render_template(
        "notices/admin.html",
        failed=delivery.failed_messages(current_user.municipality_id),
        switches=services.kind_switches(current_user.municipality_id),
        labels=KIND_LABELS,
        button=ButtonForm(),
        mask=mask,
    )


@admin_bp.post("/kinds")
@staff_required(StaffRole.ADMINISTRATOR)
def save_kinds():
    """Switch kinds of notice on and off for the administrator's municipality."""
    if ButtonForm().validate_on_submit():
        chosen = {k for k in request.form.getlist("kind") if k in KINDS}
        services.set_kind_switches(current_user.municipality_id, chosen)
        flash(_("Inställningarna är sparade."), "success")
    return redirect(url_for("notices_admin.index"))


@admin_bp.post("/<int:message_id>/retry")
@staff_required(StaffRole.ADMINISTRATOR)
def retry(message_id: int):
    """Queue a failed message again (after the address or the provider was fixed)."""
    if ButtonForm().validate_on_submit():
        try:
            delivery.retry_failed(current_user.municipality_id, message_id)
        except DomainError:
            abort(404)
        flash(_("Meddelandet ligger i kö igen."), "success")
    return redirect(url_for("notices_admin.index"))
