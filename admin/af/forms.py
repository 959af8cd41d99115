"""Forms of the AF exchange. Every POST is a FlaskForm, so each carries a CSRF token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Regexp


class ImportForm(FlaskForm):
    file = FileField(
        _l("Fil från Arbetsförmedlingen"),
        description=_l("JSON eller CSV enligt filformatet, högst 2 MB."),
        validators=[FileRequired(_l("Välj en fil att läsa in."))],
        render_kw={"accept": ".json,.csv,application/json,text/csv"},
    )


class ConfirmImportForm(FlaskForm):
    """Imports the file that was just previewed (identified by a token, not re-uploaded)."""

    token = HiddenField(validators=[DataRequired()])


class ExportForm(FlaskForm):
    """The export is a download (GET), so this form has no CSRF token."""

    class Meta:
        csrf = False

    month = StringField(
        _l("Månad"),
        description=_l("År och månad, till exempel 2026-08."),
        validators=[
            DataRequired(_l("Skriv en månad.")),
            Regexp(
                r"^\s*\d{4}-(0[1-9]|1[0-2])\s*$",
                message=_l("Skriv månaden som år och månad, till exempel 2026-08."),
            ),
        ],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    format = RadioField(
        _l("Filformat"),
        choices=[SelectChoice("json", "JSON"), SelectChoice("csv", "CSV")],
        default="json",
        validators=[DataRequired(_l("Välj filformat."))],
    )
