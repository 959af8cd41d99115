"""Forms of the check-in pages. Every POST is a FlaskForm so it carries a CSRF token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, Optional


class CreateDeviceForm(FlaskForm):
    """An administrator registers a scanner or kiosk at a site."""

    site = SelectField(
        _l("Plats"), coerce=int, validators=[DataRequired(message=_l("Välj en plats."))]
    )
    name = StringField(
        _l("Namn på enheten"),
        description=_l("Till exempel ”Surfplatta vid entrén”."),
        validators=[
            DataRequired(message=_l("Skriv ett namn på enheten.")),
            Length(max=120, message=_l("Namnet får vara högst 120 tecken.")),
        ],
    )


class ButtonForm(FlaskForm):
    """A bare button (new enrolment code, revoke, new card): only the CSRF token."""


_REASON = [
    DataRequired(message=_l("Skriv varför.")),
    Length(min=5, max=300, message=_l("Skriv mellan 5 och 300 tecken.")),
]


class CorrectionForm(FlaskForm):
    """Site staff give an event a new time, with a reason."""

    time = TimeField(
        _l("Ny tid"),
        description=_l("Timmar och minuter, till exempel 09:05. Samma dag som händelsen."),
        validators=[DataRequired(message=_l("Skriv en tid, till exempel 09:05."))],
    )
    reason = TextAreaField(
        _l("Varför rättas tiden?"),
        description=_l("Det här sparas och kan läsas av handläggaren."),
        validators=_REASON,
    )


class AnnulForm(FlaskForm):
    """Site staff annul an event (a scan by mistake), with a reason."""

    annul_reason = TextAreaField(
        _l("Varför ska händelsen makuleras?"),
        description=_l("Det här sparas och kan läsas av handläggaren."),
        validators=_REASON,
    )


class ManualForm(FlaskForm):
    """Site staff register someone who has neither card nor phone with them."""

    person = HiddenField(validators=[DataRequired()])
    session = HiddenField(validators=[DataRequired()])
    kind = HiddenField(validators=[DataRequired()])


class SelfScanForm(FlaskForm):
    """Completes a self check-in; the position is filled in by the browser when allowed."""

    grace = HiddenField(validators=[DataRequired()])
    latitude = HiddenField(validators=[Optional()])
    longitude = HiddenField(validators=[Optional()])


class RevokeKeyForm(FlaskForm):
    """An administrator revokes a compromised signing key, with a reason."""

    key = SelectField(_l("Nyckel"), validators=[DataRequired(message=_l("Välj en nyckel."))])
    reason = TextAreaField(
        _l("Varför spärras nyckeln?"),
        description=_l("Till exempel att serverns hemliga nyckel kan ha läckt. Sparas i loggen."),
        validators=_REASON,
    )


class AfterwardsForm(FlaskForm):
    """Site staff register a check-in or check-out that was missed on a past day."""

    kind = RadioField(
        _l("Vad ska registreras?"),
        choices=[SelectChoice("in", _l("Incheckning")), SelectChoice("out", _l("Utcheckning"))],
        validators=[DataRequired(message=_l("Välj incheckning eller utcheckning."))],
    )
    time = TimeField(
        _l("Klockslag"),
        description=_l("När personen kom eller gick, till exempel 09:05."),
        validators=[DataRequired(message=_l("Skriv en tid, till exempel 09:05."))],
    )
    reason = TextAreaField(
        _l("Varför registreras det i efterhand?"),
        description=_l("Det här sparas och kan läsas av handläggaren."),
        validators=_REASON,
    )
