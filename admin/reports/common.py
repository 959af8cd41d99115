"""What the reports share: their names and labels, the request, and small table helpers."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from admin.reports import data as d
from admin.reports.figures import Bar, Column, Figures, shown
from admin.reports.periods import Period
from portal.extensions import db
from portal.models import (
    Municipality,
    Unit,
)

NAMES = (
    "ivo-quarter",
    "ivo-overview",
    "returns",
    "time-to-plan",
    "activities-by-gender",
    "capacity",
    "under-planning",
)
TITLES = {
    "ivo-quarter": _l("IVO: kvartalsuppgifter"),
    "ivo-overview": _l("IVO: översikt vartannat år"),
    "returns": _l("Återkomster inom 12 månader"),
    "time-to-plan": _l("Tid från ansökan till plan"),
    "activities-by-gender": _l("Aktiviteter efter kön"),
    "capacity": _l("Platser och beläggning"),
    "under-planning": _l("Kommunens underplanering"),
}
GENDER_LABELS = {"women": _l("Kvinnor"), "men": _l("Män"), "unknown": _l("Okänt kön")}
IVO_FIELDS = (
    "voluntary_with_activities",
    "mandatory_with_activities",
    "both",
    "refused_for_non_participation",
    "reduced_for_non_participation",
    "subject_without_plan",
)
IVO_LABELS = {
    "voluntary_with_activities": _l("Aktiviteter när kravet var frivilligt"),
    "mandatory_with_activities": _l("Aktiviteter när kravet var obligatoriskt"),
    "both": _l("Både frivilligt och obligatoriskt"),
    "refused_for_non_participation": _l("Avslag för att inte ha deltagit"),
    "reduced_for_non_participation": _l("Nedsättning för att inte ha deltagit"),
    "subject_without_plan": _l("Omfattade av kravet utan planerad aktivitet"),
}
ACTIVITY_TYPES = ("motivation", "language", "workplace", "job_search", "education", "other")
TYPE_LABELS = {
    "motivation": _l("Motiverande insatser"),
    "language": _l("Språkträning"),
    "workplace": _l("Arbetsplatsförlagd aktivitet"),
    "job_search": _l("Jobbsökaraktivitet"),
    "education": _l("Utbildning"),
    "other": _l("Övrigt"),
}
#: The work-promoting types (Södermalm: women are given fewer of them).
WORK_PROMOTING = ("workplace", "job_search")
BANDS = (("0", 0, 0), ("1-49", 1, 49), ("50-99", 50, 99), ("100", 100, 100))
#: The board's sections of the biennial overview.
TEXT_SECTIONS = {
    "requirements": _l("Hur nämnden ställer krav på deltagande"),
    "plans": _l("Hur nämnden arbetar med individuella planer"),
}
COMMON_DEFINITION = _l(
    "Varje person räknas en gång per uppgift. Kön är det juridiska könet enligt "
    "personnumret (näst sista siffran udda = man, jämn = kvinna); okänt endast där "
    "personnummer saknas. Datum i svensk tid."
)
SUPPRESSION_DEFINITION = _l(
    "Antal 1–4 visas som <5 (skydd mot röjande av enskilda), liksom andelar och medelvärden "
    "som bygger på 1–4 personer."
)


@dataclass(frozen=True)
class Request:
    """What a report is asked for: which, when, whose, and whether counts are suppressed."""

    name: str
    period: Period
    municipality: Municipality
    unit: Unit | None
    suppress: bool
    today: date

    @property
    def scope(self) -> d.ReportScope:
        return d.ReportScope(self.municipality.id, self.unit.id if self.unit else None)

    @property
    def counted_to(self) -> date:
        """The last day the engine counts: the period's end, or yesterday while it runs."""
        return min(self.period.end, self.today - timedelta(days=1))

    @property
    def figures(self) -> Figures:
        return Figures(self.suppress)


def gender_columns(first: Column) -> list[Column]:
    return [
        first,
        Column("total", _l("Totalt")),
        *(Column(key, label) for key, label in GENDER_LABELS.items()),
    ]


def bar(label, value, text) -> Bar:
    numeric = value if isinstance(value, int | float) and not isinstance(value, bool) else None
    return Bar(str(label), numeric, text)


def value_text(value, suffix: str = "", kind: str = "count") -> str:
    """A bar's value as the table shows it (a suppressed or missing value has no unit)."""
    if value is None or isinstance(value, str):
        return shown(value, kind)
    return shown(value, kind) + suffix


def by_gender(people: set[int], facts: dict[int, d.PersonFacts]) -> Counter:
    return Counter(facts[p].gender if p in facts else "unknown" for p in people)


def units_in(request: Request) -> list[Unit]:
    return list(
        db.session.scalars(sa.select(Unit).where(Unit.municipality_id == request.municipality.id))
    )
