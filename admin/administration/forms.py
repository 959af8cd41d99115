"""Forms of the administration pages. Every POST is a FlaskForm, so each carries a CSRF token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    EmailField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from portal.models import StaffRole


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


ROLE_LABELS = {
    StaffRole.ADMINISTRATOR: _l("Administratör"),
    StaffRole.CASEWORKER: _l("Handläggare"),
    StaffRole.SITE_STAFF: _l("Aktivitetsanordnare"),
    StaffRole.AUDITOR: _l("Analytiker/granskare"),
}


class ButtonForm(FlaskForm):
    """A bare button (deactivate, reset …): a form so that it carries a CSRF token."""


class CheckboxesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class UserForm(FlaskForm):
    name = StringField(
        _l("Namn"), validators=[DataRequired(_l("Skriv användarens namn.")), Length(max=200)]
    )
    email = EmailField(
        _l("E-postadress"),
        description=_l("Användaren loggar in med den."),
        validators=[
            DataRequired(_l("Skriv e-postadressen.")),
            Email(_l("Skriv en giltig e-postadress.")),
            Length(max=254),
        ],
    )
    role = RadioField(
        _l("Roll"),
        choices=choices((str(role), label) for role, label in ROLE_LABELS.items()),
        validators=[InputRequired(_l("Välj en roll."))],
    )
    unit_id = SelectField(
        _l("Enhet"),
        description=_l("Handläggare ser ärendena i sin enhet och inga andra."),
        coerce=int,
        validators=[Optional()],
    )
    site_ids = CheckboxesField(
        _l("Platser"),
        description=_l("Aktivitetsanordnare ser namn och närvaro på sina platser och inga andra."),
        coerce=int,
        validators=[Optional()],
    )


class UnitForm(FlaskForm):
    name = StringField(
        _l("Enhetens namn"),
        validators=[DataRequired(_l("Skriv enhetens namn.")), Length(max=100)],
    )


class IntakeUnitForm(FlaskForm):
    unit_id = SelectField(
        _l("Enhet som tar emot nya ansökningar"),
        description=_l("Gäller när inget postnummer nedan pekar ut en annan enhet."),
        coerce=int,
    )


class IntakeRuleForm(FlaskForm):
    postcode_prefix = StringField(
        _l("Postnummer börjar med"),
        description=_l("1–5 siffror, till exempel 392 eller 39234."),
        validators=[DataRequired(_l("Skriv början på postnumret.")), Length(max=6)],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    unit_id = SelectField(_l("Enhet"), coerce=int)


class SettingsForm(FlaskForm):
    full_time_hours_per_week = DecimalField(
        _l("Heltid, timmar per vecka"),
        description=_l("Vad en heltid motsvarar (regelboken: 40). Högst 60, i kvarts timmar."),
        places=2,
        validators=[
            InputRequired(_l("Skriv antal timmar.")),
            NumberRange(1, 60, message=_l("Skriv ett tal mellan 1 och 60.")),
        ],
        render_kw={"inputmode": "decimal"},
    )
    mandatory_after_months = IntegerField(
        _l("Obligatoriskt efter antal månader med bistånd"),
        description=_l(
            "Kravet blir obligatoriskt när månaden och så många månader före har bistånd "
            "(regelboken: 2)."
        ),
        validators=[
            InputRequired(_l("Skriv antal månader.")),
            NumberRange(0, 24, message=_l("Skriv ett heltal mellan 0 och 24.")),
        ],
    )
    pension_age = IntegerField(
        _l("Pensionsålder som undantar"),
        description=_l("Riktåldern för pension (regelboken: 67)."),
        validators=[
            InputRequired(_l("Skriv en ålder.")),
            NumberRange(55, 80, message=_l("Skriv en ålder mellan 55 och 80.")),
        ],
    )
    missing_checkout = RadioField(
        _l("Glömd utcheckning"),
        choices=choices(
            [
                ("count_to_slot_end", _l("Räknas till passets slut")),
                ("count_nothing", _l("Räknas inte alls")),
            ]
        ),
        validators=[InputRequired(_l("Välj hur en glömd utcheckning räknas."))],
    )
    extra_exemptions = CheckboxesField(
        _l("Fler undantag"),
        description=_l(
            "Status som också undantar från aktivitetskravet (Stockholm: aktivitetsersättning)."
        ),
        choices=choices(
            [
                ("activity_compensation", _l("Aktivitetsersättning")),
                ("sick_leave", _l("Sjukskrivning")),
                ("care_of_relative", _l("Vård av närstående")),
                ("other", _l("Annan status")),
            ]
        ),
        validators=[Optional()],
    )
    exempt_if_af_activity = BooleanField(
        _l("Undanta den som deltar i ett program hos Arbetsförmedlingen"),
    )
    shortfall_tolerance_minutes = IntegerField(
        _l("Tolerans för ogiltig frånvaro, minuter per period"),
        description=_l(
            "Ogiltig frånvaro upp till så många minuter räknas inte som brist (regelboken: 0)."
        ),
        validators=[
            InputRequired(_l("Skriv antal minuter.")),
            NumberRange(0, 6000, message=_l("Skriv ett heltal mellan 0 och 6000.")),
        ],
    )
    sla_first_contact_hours = IntegerField(
        _l("Första kontakt inom, timmar"),
        validators=[
            InputRequired(_l("Skriv antal timmar.")),
            NumberRange(1, 1440, message=_l("Skriv ett heltal mellan 1 och 1440.")),
        ],
    )
    sla_plan_hours = IntegerField(
        _l("Individuell plan inom, timmar"),
        validators=[
            InputRequired(_l("Skriv antal timmar.")),
            NumberRange(1, 1440, message=_l("Skriv ett heltal mellan 1 och 1440.")),
        ],
    )
    reply_deadline_days = IntegerField(
        _l("Svarstid vid kommunicering, dagar"),
        description=_l("Dagar den sökande har på sig att svara innan ett negativt beslut fattas."),
        validators=[
            InputRequired(_l("Skriv antal dagar.")),
            NumberRange(1, 60, message=_l("Skriv ett heltal mellan 1 och 60.")),
        ],
    )
    effective_from = DateField(
        _l("Gäller från och med"),
        description=_l("Den första dagen i en månad, den här månaden eller senare."),
        validators=[InputRequired(_l("Skriv ett datum."))],
    )
    note = TextAreaField(
        _l("Beslut eller skäl"),
        description=_l("Till exempel nämndens beslut och diarienummer. Visas i historiken."),
        validators=[Optional(), Length(max=500)],
    )


class CheckinWindowForm(FlaskForm):
    """The check-in setting that applies at once (it decides who may register what, not how a
    month is reconciled, so it is not dated)."""

    checkin_backdate_days = IntegerField(
        _l("Registrera i efterhand, dagar bakåt"),
        description=_l(
            "Hur många dagar bakåt personal på en plats får registrera en missad incheckning "
            "eller utcheckning. 0 betyder bara samma dag. Gäller direkt."
        ),
        validators=[
            InputRequired(_l("Skriv antal dagar.")),
            NumberRange(0, 31, message=_l("Skriv ett heltal mellan 0 och 31.")),
        ],
    )


class NormYearForm(FlaskForm):
    year = IntegerField(
        _l("År"),
        validators=[
            InputRequired(_l("Skriv året.")),
            NumberRange(2000, 2100, message=_l("Skriv ett år mellan 2000 och 2100.")),
        ],
    )
    official = BooleanField(
        _l("Kontrollerad mot Socialstyrelsens publicering"),
        description=_l("Utan den markeringen visas beloppen som exempel, inte som riksnormen."),
    )
    source_note = StringField(
        _l("Källa"),
        description=_l("Till exempel Socialstyrelsens meddelandeblad och datum."),
        validators=[Optional(), Length(max=300)],
    )


class NormImportForm(FlaskForm):
    file = FileField(
        _l("Fil (CSV eller JSON)"),
        description=_l(
            "CSV med kolumnerna category,key,amount_sek, eller JSON i samma form som exporten."
        ),
        validators=[FileRequired(_l("Välj en fil."))],
    )
    year = IntegerField(
        _l("År"),
        validators=[
            InputRequired(_l("Skriv året.")),
            NumberRange(2000, 2100, message=_l("Skriv ett år mellan 2000 och 2100.")),
        ],
    )
    official = BooleanField(_l("Kontrollerad mot Socialstyrelsens publicering"))
    source_note = StringField(_l("Källa"), validators=[Optional(), Length(max=300)])
