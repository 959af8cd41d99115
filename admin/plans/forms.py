"""Forms of the plan builder. Every POST is a FlaskForm, so each carries a CSRF token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from admin.plans.services import MAX_TEXT


class PlanForm(FlaskForm):
    """The plan's dates and texts; the draft's activities travel as hidden ``item`` fields."""

    valid_from = DateField(
        _l("Planen gäller från"),
        description=_l("Veckorna nedan räknas från det här datumet."),
        validators=[InputRequired(_l("Skriv från vilket datum planen gäller."))],
    )
    purpose = TextAreaField(
        _l("Syfte"),
        description=_l("Vad planen ska leda till, med personens egna mål. Personen ser texten."),
        validators=[
            DataRequired(_l("Skriv planens syfte.")),
            Length(max=MAX_TEXT, message=_l("Syftet får vara högst 4 000 tecken.")),
        ],
    )
    follow_up_date = DateField(
        _l("Uppföljning"),
        description=_l("Datum då ni följer upp planen tillsammans."),
        validators=[InputRequired(_l("Skriv ett datum för uppföljning."))],
    )
    accept_under_planned = BooleanField(
        _l("Spara ändå: jag vet att planen har färre timmar än kravet")
    )
    note = TextAreaField(
        _l("Anteckning (valfritt)"),
        description=_l("Till exempel vad ni kom överens om."),
        validators=[
            Optional(),
            Length(max=MAX_TEXT, message=_l("Anteckningen får vara högst 4 000 tecken.")),
        ],
    )
