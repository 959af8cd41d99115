"""The applicant's decisions (P3): letters with reasons, legal basis and how to appeal, and the
notices of intended decisions they may answer (förvaltningslagen 25 §).

Applicants only; every record is looked up by reference and owner, so another person's
reference is a 404.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from portal import nav
from portal.access import applicant_required
from portal.errors import DomainError
from portal.extensions import db
from portal.i18n import local_today
from portal.pdf import FontMissing
from portal.services import decisions

bp = Blueprint("decisions", __name__)

nav.register("applicant", "decisions.index", _l("Beslut"), order=15)

REPLY_ERRORS = {
    "reply_required": _l("Skriv ditt svar."),
    "reply_too_long": _l("Svaret får vara högst 10 000 tecken."),
    "reply_closed": _l("Tiden att svara har gått ut, eller så har du redan svarat."),
}


class ReplyForm(FlaskForm):
    reply = TextAreaField(
        _l("Ditt svar"),
        description=_l(
            "Skriv om något är fel i underlaget, om du hade ett skäl att utebli, eller något "
            "annat handläggaren ska veta innan beslutet fattas."
        ),
        validators=[
            DataRequired(_l("Skriv ditt svar.")),
            Length(max=decisions.MAX_REPLY_CHARS, message=REPLY_ERRORS["reply_too_long"]),
        ],
    )


def _municipality_name() -> str:
    from portal.models import Municipality

    municipality = db.session.get(Municipality, current_user.municipality_id)
    return municipality.name if municipality else ""


@bp.get("/beslut")
@applicant_required
def index():
    """Notices waiting for my answer, then every decision on my assistance, newest first."""
    today = local_today()
    return render_template(
        "portal/decisions/index.html",
        notices=decisions.notices_of(current_user),
        letters=decisions.letters_of(current_user),
        can_reply=lambda notice: decisions.can_reply(notice, today),
    )


@bp.route("/beslut/planerat/<ref>", methods=["GET", "POST"])
@applicant_required
def notice(ref: str):
    """A notice of an intended decision with its basis; answer it while the time runs."""
    try:
        found = decisions.open_notice(current_user, ref)
    except DomainError:
        abort(404)
    form = ReplyForm()
    if form.validate_on_submit():
        try:
            decisions.reply_to_notice(current_user, ref, form.reply.data)
            flash(_("Ditt svar är skickat till handläggaren."), "success")
            return redirect(url_for(".notice", ref=ref))
        except DomainError as error:
            form.reply.errors = [*form.reply.errors, str(REPLY_ERRORS.get(error.code, ""))]
    return render_template(
        "portal/decisions/notice.html",
        notice=found,
        form=form,
        open=decisions.can_reply(found, local_today()),
    ), (400 if form.errors else 200)


@bp.get("/beslut/<kind>/<ref>")
@applicant_required
def letter(kind: str, ref: str):
    """One decision as a letter: what was decided, why, on what legal basis, how to appeal."""
    try:
        found = decisions.letter_of(current_user, kind, ref)
    except DomainError:
        abort(404)
    return render_template(
        "portal/decisions/letter.html",
        letter=found,
        appeal=str(decisions.APPEAL) % {"municipality": _municipality_name()},
    )


@bp.get("/beslut/<kind>/<ref>/brev.pdf")
@applicant_required
def letter_pdf(kind: str, ref: str):
    """The decision letter as a PDF to keep or print."""
    try:
        found = decisions.letter_of(current_user, kind, ref)
    except DomainError:
        abort(404)
    try:
        pdf = decisions.letter_pdf(found, current_user, _municipality_name())
    except FontMissing:
        flash(_("Brevet kan inte skapas som PDF just nu. Skriv ut sidan i stället."), "error")
        return redirect(url_for(".letter", kind=kind, ref=ref))
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="beslut-{found.month}.pdf"',
            "Cache-Control": "private, no-store",
        },
    )
