"""The biennial overview to IVO (``ivo-overview``)."""

from collections import Counter, defaultdict
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from admin.reports import data as d
from admin.reports.common import (
    ACTIVITY_TYPES,
    BANDS,
    TYPE_LABELS,
    Request,
    bar,
    by_gender,
)
from admin.reports.figures import Chart, Column, Table
from admin.reports.planning import capacity_rows, under_planning_figures
from portal.compliance.fetch import ASSISTED
from portal.extensions import db
from portal.models import (
    Activity,
    ActivitySession,
    Assessment,
    Decision,
    MunicipalitySettings,
    PlanVersion,
    Site,
)

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


def overview_report(request: Request):
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
        "people_subject": fig.by_gender(by_gender(subject, facts)),
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
            bar(TYPE_LABELS[t], available[t]["activities"], str(available[t]["activities"]))
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
