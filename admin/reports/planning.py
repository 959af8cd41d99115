"""From the engine's days: activities by gender, capacity use, the municipality's under-planning."""

from collections import Counter, defaultdict

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from admin.reports import data as d
from admin.reports.common import (
    ACTIVITY_TYPES,
    GENDER_LABELS,
    TYPE_LABELS,
    WORK_PROMOTING,
    Request,
    bar,
    by_gender,
    gender_columns,
    value_text,
)
from admin.reports.figures import Chart, Column, Table
from portal.extensions import db
from portal.models import (
    Activity,
    Enrolment,
    Site,
)
from portal.models.enums import EnrolmentStatus

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


def activities_by_gender_report(request: Request):
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
            label = f"{TYPE_LABELS[t]} – {GENDER_LABELS[g]}"
            bars.append(bar(label, value, value_text(value, " h")))
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


def percent_of(share) -> float | None:
    return round(share * 100, 1) if isinstance(share, float) else None


def capacity_report(request: Request):
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
            bar(
                f"{row['activity']} {row['month']}",
                percent_of(row["attendance_rate"]),
                value_text(row["attendance_rate"], kind="share"),
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
                "people_affected": fig.by_gender(by_gender(affected, facts)),
            }
        )
    return {
        "months": months,
        "plan_gap_hours": fig.measure(round(total_hours, 2), len(everyone)),
        "people_affected": fig.by_gender(by_gender(everyone, facts)),
    }


def under_planning_report(request: Request):
    data = under_planning_figures(request)
    columns = [
        Column("month", _l("Månad"), "text"),
        Column("plan_gap_hours", _l("Timmar som saknades i planerna"), "hours"),
        *gender_columns(Column("x", "", "text"))[1:],
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
            bar(row["month"], row["plan_gap_hours"], value_text(row["plan_gap_hours"], " h"))
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
