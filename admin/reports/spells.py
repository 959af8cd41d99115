"""Spells of assistance: returns within 12 months and the time from application to plan."""

from collections import defaultdict

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from admin.reports import data as d
from admin.reports.common import (
    GENDER_LABELS,
    Request,
    bar,
    by_gender,
    units_in,
    value_text,
)
from admin.reports.figures import Chart, Column, Table
from portal.compliance.fetch import ASSISTED
from portal.extensions import db
from portal.models import (
    Application,
    Decision,
    MunicipalitySettings,
    PlanVersion,
)

# ---- Returns within 12 months -------------------------------------------------------------


def returns_report(request: Request):
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
                "new_spells": fig.by_gender(by_gender(new, facts)),
                "returns": fig.by_gender(by_gender(returned, facts)),
                "share": fig.share(len(returned), len(new)),
            }
        )
    total = {
        "new_spells": fig.by_gender(by_gender(all_new, facts)),
        "returns": fig.by_gender(by_gender(all_returned, facts)),
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
        [bar(r["month"], r["returns"]["total"], value_text(r["returns"]["total"])) for r in months],
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


def time_to_plan_report(request: Request):
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
        [
            bar(name, row["median_hours"], value_text(row["median_hours"], " h"))
            for name, row in groups
        ],
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
