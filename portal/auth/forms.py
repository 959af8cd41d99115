"""Sign-in forms. Every POST is a FlaskForm, so each carries a CSRF token."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, Length, Regexp


class StaffLoginForm(FlaskForm):
    email = EmailField(
        _l("E-postadress"),
        validators=[
            DataRequired(_l("Skriv din e-postadress.")),
            Email(_l("Skriv en giltig e-postadress, till exempel namn@kommun.se.")),
        ],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Lösenord"),
        validators=[DataRequired(_l("Skriv ditt lösenord."))],
        render_kw={"autocomplete": "current-password"},
    )


class TotpForm(FlaskForm):
    code = StringField(
        _l("Engångskod"),
        description=_l("Sex siffror från din autentiseringsapp."),
        validators=[
            DataRequired(_l("Skriv koden från din autentiseringsapp.")),
            Regexp(r"^\s*\d{3}\s?\d{3}\s*$", message=_l("Koden är sex siffror.")),
        ],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class DevSignInForm(FlaskForm):
    """Signs one demo person in (the buttons of the development stand-in)."""


class DevNewApplicantForm(FlaskForm):
    personnummer = StringField(
        _l("Personnummer"),
        description=_l("12 siffror, till exempel 19900101-1234."),
        validators=[DataRequired(_l("Skriv ett personnummer."))],
    )
    first_name = StringField(
        _l("Förnamn"), validators=[DataRequired(_l("Skriv ett förnamn.")), Length(max=100)]
    )
    last_name = StringField(
        _l("Efternamn"), validators=[DataRequired(_l("Skriv ett efternamn.")), Length(max=100)]
    )


class LogoutForm(FlaskForm):
    """A bare button: signing out is a POST with a CSRF token."""
