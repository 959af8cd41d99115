"""Forms of the notices pages: the channel choice, a verification code, bare buttons."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, RadioField, SelectChoice, StringField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp


class ContactForm(FlaskForm):
    """How the applicant wants notices besides the portal, and where."""

    choice = RadioField(
        _l("Hur vill du få besked om nya meddelanden?"),
        choices=[
            SelectChoice("none", _l("Bara här i portalen")),
            SelectChoice("email", _l("E-post")),
            SelectChoice("sms", _l("Sms")),
            SelectChoice("both", _l("Både e-post och sms")),
        ],
        validators=[DataRequired(_l("Välj hur du vill få besked."))],
        description=_l(
            "Du ser alltid alla meddelanden här i portalen. E-post och sms säger bara att det "
            "finns något nytt, aldrig vad det gäller."
        ),
    )
    email = EmailField(
        _l("E-postadress"),
        validators=[
            Optional(),
            Length(max=254),
            Email(_l("Skriv en e-postadress som namn@exempel.se."), check_deliverability=False),
        ],
        render_kw={"autocomplete": "email"},
    )
    phone = StringField(
        _l("Mobilnummer"),
        validators=[Optional(), Length(max=32)],
        description=_l("Till exempel 070-123 45 67."),
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )


class CodeForm(FlaskForm):
    """The one-time code that was sent to an address."""

    code = StringField(
        _l("Kod"),
        validators=[
            DataRequired(_l("Skriv koden.")),
            Regexp(r"^\s*\d{6}\s*$", message=_l("Koden är sex siffror.")),
        ],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": 8},
    )


class ButtonForm(FlaskForm):
    """A bare button: only the CSRF token."""
