"""Report forms: the period and unit filter (GET) and the board's texts (POST)."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from admin.reports.periods import quarter_of, recent_periods

GROUP_LABELS = {
    "quarter": _l("Kvartal"),
    "biennial": _l("Två år"),
    "year": _l("År"),
    "month": _l("Månad"),
}


class FilterForm(FlaskForm):
    """Which period and unit to show (changes nothing, so no CSRF token)."""

    class Meta:
        csrf = False

    period = SelectField(_l("Period"), validators=[DataRequired()])
    unit = SelectField(_l("Enhet"))

    def __init__(self, formdata, *, today: date, units, all_units: bool, default_period: str):
        super().__init__(formdata)
        groups = {
            str(GROUP_LABELS[key]): [(p, p) for p in periods]
            for key, periods in recent_periods(today)
        }
        chosen = self.period.data
        known = {p for options in groups.values() for p, _ in options}
        if chosen and chosen not in known:
            groups[str(_l("Vald period"))] = [(chosen, chosen)]
        self.period.choices = groups
        if not chosen:
            self.period.data = default_period
        self.unit.choices = ([("", _l("Alla enheter"))] if all_units else []) + [
            (str(unit.id), unit.name) for unit in units
        ]
        if self.unit.data is None:
            self.unit.data = ""

    def unit_id(self) -> int | None:
        return int(self.unit.data) if self.unit.data and self.unit.data.isdigit() else None


def default_period(name: str, today: date) -> str:
    """The period a report opens with: this quarter, or the last two years for the overview."""
    if name == "ivo-overview":
        return f"{today.year - 1}..{today.year}"
    return quarter_of(today)


class BoardTextForm(FlaskForm):
    """The board's own sections of the biennial overview for one period."""

    period = HiddenField(validators=[DataRequired()])
    requirements = TextAreaField(
        _l("Hur nämnden ställer krav på deltagande"), validators=[Length(max=20000)]
    )
    plans = TextAreaField(
        _l("Hur nämnden arbetar med individuella planer"), validators=[Length(max=20000)]
    )
