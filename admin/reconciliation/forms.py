"""Reconciliation forms: the period chooser (GET) and the buttons that start a run (POST)."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectField
from wtforms.validators import DataRequired

from admin.reconciliation.services import month_key, months_back, weeks_of_month

#: How far back the month list reaches.
MONTHS_SHOWN = 24


def _month_choices(today: date) -> list[SelectChoice]:
    return [
        SelectChoice(month_key(first), format_date(first, "LLLL yyyy"))
        for first in months_back(today, MONTHS_SHOWN)
    ]


def _week_choices(month: str) -> list[SelectChoice]:
    choices = [SelectChoice("", _l("Hela månaden"))]
    for week, monday in weeks_of_month(month):
        sunday = monday + timedelta(days=6)
        choices.append(
            SelectChoice(
                week,
                _l(
                    "Vecka %(number)s (%(first)s–%(last)s)",
                    number=int(week[-2:]),
                    first=format_date(monday, "d MMM"),
                    last=format_date(sunday, "d MMM"),
                ),
            )
        )
    return choices


class PeriodForm(FlaskForm):
    """Which month, and optionally which of its weeks, to show (changes nothing)."""

    class Meta:
        csrf = False

    month = SelectField(_l("Månad"), validators=[DataRequired()])
    week = SelectField(
        _l("Vecka"),
        description=_l("En vecka som delas med en annan månad visas hel, måndag till söndag."),
        default="",
    )

    unit = SelectField(_l("Enhet"), default="")
    site = SelectField(_l("Plats"), description=_l("Personer med aktiviteter där."), default="")

    def __init__(self, *args, today: date, units=(), sites=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.unit.choices = [SelectChoice("", _l("Alla enheter"))] + [
            SelectChoice(str(key), name) for key, name in units
        ]
        self.site.choices = [SelectChoice("", _l("Alla platser"))] + [
            SelectChoice(str(key), name) for key, name in sites
        ]
        self.month.choices = _month_choices(today)
        if not self.month.data:
            self.month.data = month_key(today)
        valid_month = any(choice.value == self.month.data for choice in self.month.choices)
        self.week.choices = _week_choices(self.month.data if valid_month else month_key(today))
        # A week left over from the previously chosen month: show the whole new month instead.
        if not any(choice.value == self.week.data for choice in self.week.choices):
            self.week.data = ""

    def chosen(self, name: str) -> int | None:
        """The id picked in the unit or site filter, or None for all."""
        value = self[name].data
        return int(value) if value else None


class RunForm(FlaskForm):
    """Reconcile the shown period for the caseworker's unit now."""

    month = HiddenField(validators=[DataRequired()])
    week = HiddenField()


class RunPersonForm(FlaskForm):
    """Reconcile the shown period for one person now."""

    month = HiddenField(validators=[DataRequired()])
    week = HiddenField()
