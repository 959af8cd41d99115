"""Casework forms. Every POST is a FlaskForm, so each carries a CSRF token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DecimalField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from portal.models import (
    AssistanceReason,
    DecisionOutcome,
    ExternalKind,
    SanctionKind,
    StatusKind,
)

DATE_HINT = _l("Till exempel 2026-09-07.")
BAD_DATE = _l("Skriv ett datum som 2026-09-07.")

OUTCOME_LABELS = {
    DecisionOutcome.APPROVED: _l("Bevilja"),
    DecisionOutcome.PARTLY_APPROVED: _l("Bevilja delvis"),
    DecisionOutcome.REFUSED: _l("Avslå"),
}
REASON_LABELS = {
    AssistanceReason.UNEMPLOYMENT: _l("Arbetslöshet"),
    AssistanceReason.SICKNESS: _l("Sjukdom"),
    AssistanceReason.SOCIAL_MEDICAL: _l("Sociala eller medicinska skäl"),
    AssistanceReason.OTHER: _l("Annat"),
}
STATUS_LABELS = {
    StatusKind.PARENTAL_LEAVE: _l("Föräldraledighet"),
    StatusKind.FULL_SICKNESS_COMPENSATION: _l("Hel sjukersättning"),
    StatusKind.ACTIVITY_COMPENSATION: _l("Aktivitetsersättning"),
    StatusKind.SICK_LEAVE: _l("Sjukskrivning"),
    StatusKind.CARE_OF_RELATIVE: _l("Vård av närstående"),
    StatusKind.OTHER: _l("Annat"),
}
EXTERNAL_LABELS = {
    ExternalKind.WORK: _l("Arbete"),
    ExternalKind.STUDIES: _l("Studier"),
    ExternalKind.AF_PROGRAMME: _l("Program hos Arbetsförmedlingen"),
    ExternalKind.OTHER: _l("Annat"),
}
SANCTION_LABELS = {
    SanctionKind.NO_ACTION: _l("Ingen åtgärd"),
    SanctionKind.REDUCTION: _l("Minska biståndet"),
    SanctionKind.REFUSAL: _l("Vägra bistånd för månaden"),
}


class LocalDateField(DateField):
    """A date field whose parse error shows an example of the format."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(str(BAD_DATE)) from None


class WholeNumberField(IntegerField):
    """A whole number with a plain-language parse error."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(str(_l("Skriv ett heltal, till exempel 100."))) from None


class HoursField(DecimalField):
    """Hours with a decimal comma or point ("12,5" or "12.5")."""

    def process_formdata(self, valuelist):
        if valuelist:
            valuelist = [str(valuelist[0]).strip().replace(",", ".").replace(" ", "")]
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(
                str(_l("Skriv antal timmar som ett tal, till exempel 12,5."))
            ) from None


def _choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(str(k), v) for k, v in labels.items()]


def _date(label, *, required: bool = True, description=DATE_HINT) -> DateField:
    validators = [InputRequired(BAD_DATE)] if required else [Optional()]
    return LocalDateField(label, validators=validators, description=description)


class ButtonForm(FlaskForm):
    """A bare button (first contact, show personnummer): a POST with a CSRF token."""


class DecisionForm(FlaskForm):
    outcome = RadioField(
        _l("Beslut"),
        choices=_choices(OUTCOME_LABELS),
        validators=[InputRequired(_l("Välj beslut."))],
    )
    amount_sek = WholeNumberField(
        _l("Belopp som beviljas för månaden (kronor)"),
        description=_l("Hela kronor. Lämna tomt vid avslag."),
        validators=[
            Optional(),
            NumberRange(min=0, max=1_000_000, message=_l("Skriv ett belopp från 0 kronor.")),
        ],
        render_kw={"inputmode": "numeric"},
    )
    reasons = TextAreaField(
        _l("Skäl för beslutet"),
        description=_l("Den sökande läser skälen. Skriv enkelt och tydligt."),
        validators=[
            DataRequired(_l("Skriv skälen för beslutet.")),
            Length(min=10, max=5000, message=_l("Skriv minst 10 tecken.")),
        ],
    )


class AssessmentForm(FlaskForm):
    valid_from = _date(_l("Gäller från"))
    participation_percent = WholeNumberField(
        _l("Deltagande i aktiviteter (procent av heltid)"),
        description=_l("Styr hur många timmar planen ska fylla. 100 betyder heltid."),
        default=100,
        validators=[
            InputRequired(_l("Skriv deltagandet i procent.")),
            NumberRange(min=0, max=100, message=_l("Skriv ett tal från 0 till 100.")),
        ],
        render_kw={"inputmode": "numeric"},
    )
    work_capacity_percent = WholeNumberField(
        _l("Arbetsförmåga (procent)"),
        default=100,
        validators=[
            InputRequired(_l("Skriv arbetsförmågan i procent.")),
            NumberRange(min=0, max=100, message=_l("Skriv ett tal från 0 till 100.")),
        ],
        render_kw={"inputmode": "numeric"},
    )
    reason = RadioField(
        _l("Orsak till behovet av bistånd"),
        choices=_choices(REASON_LABELS),
        validators=[InputRequired(_l("Välj orsak."))],
    )
    requirement_from = _date(
        _l("Frivilligt aktivitetskrav från (valfritt)"),
        required=False,
        description=_l(
            "Kommunen kan kräva aktivitet innan kravet blir obligatoriskt. Lämna tomt annars."
        ),
    )
    note = TextAreaField(_l("Anteckning (valfri)"), validators=[Length(max=5000)])


class StatusForm(FlaskForm):
    kind = SelectField(_l("Status"), choices=_choices(STATUS_LABELS))
    from_date = _date(_l("Från och med"))
    to_date = _date(
        _l("Till och med (valfritt)"), required=False, description=_l("Lämna tomt om det pågår.")
    )
    note = TextAreaField(_l("Anteckning (valfri)"), validators=[Length(max=5000)])

    def validate_to_date(self, field):
        if field.data and self.from_date.data and field.data < self.from_date.data:
            raise ValidationError(_l("Slutdatum kan inte vara före startdatum."))


class ExternalForm(FlaskForm):
    kind = SelectField(_l("Slag av sysselsättning"), choices=_choices(EXTERNAL_LABELS))
    hours_per_week = HoursField(
        _l("Timmar per vecka"),
        places=2,
        validators=[
            InputRequired(_l("Skriv antal timmar per vecka.")),
            NumberRange(min=0, max=80, message=_l("Skriv ett tal från 0 till 80.")),
        ],
        render_kw={"inputmode": "decimal"},
    )
    from_date = _date(_l("Från och med"))
    to_date = _date(
        _l("Till och med (valfritt)"), required=False, description=_l("Lämna tomt om det pågår.")
    )
    description = StringField(_l("Beskrivning (valfri)"), validators=[Length(max=200)])

    def validate_to_date(self, field):
        if field.data and self.from_date.data and field.data < self.from_date.data:
            raise ValidationError(_l("Slutdatum kan inte vara före startdatum."))


class EndForm(FlaskForm):
    to_date = _date(_l("Sista dag"))


class AbsenceDecisionForm(FlaskForm):
    decision = RadioField(
        _l("Är frånvaron godtagbar?"),
        choices=[
            SelectChoice("approved", _l("Ja, godtagbart skäl")),
            SelectChoice("rejected", _l("Nej, inte godtagbart skäl")),
        ],
        validators=[InputRequired(_l("Välj om frånvaron godtas."))],
    )
    note = TextAreaField(
        _l("Motivering till den sökande"),
        description=_l("Krävs om frånvaron inte godtas. Den sökande läser texten."),
        validators=[Length(max=2000)],
    )

    def validate_note(self, field):
        if self.decision.data == "rejected" and not (field.data or "").strip():
            raise ValidationError(_l("Skriv varför frånvaron inte godtas."))


class DeclinedOfferForm(FlaskForm):
    date = _date(_l("Datum då erbjudandet avböjdes"))
    activity = SelectField(_l("Aktivitet"), coerce=str)
    acceptable_reason = RadioField(
        _l("Fanns ett godtagbart skäl?"),
        choices=[SelectChoice("yes", _l("Ja")), SelectChoice("no", _l("Nej"))],
        validators=[InputRequired(_l("Välj om skälet var godtagbart."))],
    )
    note = TextAreaField(
        _l("Vad hände?"),
        validators=[DataRequired(_l("Beskriv kort vad som hände.")), Length(max=2000)],
    )


def _reduction(label, description) -> WholeNumberField:
    """A reduction in whole kronor (checked against the month's grant by the service)."""
    return WholeNumberField(
        label,
        description=description,
        validators=[
            Optional(),
            NumberRange(min=1, max=1_000_000, message=_l("Skriv ett belopp från 1 krona.")),
        ],
        render_kw={"inputmode": "numeric"},
    )


class SanctionForm(FlaskForm):
    kind = RadioField(
        _l("Beslut"),
        choices=_choices(SANCTION_LABELS),
        validators=[InputRequired(_l("Välj beslut."))],
    )
    amount_sek = _reduction(_l("Minskning i kronor"), _l("Bara vid minskning."))
    individual_assessment = TextAreaField(
        _l("Individuell bedömning"),
        description=_l(
            "Krävs för varje beslut, minst 20 tecken: personens situation, skälen och "
            "vad som har vägts in."
        ),
        validators=[Length(max=10000)],
    )
    child_impact_assessment = TextAreaField(
        _l("Barnkonsekvensanalys"),
        description=_l(
            "Krävs när hushållet har barn och biståndet minskas eller vägras: hur påverkas "
            "barnen, och hur har barnets bästa vägts in?"
        ),
        validators=[Length(max=10000)],
    )


class DecisionNoticeForm(FlaskForm):
    kind = RadioField(
        _l("Planerat beslut"),
        choices=_choices({k: v for k, v in SANCTION_LABELS.items() if k != SanctionKind.NO_ACTION}),
        validators=[InputRequired(_l("Välj planerat beslut."))],
    )
    amount_sek = _reduction(
        _l("Planerad minskning i kronor"),
        _l("Bara vid minskning. Högst det beviljade beloppet för månaden."),
    )
    message = TextAreaField(
        _l("Till personen"),
        description=_l(
            "Skriv med enkla ord vad beslutet skulle gälla och varför. Timmarna, dagarna och "
            "de avböjda erbjudandena skickas med automatiskt."
        ),
        validators=[Length(max=5000)],
    )


TRANSFER_LABELS = {
    "moved": _l("Personen har flyttat till en annan enhets område"),
    "wrong_unit": _l("Ansökan kom till fel enhet"),
    "workload": _l("Fördelning av ärenden mellan enheterna"),
}


class TransferForm(FlaskForm):
    unit = SelectField(_l("Till enhet"), validators=[InputRequired(_l("Välj enhet."))], choices=[])
    reason = RadioField(
        _l("Varför flyttas ärendet?"),
        choices=_choices(TRANSFER_LABELS),
        validators=[InputRequired(_l("Välj varför ärendet flyttas."))],
    )


class SearchForm(FlaskForm):
    query = StringField(
        _l("Namn eller personnummer"),
        description=_l("Söker bland personer i din enhet."),
        validators=[
            DataRequired(_l("Skriv ett namn eller ett personnummer.")),
            Length(min=2, max=100, message=_l("Skriv minst två tecken.")),
        ],
        render_kw={"autocomplete": "off"},
    )
