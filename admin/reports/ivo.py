"""IVO quarterly figures (reports.md, ``ivo-quarter``)."""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from admin.reports import data as d
from admin.reports.common import (
    IVO_FIELDS,
    IVO_LABELS,
    Request,
    bar,
    by_gender,
    gender_columns,
    value_text,
)
from admin.reports.figures import Chart, Column, Table
from portal.extensions import db
from portal.models import (
    SanctionDecision,
)
from portal.models.enums import SanctionKind

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


def ivo_quarter_report(request: Request):
    facts = d.people_facts(request.scope)
    sets = ivo_sets(request)
    fig = request.figures
    data = {key: fig.by_gender(by_gender(sets[key], facts)) for key in IVO_FIELDS}
    table = Table(
        "ivo_quarter",
        _l("Personer per uppgift och kön"),
        gender_columns(Column("field", _l("Uppgift"), "text")),
        [
            [str(IVO_LABELS[key]), *(data[key][g] for g in ("total", *d.GENDERS))]
            for key in IVO_FIELDS
        ],
    )
    chart = Chart(
        _l("Personer per uppgift"),
        _l("Stapeldiagram över antal personer per uppgift; samma siffror som i tabellen."),
        [
            bar(IVO_LABELS[key], data[key]["total"], value_text(data[key]["total"]))
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
