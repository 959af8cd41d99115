"""Forms of the activity catalogue. Every POST is a FlaskForm, so each carries a CSRF token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.models import ActivityType

#: Swedish labels of the activity types (the rule book's four kinds, plus education and other).
ACTIVITY_TYPE_LABELS = {
    ActivityType.MOTIVATION: _l("Motiverande insats"),
    ActivityType.LANGUAGE: _l("Språk"),
    ActivityType.WORKPLACE: _l("Arbetsplatsförlagd"),
    ActivityType.JOB_SEARCH: _l("Jobbsökande"),
    ActivityType.EDUCATION: _l("Utbildning"),
    ActivityType.OTHER: _l("Annat"),
}

WEEKDAY_LABELS = {
    1: _l("måndag"),
    2: _l("tisdag"),
    3: _l("onsdag"),
    4: _l("torsdag"),
    5: _l("fredag"),
    6: _l("lördag"),
    7: _l("söndag"),
}


class SiteForm(FlaskForm):
    name = StringField(
        _l("Namn"), validators=[DataRequired(_l("Skriv platsens namn.")), Length(max=120)]
    )
    address = StringField(
        _l("Gatuadress"), validators=[DataRequired(_l("Skriv gatuadressen.")), Length(max=200)]
    )
    postal_code = StringField(_l("Postnummer"), validators=[Optional(), Length(max=10)])
    city = StringField(_l("Ort"), validators=[DataRequired(_l("Skriv orten.")), Length(max=80)])
    latitude = DecimalField(
        _l("Latitud"),
        description=_l("Decimalgrader, till exempel 59.3293. Används för kartlänk och avstånd."),
        places=6,
        validators=[
            Optional(),
            NumberRange(-90, 90, message=_l("Latitud är ett tal mellan -90 och 90.")),
        ],
        render_kw={"inputmode": "decimal"},
    )
    longitude = DecimalField(
        _l("Longitud"),
        description=_l("Decimalgrader, till exempel 18.0686."),
        places=6,
        validators=[
            Optional(),
            NumberRange(-180, 180, message=_l("Longitud är ett tal mellan -180 och 180.")),
        ],
        render_kw={"inputmode": "decimal"},
    )
    provider = StringField(
        _l("Anordnare"),
        description=_l(
            "Vem som driver platsen: en enhet i kommunen, en förening eller ett företag."
        ),
        validators=[Optional(), Length(max=200)],
    )
    opening_hours = StringField(
        _l("Öppettider"),
        description=_l("Till exempel: Mån–fre 08.00–16.00"),
        validators=[Optional(), Length(max=200)],
    )
    active = BooleanField(_l("Platsen är i bruk"), default=True)


class ActivityForm(FlaskForm):
    name = StringField(
        _l("Namn"), validators=[DataRequired(_l("Skriv aktivitetens namn.")), Length(max=120)]
    )
    type = SelectField(
        _l("Typ av aktivitet"),
        choices=[SelectChoice(t.value, label) for t, label in ACTIVITY_TYPE_LABELS.items()],
        validators=[DataRequired(_l("Välj typ av aktivitet."))],
    )
    site = SelectField(_l("Plats"), validators=[DataRequired(_l("Välj en plats."))])
    capacity = IntegerField(
        _l("Antal platser"),
        description=_l("Lämna tomt om antalet platser inte är begränsat."),
        validators=[
            Optional(),
            NumberRange(1, 10000, message=_l("Antal platser är ett heltal från 1 till 10 000.")),
        ],
        render_kw={"inputmode": "numeric"},
    )
    from_date = DateField(_l("Startdatum"), validators=[InputRequired(_l("Skriv ett startdatum."))])
    to_date = DateField(
        _l("Slutdatum"),
        description=_l("Lämna tomt om aktiviteten pågår tills vidare."),
        validators=[Optional()],
    )
    description = TextAreaField(_l("Beskrivning"), validators=[Optional(), Length(max=4000)])
    what_to_bring = StringField(_l("Ta med"), validators=[Optional(), Length(max=300)])
    active = BooleanField(_l("Aktiviteten erbjuds"), default=True)
    open_on_holidays = BooleanField(
        _l("Öppen även på helgdagar"),
        description=_l(
            "Annars ställs passen in på röda dagar och midsommar-, jul- och nyårsafton. Pass "
            "på helger och helgdagar räknas aldrig mot aktivitetskravet."
        ),
    )


class SessionForm(FlaskForm):
    weekday = SelectField(
        _l("Veckodag"),
        choices=[SelectChoice(str(n), label) for n, label in WEEKDAY_LABELS.items()],
        validators=[DataRequired(_l("Välj en veckodag."))],
    )
    start_time = TimeField(
        _l("Börjar"), validators=[InputRequired(_l("Skriv när passet börjar, till exempel 09:00."))]
    )
    end_time = TimeField(
        _l("Slutar"), validators=[InputRequired(_l("Skriv när passet slutar, till exempel 12:00."))]
    )
    valid_from = DateField(
        _l("Från och med"),
        description=_l("Lämna tomt för aktivitetens startdatum."),
        validators=[Optional()],
    )
    valid_to = DateField(
        _l("Till och med"),
        description=_l("Lämna tomt för så länge aktiviteten pågår."),
        validators=[Optional()],
    )


class EndSessionForm(FlaskForm):
    """A bare button: stop a session from today on."""


class EnrolForm(FlaskForm):
    person = SelectField(_l("Person"), validators=[DataRequired(_l("Välj en person."))])
    from_date = DateField(
        _l("Från och med"), validators=[InputRequired(_l("Skriv ett startdatum."))]
    )


class EndEnrolmentForm(FlaskForm):
    """A bare button: end a place, or leave the queue."""
