"""The applicant's forms. Every POST is a FlaskForm (even a bare button) so it carries CSRF.

Messages say how to fix the mistake, in plain Swedish, and the error summary links to the
field (portal/templates/_forms.html).
"""

from __future__ import annotations

import re
from datetime import datetime, time

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    RadioField,
    SelectChoice,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from portal import personnummer as pnr
from portal.services.vocab import (
    ABSENCE_DOCUMENT_TYPES,
    ABSENCE_REASONS,
    ASSET_KINDS,
    COST_KINDS,
    DOCUMENT_TYPES,
    HOUSING_TYPES,
    INCOME_KINDS,
    KINDS_WITH_DESCRIPTION,
    MEMBER_ROLES,
)

#: Spaces (also the narrow no-break space phones insert), "kr" and ":-" around an amount.
_AMOUNT_NOISE = re.compile(r"[\s\u00a0\u202f]|kr\.?$|:-$", re.IGNORECASE)
MAX_AMOUNT = 99_999_999


def _choices(vocab: dict[str, str]) -> list[SelectChoice]:
    return [SelectChoice(code, _l(label)) for code, label in vocab.items()]


class AmountField(StringField):
    """Whole kronor. Forgiving about spaces, "kr" and ":-"; empty means nothing to declare."""

    def process_formdata(self, valuelist):
        self.raw = valuelist[0] if valuelist else ""
        self.data = None
        text = _AMOUNT_NOISE.sub("", self.raw.strip())
        if not text:
            return
        label = self.label.text
        if text.startswith("-"):
            raise ValueError(_("%(label)s: beloppet kan inte vara mindre än 0.", label=label))
        whole = re.fullmatch(r"(\d+)(?:[,.]0{1,2})?", text)
        if whole is None:
            if re.fullmatch(r"\d+[,.]\d{1,2}", text):
                raise ValueError(
                    _("%(label)s: skriv beloppet i hela kronor, utan ören.", label=label)
                )
            raise ValueError(
                _("%(label)s: skriv beloppet med siffror, till exempel 1250.", label=label)
            )
        value = int(whole.group(1))
        if value > MAX_AMOUNT:
            raise ValueError(
                _("%(label)s: beloppet är för stort. Kontrollera att det är rätt.", label=label)
            )
        self.data = value

    def _value(self):
        raw = getattr(self, "raw", None)
        if raw is not None:
            return raw
        return "" if self.data is None else str(self.data)


def _amount(label: str, description=None) -> AmountField:
    return AmountField(
        _l(label),
        description=description,
        render_kw={"inputmode": "numeric", "autocomplete": "off", "class": "input-amount"},
    )


def _lines_form(name: str, kinds: dict[str, str], hint, other_label, extra=None) -> type:
    """A form with one amount per kind, and a description for the "other" kind."""
    attrs: dict[str, object] = dict(extra or {})
    for kind, label in kinds.items():
        attrs[kind] = _amount(label, hint)
        if kind in KINDS_WITH_DESCRIPTION:
            attrs[f"{kind}_text"] = StringField(
                other_label, validators=[Length(max=200)], render_kw={"autocomplete": "off"}
            )

    def validate(self, extra_validators=None):
        ok = FlaskForm.validate(self, extra_validators)
        for kind in kinds:
            if kind in KINDS_WITH_DESCRIPTION:
                amount, text = self[kind].data, self[f"{kind}_text"].data
                if amount and not (text or "").strip():
                    self[f"{kind}_text"].errors.append(
                        _("Skriv vad beloppet %(amount)s kr gäller.", amount=amount)
                    )
                    ok = False
        return ok

    attrs["validate"] = validate
    attrs["kinds"] = kinds
    return type(name, (FlaskForm,), attrs)


IncomesForm = _lines_form(
    "IncomesForm",
    INCOME_KINDS,
    None,
    _l("Vad är den andra inkomsten?"),
)

CostsForm = _lines_form(
    "CostsForm",
    COST_KINDS,
    None,
    _l("Vad är den andra kostnaden?"),
    extra={
        "housing": RadioField(
            _l("Hur bor du?"),
            choices=_choices(HOUSING_TYPES),
            validators=[DataRequired(_l("Välj hur du bor."))],
        ),
        "postcode": StringField(
            _l("Postnummer där du bor"),
            description=_l(
                "Fem siffror, till exempel 392 34. Det avgör vilken enhet som tar emot din ansökan."
            ),
            validators=[
                Optional(),
                Regexp(
                    r"^\s*[0-9]{3}\s?[0-9]{2}\s*$",
                    message=_l("Skriv postnumret med fem siffror, till exempel 392 34."),
                ),
            ],
            render_kw={"inputmode": "numeric", "autocomplete": "postal-code"},
        ),
    },
)

AssetsForm = _lines_form(
    "AssetsForm",
    ASSET_KINDS,
    None,
    _l("Vad är den andra tillgången?"),
)


_PNR_MESSAGES = {
    "format": _l("Skriv personnumret med 12 siffror, till exempel 20150314-1234."),
    "checksum": _l("Personnumret stämmer inte. Kontrollera de fyra sista siffrorna."),
    "date": _l("Personnumret har ett datum som inte finns. Kontrollera födelsedatumet."),
    "future": _l("Personnumret har ett födelsedatum i framtiden. Kontrollera siffrorna."),
}


def personnummer_message(reason: str):
    """The message for a personnummer refused for ``reason`` (a stable code)."""
    return _PNR_MESSAGES.get(reason, _PNR_MESSAGES["format"])


def valid_personnummer(form, field) -> None:
    """Check date and check digit (coordination numbers too)."""
    try:
        pnr.parse(field.data or "")
    except pnr.InvalidPersonnummer as exc:
        raise ValidationError(str(personnummer_message(exc.reason))) from None


class MemberForm(FlaskForm):
    role = RadioField(
        _l("Vem är personen?"),
        choices=_choices(MEMBER_ROLES),
        validators=[DataRequired(_l("Välj vem personen är."))],
    )
    first_name = StringField(
        _l("Förnamn"),
        validators=[
            DataRequired(_l("Skriv personens förnamn.")),
            Length(max=100, message=_l("Förnamnet får vara högst 100 tecken.")),
        ],
        render_kw={"autocomplete": "off"},
    )
    personnummer = StringField(
        _l("Personnummer"),
        description=_l("12 siffror, till exempel 20150314-1234. Samordningsnummer går också."),
        validators=[DataRequired(_l("Skriv personens personnummer.")), valid_personnummer],
        render_kw={"autocomplete": "off", "inputmode": "numeric", "spellcheck": "false"},
    )
    at_school = BooleanField(
        _l("Går i gymnasieskolan"),
        description=_l("Gäller barn som är 19 eller 20 år."),
    )
    lunch_at_preschool = BooleanField(
        _l("Äter lunch på förskolan fem dagar i veckan"),
        description=_l("Gäller barn som är 6 år eller yngre."),
    )


#: Service refusals of a household member, and the field they belong to.
MEMBER_ERRORS = {
    "partner_exists": (
        "role",
        _l("Du har redan en partner i hushållet. Ändra den personen i stället."),
    ),
    "member_exists": ("personnummer", _l("Den här personen finns redan i hushållet.")),
    "child_too_old": (
        "role",
        _l("Barn som har fyllt 21 år räknas som vuxna. Välj ”Annan vuxen som bor i bostaden”."),
    ),
    "adult_too_young": (
        "role",
        _l("Personen är under 18 år. Välj ”Barn som bor hemma”."),
    ),
}


class NewApplicationForm(FlaskForm):
    month = RadioField(
        _l("Vilken månad söker du för?"),
        validators=[DataRequired(_l("Välj vilken månad du söker för."))],
    )
    start = RadioField(
        _l("Vill du utgå från din förra ansökan?"),
        description=_l("Då finns dina belopp redan ifyllda. Du kontrollerar och ändrar dem."),
        choices=[
            SelectChoice("copy", _l("Ja, fyll i från förra ansökan")),
            SelectChoice("empty", _l("Nej, börja om")),
        ],
        default="copy",
        validators=[Optional()],
    )


class AttachmentForm(FlaskForm):
    document_type = RadioField(
        _l("Vad visar dokumentet?"),
        choices=_choices(DOCUMENT_TYPES),
        validators=[DataRequired(_l("Välj vad dokumentet visar."))],
    )
    file = FileField(
        _l("Välj fil"),
        validators=[FileRequired(_l("Välj en fil att ladda upp."))],
        render_kw={"accept": "application/pdf,image/jpeg,image/png,image/heic,.heic"},
    )


#: Service refusals of an upload, as messages on the file field.
UPLOAD_ERRORS = {
    "no_file": _l("Välj en fil att ladda upp. Filen du valde är tom."),
    "file_type": _l(
        "Filen går inte att använda. Ladda upp en PDF eller en bild (JPEG, PNG eller HEIC)."
    ),
    "not_open": _l("Ansökan är redan avgjord. Det går inte att lägga till dokument."),
}


def upload_error(code: str, max_mb: str) -> str:
    """The message for an upload refused with ``code``; ``max_mb`` is the size limit."""
    if code == "file_too_large":
        return _("Filen är för stor. Den får vara högst %(mb)s MB.", mb=max_mb)
    return str(UPLOAD_ERRORS.get(code, UPLOAD_ERRORS["file_type"]))


class DeclarationForm(FlaskForm):
    accept = BooleanField(
        _l("Jag intygar att uppgifterna är riktiga och fullständiga"),
        validators=[DataRequired(_l("Kryssa i rutan för att intyga att uppgifterna stämmer."))],
    )


class ButtonForm(FlaskForm):
    """A bare button (continue, submit, remove, acknowledge): only the CSRF token."""


class _LocalDateField(DateField):
    """A date field (a date picker on phones) with a message that says how to write it."""

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip()
        self.raw_data = [text] if text else []
        self.data = None
        if not text:
            return
        for fmt in ("%Y-%m-%d", "%Y%m%d", "%d/%m/%Y"):
            try:
                self.data = datetime.strptime(text, fmt).date()
                return
            except ValueError:
                continue
        raise ValueError(_("Skriv datumet som år-månad-dag, till exempel 2026-03-14."))


class _LocalTimeField(TimeField):
    """A time field that accepts 13:00, 13.00 and 1300."""

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip()
        self.raw_data = [text] if text else []
        self.data = None
        if not text:
            return
        match = re.fullmatch(r"(\d{1,2})[:.]?(\d{2})", text)
        if match and int(match.group(1)) < 24 and int(match.group(2)) < 60:
            self.data = time(int(match.group(1)), int(match.group(2)))
            return
        raise ValueError(_("Skriv tiden som timmar och minuter, till exempel 13:00."))


class AbsenceForm(FlaskForm):
    first_day = _LocalDateField(
        _l("Första dagen du är borta"),
        # InputRequired, not DataRequired: a date typed wrongly keeps its own message.
        validators=[InputRequired(_l("Skriv vilken dag du är borta."))],
    )
    last_day = _LocalDateField(
        _l("Sista dagen du är borta (om det är fler dagar)"),
        description=_l("Lämna tomt om du bara är borta en dag."),
        validators=[Optional()],
    )
    from_time = _LocalTimeField(
        _l("Från klockan (om du är borta en del av dagen)"),
        description=_l("Till exempel 13:00. Lämna tomt om du är borta hela dagen."),
        validators=[Optional()],
    )
    to_time = _LocalTimeField(
        _l("Till klockan"),
        description=_l("Till exempel 16:00. Lämna tomt om du är borta resten av dagen."),
        validators=[Optional()],
    )
    reason = RadioField(
        _l("Varför är du borta?"),
        choices=_choices(ABSENCE_REASONS),
        validators=[DataRequired(_l("Välj varför du är borta."))],
    )
    description = TextAreaField(
        _l("Vill du berätta mer? (frivilligt)"),
        validators=[Length(max=2000, message=_l("Skriv högst 2000 tecken."))],
    )
    document_type = RadioField(
        _l("Vad visar dokumentet?"),
        choices=_choices(ABSENCE_DOCUMENT_TYPES),
        default="medical",
        validators=[Optional()],
    )
    attachment = FileField(
        _l("Intyg eller kallelse (frivilligt)"),
        description=_l("PDF eller bild. Du kan också visa intyget för din handläggare senare."),
        render_kw={"accept": "application/pdf,image/jpeg,image/png,image/heic,.heic"},
    )


#: Service refusals of an absence report: (field, message).
ABSENCE_ERRORS = {
    "last_before_first": ("last_day", _l("Sista dagen kan inte vara före första dagen.")),
    "too_long": ("last_day", _l("Du kan anmäla högst 31 dagar åt gången.")),
    "too_early": (
        "first_day",
        _l("Du kan inte anmäla frånvaro för mer än 60 dagar sedan. Kontakta din handläggare."),
    ),
    "too_late": ("first_day", _l("Du kan anmäla frånvaro högst ett halvår framåt.")),
    "times_ordered": ("to_time", _l("Tiden ”till” måste vara efter tiden ”från”.")),
}
