"""Every figure of reports.md, computed from the database by one set of functions.

The page, the CLI and every export call :func:`build`; a report is a :class:`Report` whose
``data`` holds the JSON fields of reports.md and whose tables and chart show the same values.
Queries are set-based: each report reads with a fixed number of queries per month of the
period, whatever the number of people.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from admin.reports import data as d
from admin.reports.figures import Bar, Chart, Column, Figures, Report, Table, shown
from admin.reports.periods import Period, parse_period
from portal import audit
from portal.compliance.reconcile import ASSISTED
from portal.errors import DomainError
from portal.extensions import db
from portal.models import (
    Activity,
    ActivitySession,
    Application,
    Assessment,
    Decision,
    Enrolment,
    Municipality,
    MunicipalitySettings,
    PlanVersion,
    ReportText,
    SanctionDecision,
    Site,
    StaffRole,
    StaffUser,
    Unit,
    utcnow,
)
from portal.models.enums import EnrolmentStatus, SanctionKind

#: Report names, in the order the menu lists them.
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


# --------------------------------------------------------------------------------------------
# Who may see which scope


def may_see_reports(user: StaffUser) -> bool:
    """Caseworkers (their unit), administrators and auditors (the municipality) see reports."""
    return user.role in (StaffRole.CASEWORKER, StaffRole.ADMINISTRATOR, StaffRole.AUDITOR)


def units_for(user: StaffUser) -> list[Unit]:
    """The units a user may choose in the filter (a caseworker: their own only)."""
    query = sa.select(Unit).where(Unit.municipality_id == user.municipality_id)
    if user.role == StaffRole.CASEWORKER:
        query = query.where(Unit.id == user.unit_id)
    return list(db.session.scalars(query.order_by(Unit.name)))


def request_for(
    user: StaffUser, name: str, period: str | None, unit_id: int | None, today: date
) -> Request:
    """Check and resolve a staff member's request for a report.

    Raises DomainError ``unknown_report`` (404), ``invalid_period``, ``forbidden`` (403) for
    a role without reports, and ``unknown_unit`` (404) for a unit outside the user's scope.
    A caseworker's report is always of their own unit.
    """
    if name not in NAMES:
        raise DomainError("unknown_report", f"unknown report {name!r}", status=404)
    if not may_see_reports(user):
        raise DomainError("forbidden", "reports are for caseworkers, administrators, auditors", 403)
    parsed = parse_period(period)
    municipality = db.session.get(Municipality, user.municipality_id)
    allowed = {unit.id: unit for unit in units_for(user)}
    if user.role == StaffRole.CASEWORKER:
        if user.unit_id not in allowed or unit_id not in (None, user.unit_id):
            raise DomainError("unknown_unit", "no such unit", status=404)
        unit = allowed[user.unit_id]
    elif unit_id is None:
        unit = None
    elif unit_id in allowed:
        unit = allowed[unit_id]
    else:
        raise DomainError("unknown_unit", "no such unit", status=404)
    return Request(name, parsed, municipality, unit, user.role == StaffRole.AUDITOR, today)


def record_access(user: StaffUser | None, request: Request, action: str, fmt: str = "") -> None:
    """The audit row of a report view or export: who, which report, which period; no person."""
    unit = str(request.unit.id) if request.unit else "all"
    why = f"period={request.period.key} unit={unit}" + (f" format={fmt}" if fmt else "")
    audit.record(action, "report", object_ref=request.name, why=why, actor=user)


# --------------------------------------------------------------------------------------------
# Building a report


def build(request: Request) -> Report:
    """The report asked for: figures, tables, chart and definitions (changes nothing)."""
    builder: Callable[[Request], tuple[dict, list[Table], Chart, list]] = BUILDERS[request.name]
    data, tables, chart, definitions = builder(request)
    texts = []
    if request.name == "ivo-overview":
        stored = board_texts(request.municipality.id, request.period.key)
        texts = [(label, stored.get(key, "")) for key, label in TEXT_SECTIONS.items()]
        data["board_texts"] = {key: stored.get(key, "") for key in TEXT_SECTIONS}
    definitions = [*definitions, COMMON_DEFINITION]
    if request.suppress:
        definitions.append(SUPPRESSION_DEFINITION)
    return Report(
        name=request.name,
        title=TITLES[request.name],
        period=request.period,
        counted_to=request.counted_to,
        municipality=request.municipality.name,
        unit=request.unit.name if request.unit else None,
        generated_at=utcnow(),
        suppressed=request.suppress,
        data=data,
        tables=tables,
        chart=chart,
        definitions=definitions,
        texts=texts,
    )


def _gender_columns(first: Column) -> list[Column]:
    return [
        first,
        Column("total", _l("Totalt")),
        *(Column(key, label) for key, label in GENDER_LABELS.items()),
    ]


def _bar(label, value, text) -> Bar:
    numeric = value if isinstance(value, int | float) and not isinstance(value, bool) else None
    return Bar(str(label), numeric, text)


def _text(value, suffix: str = "", kind: str = "count") -> str:
    """A bar's value as the table shows it (a suppressed or missing value has no unit)."""
    if value is None or isinstance(value, str):
        return shown(value, kind)
    return shown(value, kind) + suffix


# ---- IVO quarterly figures ----------------------------------------------------------------


def ivo_sets(request: Request) -> dict[str, set[int]]:
    """The people of each IVO field (exact; suppression is applied when shown)."""
    days = d.ivo_days(request.scope, request.period.months(), request.counted_to)
    voluntary, mandatory = days.voluntary_planned, days.mandatory_planned
    subject, planned = days.subject, days.planned
    first, after = d.local_bounds(request.period.start, request.period.end)
    sanctions = db.session.execute(
        sa.select(SanctionDecision.person_id, SanctionDecision.kind)
        .where(
            SanctionDecision.decided_at >= first,
            SanctionDecision.decided_at < after,
            SanctionDecision.kind.in_((SanctionKind.REFUSAL, SanctionKind.REDUCTION)),
            SanctionDecision.person_id.in_(request.scope.people()),
        )
        .distinct()
    )
    refused, reduced = set(), set()
    for person_id, kind in sanctions:
        (refused if kind == SanctionKind.REFUSAL else reduced).add(person_id)
    return {
        "voluntary_with_activities": voluntary,
        "mandatory_with_activities": mandatory,
        "both": voluntary & mandatory,
        "refused_for_non_participation": refused,
        "reduced_for_non_participation": reduced,
        "subject_without_plan": subject - planned,
    }


def _by_gender(people: set[int], facts: dict[int, d.PersonFacts]) -> Counter:
    return Counter(facts[p].gender if p in facts else "unknown" for p in people)


def _ivo_quarter(request: Request):
    facts = d.people_facts(request.scope)
    sets = ivo_sets(request)
    fig = request.figures
    data = {key: fig.by_gender(_by_gender(sets[key], facts)) for key in IVO_FIELDS}
    table = Table(
        "ivo_quarter",
        _l("Personer per uppgift och kön"),
        _gender_columns(Column("field", _l("Uppgift"), "text")),
        [
            [str(IVO_LABELS[key]), *(data[key][g] for g in ("total", *d.GENDERS))]
            for key in IVO_FIELDS
        ],
    )
    chart = Chart(
        _l("Personer per uppgift"),
        _l("Stapeldiagram över antal personer per uppgift; samma siffror som i tabellen."),
        [
            _bar(IVO_LABELS[key], data[key]["total"], _text(data[key]["total"]))
            for key in IVO_FIELDS
        ],
    )
    definitions = [
        _l(
            "Frivilligt/obligatoriskt: minst en dag i kvartalet då personen omfattades av "
            "kravet (frivilligt respektive obligatoriskt enligt regelboken) och hade ett pass i "
            "en planerad aktivitet. Dagarnas slag räknas av regelmotorn; lagrade avstämningar "
            "används där de finns."
        ),
        _l(
            "Avslag/nedsättning: beslut om avslag respektive nedsättning för att personen inte "
            "deltagit, fattade under kvartalet."
        ),
        _l(
            "Utan planerad aktivitet: omfattades av kravet någon dag men hade inget planerat "
            "pass någon dag då kravet gällde (kommunens brist)."
        ),
    ]
    return data, [table], chart, definitions


# ---- Returns within 12 months -------------------------------------------------------------


def _returns(request: Request):
    facts = d.people_facts(request.scope)
    keys = [key for key, _, _ in request.period.months()]
    low, high = d.month_index(keys[0]) - 13, d.month_index(keys[-1])
    rows = db.session.execute(
        sa.select(Decision.person_id, Decision.month)
        .where(
            Decision.outcome.in_(ASSISTED),
            Decision.month >= d.month_key(low),
            Decision.month <= d.month_key(high),
            Decision.person_id.in_(request.scope.people()),
        )
        .distinct()
    )
    assisted: dict[int, set[int]] = defaultdict(set)
    for person_id, month in rows:
        assisted[person_id].add(d.month_index(month))
    fig = request.figures
    months, all_new, all_returned = [], set(), set()
    for key in keys:
        m = d.month_index(key)
        new = {p for p, held in assisted.items() if m in held and m - 1 not in held}
        returned = {p for p in new if any(m - gap in assisted[p] for gap in range(2, 14))}
        all_new |= new
        all_returned |= returned
        months.append(
            {
                "month": key,
                "new_spells": fig.by_gender(_by_gender(new, facts)),
                "returns": fig.by_gender(_by_gender(returned, facts)),
                "share": fig.share(len(returned), len(new)),
            }
        )
    total = {
        "new_spells": fig.by_gender(_by_gender(all_new, facts)),
        "returns": fig.by_gender(_by_gender(all_returned, facts)),
        "share": fig.share(len(all_returned), len(all_new)),
    }
    columns = [
        Column("month", _l("Månad"), "text"),
        Column("new_spells", _l("Nya perioder")),
        Column("returns", _l("Varav återkomster")),
        Column("share", _l("Andel"), "share"),
        *(Column(f"returns_{g}", _l("Återkomster: %(g)s", g=GENDER_LABELS[g])) for g in d.GENDERS),
    ]
    table_rows = [
        [
            row["month"],
            row["new_spells"]["total"],
            row["returns"]["total"],
            row["share"],
            *(row["returns"][g] for g in d.GENDERS),
        ]
        for row in [*months, {"month": str(_l("Hela perioden (personer)")), **total}]
    ]
    table = Table("returns", _l("Nya perioder och återkomster per månad"), columns, table_rows)
    chart = Chart(
        _l("Återkomster per månad"),
        _l("Stapeldiagram över antal återkomster per månad; samma siffror som i tabellen."),
        [_bar(r["month"], r["returns"]["total"], _text(r["returns"]["total"])) for r in months],
    )
    definitions = [
        _l(
            "Ny period i månad M: beviljat bistånd i M men inte i M−1. Återkomst: en ny period "
            "där personen också hade beviljat bistånd någon månad M−13 till M−2 (ett uppehåll på "
            "1–12 månader). Raden för hela perioden räknar varje person en gång."
        )
    ]
    return {"months": months, "total": total}, [table], chart, definitions


# ---- Time from application to plan --------------------------------------------------------


def plan_times(request: Request) -> list[tuple[int, float]]:
    """(person id, hours) for each spell whose first plan version was made in the period.

    A spell is a run of consecutive months with a submitted application; its start is the
    earliest submission of the run. The first plan version made at or after that start (and
    before the next spell's) is the spell's plan.
    """
    first, after = d.local_bounds(request.period.start, request.period.end)
    people = request.scope.people()
    applications = db.session.execute(
        sa.select(Application.person_id, Application.month, Application.submitted_at)
        .where(
            Application.submitted_at.is_not(None),
            Application.submitted_at < after,
            Application.person_id.in_(people),
        )
        .order_by(Application.person_id, Application.month)
    )
    spells: dict[int, list] = defaultdict(list)
    for person_id, month, submitted in applications:
        index = d.month_index(month)
        runs = spells[person_id]
        if runs and index - runs[-1][1] <= 1:
            runs[-1] = [min(runs[-1][0], submitted), index]
        else:
            runs.append([submitted, index])
    versions = d.group_rows(
        db.session.execute(
            sa.select(PlanVersion.person_id, PlanVersion.created_at)
            .where(PlanVersion.created_at < after, PlanVersion.person_id.in_(people))
            .order_by(PlanVersion.person_id, PlanVersion.created_at)
        )
    )
    found = []
    for person_id, runs in spells.items():
        starts = sorted(start for start, _ in runs)
        made = [row.created_at for row in versions.get(person_id, ())]
        for position, start in enumerate(starts):
            following = starts[position + 1] if position + 1 < len(starts) else None
            plan = next(
                (at for at in made if at >= start and (following is None or at < following)),
                None,
            )
            if plan is not None and first <= plan < after:
                found.append((person_id, (plan - start).total_seconds() / 3600))
    return found


def _time_to_plan(request: Request):
    facts = d.people_facts(request.scope)
    service_level = db.session.scalar(
        sa.select(MunicipalitySettings.sla_plan_hours).where(
            MunicipalitySettings.municipality_id == request.municipality.id
        )
    )
    service_level = service_level or 48
    times = plan_times(request)
    fig = request.figures

    def summary(hours: list[float]) -> dict:
        n = len(hours)
        median, p90 = d.percentile(hours, 0.5), d.percentile(hours, 0.9)
        return {
            "people": fig.count(n),
            "median_hours": fig.measure(None if median is None else round(median, 1), n),
            "p90_hours": fig.measure(None if p90 is None else round(p90, 1), n),
            "within_service_level": fig.share(sum(h <= service_level for h in hours), n),
        }

    unit_names = {u.id: u.name for u in units_in(request)}
    by_unit: dict[str, list[float]] = defaultdict(list)
    by_gender: dict[str, list[float]] = {g: [] for g in d.GENDERS}
    for person_id, hours in times:
        person = facts.get(person_id)
        by_gender[person.gender if person else "unknown"].append(hours)
        name = unit_names.get(person.unit_id) if person else None
        by_unit[name or str(_l("Utan enhet"))].append(hours)
    data = {
        "service_level_hours": service_level,
        "total": summary([h for _, h in times]),
        "by_unit": {name: summary(by_unit[name]) for name in sorted(by_unit)},
        "by_gender": {g: summary(by_gender[g]) for g in d.GENDERS},
    }
    columns = [
        Column("group", _l("Grupp"), "text"),
        Column("people", _l("Personer")),
        Column("median_hours", _l("Median, timmar"), "hours"),
        Column("p90_hours", _l("90:e percentilen, timmar"), "hours"),
        Column("within_service_level", _l("Andel inom servicenivån"), "share"),
    ]
    groups = [
        (str(_l("Alla")), data["total"]),
        *((name, row) for name, row in data["by_unit"].items()),
        *((str(GENDER_LABELS[g]), data["by_gender"][g]) for g in d.GENDERS),
    ]
    rows = [[name, *(row[c.key] for c in columns[1:])] for name, row in groups]
    table = Table("time_to_plan", _l("Tid från ansökan till första plan"), columns, rows)
    chart = Chart(
        _l("Median i timmar från ansökan till plan"),
        _l("Stapeldiagram över mediantiden per grupp; samma siffror som i tabellen."),
        [_bar(name, row["median_hours"], _text(row["median_hours"], " h")) for name, row in groups],
    )
    definitions = [
        _l(
            "För varje person vars första planversion under perioden gjordes: tiden från "
            "första inskickade ansökan i den pågående perioden av ansökningar (månader i följd) "
            "till planversionen. Servicenivån är kommunens inställning (%(hours)s timmar); "
            "exakt på gränsen räknas som inom.",
            hours=service_level,
        )
    ]
    return data, [table], chart, definitions


def units_in(request: Request) -> list[Unit]:
    return list(
        db.session.scalars(sa.select(Unit).where(Unit.municipality_id == request.municipality.id))
    )


# ---- Activities by gender, capacity, under-planning (from the engine's days) --------------


def _activity_refs(request: Request) -> dict[str, Activity]:
    rows = db.session.scalars(
        sa.select(Activity)
        .join(Site, Activity.site_id == Site.id)
        .where(Site.municipality_id == request.municipality.id)
    )
    return {row.public_ref: row for row in rows}


def _slot_minutes(results) -> dict[tuple[int, str, str], list[int]]:
    """(person, month, activity ref) -> [scheduled, attended] minutes of the counted days."""
    minutes: dict[tuple[int, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for month, people in results.items():
        for person_id, result in people.items():
            for day in result.days:
                for slot in day.get("slots", ()):
                    cell = minutes[(person_id, month, slot[0].split("~")[0])]
                    cell[0] += slot[3]
                    cell[1] += slot[4]
    return minutes


def _counted_weeks(request: Request) -> float:
    days = (request.counted_to - request.period.start).days + 1
    return max(days, 0) / 7


def _activities_by_gender(request: Request):
    facts = d.people_facts(request.scope)
    results = d.month_results(request.scope, request.period.months(), request.counted_to)
    refs = _activity_refs(request)
    per_person: dict[int, Counter] = defaultdict(Counter)
    for (person_id, _, ref), (scheduled, _) in _slot_minutes(results).items():
        activity = refs.get(ref)
        if activity is not None and scheduled:
            per_person[person_id][str(activity.type)] += scheduled
    weeks = _counted_weeks(request)
    fig = request.figures
    groups = {}
    for gender in d.GENDERS:
        people = [p for p in per_person if (facts[p].gender if p in facts else "unknown") == gender]
        minutes = Counter()
        for person_id in people:
            minutes.update(per_person[person_id])
        n, total = len(people), sum(minutes.values())

        def per_week(value: int, n=n) -> float | str | None:
            if not n or not weeks:
                return None
            return fig.measure(round(value / 60 / n / weeks, 2), n)

        groups[gender] = {
            "people": fig.count(n),
            "hours_per_person_per_week": {t: per_week(minutes[t]) for t in ACTIVITY_TYPES},
            "total_hours_per_person_per_week": per_week(total),
            "work_promoting_share": (
                fig.measure(round(sum(minutes[t] for t in WORK_PROMOTING) / total, 3), n)
                if total
                else None
            ),
        }
    columns = [
        Column("type", _l("Aktivitetstyp"), "text"),
        *(Column(g, GENDER_LABELS[g], "hours") for g in d.GENDERS),
    ]
    rows = [
        [str(TYPE_LABELS[t]), *(groups[g]["hours_per_person_per_week"][t] for g in d.GENDERS)]
        for t in ACTIVITY_TYPES
    ]
    rows.append(
        [str(_l("Totalt")), *(groups[g]["total_hours_per_person_per_week"] for g in d.GENDERS)]
    )
    rows.append([str(_l("Personer med planerade pass")), *(groups[g]["people"] for g in d.GENDERS)])
    rows.append(
        [str(_l("Andel arbetsfrämjande")), *(groups[g]["work_promoting_share"] for g in d.GENDERS)]
    )
    table = Table(
        "activities_by_gender", _l("Planerade timmar per person och vecka"), columns, rows
    )
    bars = []
    for t in ACTIVITY_TYPES:
        for g in ("women", "men"):
            value = groups[g]["hours_per_person_per_week"][t]
            bars.append(_bar(f"{TYPE_LABELS[t]} – {GENDER_LABELS[g]}", value, _text(value, " h")))
    chart = Chart(
        _l("Planerade timmar per person och vecka, kvinnor och män"),
        _l("Stapeldiagram per aktivitetstyp och kön; samma siffror som i tabellen."),
        bars,
    )
    definitions = [
        _l(
            "Planerade timmar: minuter i pass i personens plan på dagar då kravet gällde "
            "(regelmotorns schemalagda tid), delat med antalet personer med planerade pass och "
            "antalet räknade veckor. Arbetsfrämjande: arbetsplatsförlagd aktivitet och "
            "jobbsökaraktivitet."
        )
    ]
    return {"weeks": round(weeks, 2), "by_gender": groups}, [table], chart, definitions


def capacity_rows(request: Request, results=None) -> list[dict]:
    """Per activity and month: places, people planned, waiting list, hours and attendance."""
    results = results or d.month_results(request.scope, request.period.months(), request.counted_to)
    refs = _activity_refs(request)
    planned: dict[tuple[str, str], set[int]] = defaultdict(set)
    hours: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for (person_id, month, ref), (scheduled, attended) in _slot_minutes(results).items():
        if scheduled:
            planned[(ref, month)].add(person_id)
        hours[(ref, month)][0] += scheduled
        hours[(ref, month)][1] += attended
    waiting_rows = db.session.execute(
        sa.select(
            Enrolment.activity_id, Enrolment.person_id, Enrolment.from_date, Enrolment.to_date
        ).where(
            Enrolment.status == EnrolmentStatus.WAITING,
            Enrolment.from_date <= request.period.end,
            sa.or_(Enrolment.to_date.is_(None), Enrolment.to_date >= request.period.start),
            Enrolment.person_id.in_(request.scope.people()),
        )
    ).all()
    fig = request.figures
    rows = []
    for ref, activity in sorted(refs.items(), key=lambda item: (item[1].name, item[0])):
        for month, first, last in request.period.months():
            if activity.from_date > last or (activity.to_date and activity.to_date < first):
                continue
            waiting = {
                row.person_id
                for row in waiting_rows
                if row.activity_id == activity.id
                and row.from_date <= last
                and (row.to_date is None or row.to_date >= first)
            }
            scheduled, attended = hours.get((ref, month), (0, 0))
            people = len(planned.get((ref, month), ()))
            rows.append(
                {
                    "activity": activity.name,
                    "type": str(activity.type),
                    "month": month,
                    "places": activity.capacity,
                    "people_planned": fig.count(people),
                    "waiting_list": fig.count(len(waiting)),
                    "scheduled_hours": fig.measure(round(scheduled / 60, 2), people),
                    "attended_hours": fig.measure(round(attended / 60, 2), people),
                    "attendance_rate": (
                        fig.measure(round(attended / scheduled, 3), people) if scheduled else None
                    ),
                    "_people": people,
                }
            )
    return rows


def _percent(share) -> float | None:
    return round(share * 100, 1) if isinstance(share, float) else None


def _capacity(request: Request):
    rows = capacity_rows(request)
    for row in rows:
        row.pop("_people")
    columns = [
        Column("activity", _l("Aktivitet"), "text"),
        Column("month", _l("Månad"), "text"),
        Column("places", _l("Platser")),
        Column("people_planned", _l("Planerade personer")),
        Column("waiting_list", _l("Kö")),
        Column("scheduled_hours", _l("Schemalagda timmar"), "hours"),
        Column("attended_hours", _l("Närvarotimmar"), "hours"),
        Column("attendance_rate", _l("Närvarograd"), "share"),
    ]
    table = Table(
        "capacity",
        _l("Per aktivitet och månad"),
        columns,
        [[row[c.key] for c in columns] for row in rows],
    )
    chart = Chart(
        _l("Närvarograd per aktivitet och månad"),
        _l("Stapeldiagram över närvarograd i procent; samma siffror som i tabellen."),
        [
            _bar(
                f"{row['activity']} {row['month']}",
                _percent(row["attendance_rate"]),
                _text(row["attendance_rate"], kind="share"),
            )
            for row in rows
        ],
        scale=100,
    )
    definitions = [
        _l(
            "Platser: aktivitetens kapacitet (tom = obegränsad). Planerade personer: personer "
            "med minst ett pass i aktiviteten under månaden på dagar då kravet gällde. Kö: "
            "personer i kö någon dag i månaden. Närvarograd: närvarotimmar delat med "
            "schemalagda timmar."
        )
    ]
    return {"rows": rows}, [table], chart, definitions


def under_planning_figures(request: Request, results=None) -> dict:
    """Per month and in total: hours the plans fell short (plan_gap) and the people affected."""
    facts = d.people_facts(request.scope)
    results = results or d.month_results(request.scope, request.period.months(), request.counted_to)
    fig = request.figures
    months, everyone, total_hours = [], set(), 0.0
    for month, people in results.items():
        affected = {p for p, r in people.items() if (r.figures.get("plan_gap_hours") or 0) > 0}
        hours = round(sum(people[p].figures["plan_gap_hours"] for p in affected), 2)
        everyone |= affected
        total_hours += hours
        months.append(
            {
                "month": month,
                "plan_gap_hours": fig.measure(hours, len(affected)),
                "people_affected": fig.by_gender(_by_gender(affected, facts)),
            }
        )
    return {
        "months": months,
        "plan_gap_hours": fig.measure(round(total_hours, 2), len(everyone)),
        "people_affected": fig.by_gender(_by_gender(everyone, facts)),
    }


def _under_planning(request: Request):
    data = under_planning_figures(request)
    columns = [
        Column("month", _l("Månad"), "text"),
        Column("plan_gap_hours", _l("Timmar som saknades i planerna"), "hours"),
        *_gender_columns(Column("x", "", "text"))[1:],
    ]
    rows = [
        [
            row["month"],
            row["plan_gap_hours"],
            *(row["people_affected"][k] for k in ("total", *d.GENDERS)),
        ]
        for row in data["months"]
    ]
    rows.append(
        [
            str(_l("Hela perioden (personer)")),
            data["plan_gap_hours"],
            *(data["people_affected"][k] for k in ("total", *d.GENDERS)),
        ]
    )
    for column in columns[2:]:
        column.label = _l("Berörda: %(g)s", g=column.label)
    table = Table("under_planning", _l("Underplanering per månad"), columns, rows)
    chart = Chart(
        _l("Timmar som saknades i planerna per månad"),
        _l("Stapeldiagram över saknade planerade timmar per månad; samma siffror som i tabellen."),
        [
            _bar(row["month"], row["plan_gap_hours"], _text(row["plan_gap_hours"], " h"))
            for row in data["months"]
        ],
    )
    definitions = [
        _l(
            "Underplanering: regelbokens plan_gap, summan per vecka av hur mycket planen "
            "understeg det personen skulle planeras för (heltid gånger deltagandegrad minus "
            "externa timmar). Den mäter kommunen, aldrig personen."
        )
    ]
    return data, [table], chart, definitions


# ---- Biennial overview --------------------------------------------------------------------


def _type_group(activity_type: str) -> str:
    return activity_type if activity_type in ACTIVITY_TYPES else "other"


def _requirement_start(months: set[int], index: int, after: int, requirement_from) -> date | None:
    """The first day the requirement applied in the spell of assistance containing ``index``."""
    start = index
    while start - 1 in months:
        start -= 1
    spell_first = date(start // 12, start % 12 + 1, 1)
    candidates = []
    if all(start + n in months for n in range(after + 1)):
        m = start + after
        candidates.append(date(m // 12, m % 12 + 1, 1))
    if requirement_from is not None:
        candidates.append(max(requirement_from, spell_first))
    return min(candidates) if candidates else None


def _overview(request: Request):
    period, fig, scope = request.period, request.figures, request.scope
    facts = d.people_facts(scope)
    results = d.month_results(scope, period.months(), request.counted_to)
    # Activities available
    activities = db.session.execute(
        sa.select(Activity.id, Activity.type, Activity.site_id, Activity.capacity)
        .join(Site, Activity.site_id == Site.id)
        .where(
            Site.municipality_id == request.municipality.id,
            Activity.from_date <= period.end,
            sa.or_(Activity.to_date.is_(None), Activity.to_date >= period.start),
        )
    ).all()
    sessions = Counter(
        db.session.scalars(
            sa.select(ActivitySession.activity_id).where(
                ActivitySession.activity_id.in_([a.id for a in activities] or [0]),
                ActivitySession.valid_from <= period.end,
                sa.or_(
                    ActivitySession.valid_to.is_(None), ActivitySession.valid_to >= period.start
                ),
            )
        )
    )
    use: dict[str, list[float]] = defaultdict(list)
    by_type_name = {}
    for row in capacity_rows(request, results):
        if row["places"]:
            by_type_name.setdefault(row["type"], []).append(row["_people"] / row["places"])
    use.update(by_type_name)
    available = {}
    for t in ACTIVITY_TYPES:
        rows = [a for a in activities if _type_group(str(a.type)) == t]
        places = [a.capacity for a in rows if a.capacity]
        available[t] = {
            "activities": len(rows),
            "sites": len({a.site_id for a in rows}),
            "places": sum(places),
            "unlimited_activities": sum(1 for a in rows if not a.capacity),
            "sessions_per_week": sum(sessions[a.id] for a in rows),
            "mean_use_of_places": (round(sum(use[t]) / len(use[t]), 3) if use.get(t) else None),
        }
    # How requirements are set
    subject, voluntary, mandatory = set(), set(), set()
    exempt = Counter()
    for people in results.values():
        for person_id, result in people.items():
            exempt.update(result.figures.get("exempt_reasons", {}))
            for day in result.days:
                if day.get("subject"):
                    subject.add(person_id)
                    (mandatory if day.get("mandatory") else voluntary).add(person_id)
    assessments = db.session.execute(
        sa.select(
            Assessment.person_id,
            Assessment.participation_percent,
            Assessment.requirement_from,
        )
        .where(Assessment.person_id.in_(scope.people()), Assessment.valid_from <= period.end)
        .order_by(Assessment.person_id, Assessment.valid_from, Assessment.assessed_at)
    ).all()
    newest = {row.person_id: row for row in assessments}
    bands = Counter()
    for person_id in subject:
        percent = newest[person_id].participation_percent if person_id in newest else 100
        bands.update(name for name, low, high in BANDS if low <= percent <= high)
    requirements = {
        "people_subject": fig.by_gender(_by_gender(subject, facts)),
        "participation_bands": {name: fig.count(bands[name]) for name, _, _ in BANDS},
        "exempt_days_by_reason": dict(sorted(exempt.items())),
        "voluntary": fig.count(len(voluntary)),
        "mandatory": fig.count(len(mandatory)),
    }
    # Plans
    plans = _overview_plans(request, newest)
    data = {
        "activities_available": available,
        "requirements": requirements,
        "plans": plans,
        "under_planning": under_planning_figures(request, results),
    }
    return data, *_overview_tables(data)


def _overview_plans(request: Request, newest: dict) -> dict:
    """People with a plan; days from the requirement to the first plan; overdue follow-ups."""
    period, fig, people = request.period, request.figures, request.scope.people()
    _, after = d.local_bounds(period.start, period.end)
    versions = d.group_rows(
        db.session.execute(
            sa.select(
                PlanVersion.person_id,
                PlanVersion.version,
                PlanVersion.valid_from,
                PlanVersion.follow_up_date,
                PlanVersion.created_at,
            )
            .where(PlanVersion.person_id.in_(people), PlanVersion.created_at < after)
            .order_by(PlanVersion.person_id, PlanVersion.created_at)
        )
    )
    assisted: dict[int, set[int]] = defaultdict(set)
    for person_id, month in db.session.execute(
        sa.select(Decision.person_id, Decision.month).where(
            Decision.outcome.in_(ASSISTED), Decision.person_id.in_(people)
        )
    ):
        assisted[person_id].add(d.month_index(month))
    after_months = (
        db.session.scalar(
            sa.select(MunicipalitySettings.mandatory_after_months).where(
                MunicipalitySettings.municipality_id == request.municipality.id
            )
        )
        or 2
    )
    first_local, _ = d.local_bounds(period.start, period.end)
    check_day = min(period.end, request.today)
    with_plan, overdue, waits = 0, 0, []
    for person_id, rows in versions.items():
        if any(row.valid_from <= period.end for row in rows):
            with_plan += 1
        latest = rows[-1]
        if latest.follow_up_date < check_day:
            overdue += 1
        first = rows[0]
        if first.created_at < first_local:
            continue
        made = d.to_local_date(first.created_at)
        assessment = newest.get(person_id)
        start = _requirement_start(
            assisted.get(person_id, set()),
            d.month_index(f"{made.year:04d}-{made.month:02d}"),
            after_months,
            assessment.requirement_from if assessment else None,
        )
        if start is not None:
            waits.append(max(0, (made - start).days))
    median, p90 = d.percentile(waits, 0.5), d.percentile(waits, 0.9)
    return {
        "people_with_plan": fig.count(with_plan),
        "first_plans": fig.count(len(waits)),
        "median_days_to_first_plan": fig.measure(median, len(waits)),
        "p90_days_to_first_plan": fig.measure(p90, len(waits)),
        "follow_up_overdue": fig.count(overdue),
    }


def _overview_tables(data: dict):
    available = data["activities_available"]
    columns = [
        Column("type", _l("Aktivitetstyp"), "text"),
        Column("activities", _l("Aktiviteter")),
        Column("sites", _l("Platser (ställen)")),
        Column("places", _l("Antal platser")),
        Column("sessions_per_week", _l("Pass per vecka")),
        Column("mean_use_of_places", _l("Genomsnittlig beläggning"), "share"),
    ]
    activity_table = Table(
        "activities_available",
        _l("Tillgängliga aktiviteter"),
        columns,
        [
            [str(TYPE_LABELS[t]), *(available[t][c.key] for c in columns[1:])]
            for t in ACTIVITY_TYPES
        ],
    )
    req = data["requirements"]
    plans = data["plans"]
    under = data["under_planning"]
    figure_columns = [Column("figure", _l("Uppgift"), "text"), Column("value", _l("Värde"), "text")]
    figure_rows = [
        [str(_l("Personer som omfattades av kravet")), req["people_subject"]["total"]],
        *(
            [str(_l("Deltagandegrad %(band)s %%", band=name)), req["participation_bands"][name]]
            for name, _, _ in BANDS
        ),
        [str(_l("Personer med frivilligt krav")), req["voluntary"]],
        [str(_l("Personer med obligatoriskt krav")), req["mandatory"]],
        *(
            [str(_l("Undantagsdagar: %(reason)s", reason=reason)), days]
            for reason, days in req["exempt_days_by_reason"].items()
        ),
        [str(_l("Personer med plan")), plans["people_with_plan"]],
        [str(_l("Första planer under perioden")), plans["first_plans"]],
        [str(_l("Median dagar från krav till första plan")), plans["median_days_to_first_plan"]],
        [str(_l("90:e percentilen, dagar till första plan")), plans["p90_days_to_first_plan"]],
        [str(_l("Planer med passerad uppföljning")), plans["follow_up_overdue"]],
        [str(_l("Timmar som saknades i planerna")), under["plan_gap_hours"]],
        [str(_l("Personer berörda av underplanering")), under["people_affected"]["total"]],
    ]
    figure_table = Table(
        "requirements_and_plans", _l("Krav och planer"), figure_columns, figure_rows
    )
    chart = Chart(
        _l("Aktiviteter per typ"),
        _l("Stapeldiagram över antal aktiviteter per typ; samma siffror som i tabellen."),
        [
            _bar(TYPE_LABELS[t], available[t]["activities"], str(available[t]["activities"]))
            for t in ACTIVITY_TYPES
        ],
    )
    definitions = [
        _l(
            "Tillgängliga aktiviteter: aktiviteter som pågick någon dag i perioden, efter typ; "
            "pass per vecka är veckopass som gällde i perioden; beläggning är planerade personer "
            "delat med platser, i medel över aktiviteter och månader."
        ),
        _l(
            "Krav: personer som omfattades av kravet någon dag, efter deltagandegrad i den "
            "senaste bedömningen; undantagsdagar per skäl enligt regelboken."
        ),
        _l(
            "Planer: dagar från den dag kravet först gällde (tredje månaden i följd med bistånd, "
            "eller tidigare frivilligt krav) till första planversionen; uppföljning passerad när "
            "den senaste planversionens uppföljningsdatum har passerats."
        ),
    ]
    return [activity_table, figure_table], chart, definitions


BUILDERS = {
    "ivo-quarter": _ivo_quarter,
    "ivo-overview": _overview,
    "returns": _returns,
    "time-to-plan": _time_to_plan,
    "activities-by-gender": _activities_by_gender,
    "capacity": _capacity,
    "under-planning": _under_planning,
}


# --------------------------------------------------------------------------------------------
# The board's texts


def board_texts(municipality_id: int, period: str) -> dict[str, str]:
    """The board's saved sections of the biennial overview for a period, by section."""
    rows = db.session.scalars(
        sa.select(ReportText).where(
            ReportText.municipality_id == municipality_id,
            ReportText.report == "ivo-overview",
            ReportText.period == period,
        )
    )
    return {row.section: row.body for row in rows}


def save_board_texts(user: StaffUser, period: Period, texts: dict[str, str]) -> None:
    """Save the board's sections for a period (administrators only; audited; flushes).

    Raises DomainError ``forbidden`` (403) for any other role.
    """
    if user.role != StaffRole.ADMINISTRATOR:
        raise DomainError("forbidden", "only administrators write the board's texts", 403)
    existing = {
        row.section: row
        for row in db.session.scalars(
            sa.select(ReportText).where(
                ReportText.municipality_id == user.municipality_id,
                ReportText.report == "ivo-overview",
                ReportText.period == period.key,
            )
        )
    }
    for section in TEXT_SECTIONS:
        body = (texts.get(section) or "").strip()
        row = existing.get(section)
        if row is None:
            row = ReportText(
                municipality_id=user.municipality_id,
                report="ivo-overview",
                period=period.key,
                section=section,
            )
            db.session.add(row)
        row.body = body
        row.updated_by_id = user.id
    audit.record("update", "report_text", object_ref="ivo-overview", why=f"period={period.key}")
    db.session.flush()
