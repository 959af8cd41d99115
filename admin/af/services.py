"""Exchange with Arbetsförmedlingen (A9): import what AF holds, export what AF may ask for.

Import is all or nothing: if any row of the file cannot be read, nothing is written and the
report lists every problem. Rows that can be read but name someone the municipality does not
know, or someone outside the caseworker's unit, are reported and left out. A re-import of the
same file changes nothing (AF's references identify each activity).

Each person's record is a snapshot of what AF holds: an AF activity imported earlier and no
longer in the person's record ends the day before the import (or is removed if it had not
started yet). Past weeks keep the hours they had.

Export runs the rule book's engine on the people in scope, with the same scenario the
reconciliation builds (``fetch.fetch_rows`` and ``inputs.Inputs``), in one batch.
"""

from __future__ import annotations

import contextlib
import secrets
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from admin.af.adapters import AfBatch, AfExport, AfRecord, ExportActivity, ExportPerson, RowProblem
from portal import audit, personnummer
from portal.compliance.engine import evaluate
from portal.compliance.fetch import ASSISTED, Scope, fetch_rows
from portal.compliance.inputs import Inputs
from portal.compliance.periods import month_bounds
from portal.compliance.scenario import ScenarioError, parse_scenario
from portal.errors import DomainError
from portal.extensions import db
from portal.i18n import local_now
from portal.models import (
    Activity,
    Decision,
    ExternalKind,
    ExternalOccupation,
    ExternalSource,
    Municipality,
    Person,
    PersonIdentity,
    PlanItem,
    PlanVersion,
    StaffUser,
    utcnow,
)
from portal.models.casework import AfActionPlan

#: How far back the export looks for the start of an uninterrupted requirement.
REQUIREMENT_LOOKBACK_MONTHS = 12

CREATE, UPDATE, UNCHANGED, UNMATCHED, NOT_IN_UNIT = (
    "create",
    "update",
    "unchanged",
    "unmatched",
    "not_in_unit",
)
#: Statuses whose records are written.
WRITTEN = (CREATE, UPDATE)


# --------------------------------------------------------------------------------------------
# Import


@dataclass
class RecordOutcome:
    """What happens (or happened) with one person's record."""

    rows: tuple[int, ...]
    status: str
    masked_personnummer: str
    person: Person | None = None
    added: int = 0
    changed: int = 0
    ended: int = 0


@dataclass
class ImportReport:
    """The result of an import or a dry run, for the page and the command line."""

    format: str
    dry_run: bool
    outcomes: list[RecordOutcome] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    applied: bool = False

    @property
    def blocked(self) -> bool:
        """Rows that cannot be read stop the whole import."""
        return bool(self.problems)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def invalid_rows(self) -> int:
        return len({p.row for p in self.problems})


def import_batch(
    batch: AfBatch,
    *,
    municipality_id: int,
    unit_id: int | None,
    actor: StaffUser | None,
    today: date,
    dry_run: bool,
) -> ImportReport:
    """Match each record to a person and write what AF holds, or only report it (dry run).

    ``unit_id`` limits the import to one caseworker unit (the UI); the command line may import
    for the whole municipality. Nothing is written when any row is invalid or on a dry run.
    """
    report = ImportReport(batch.format, dry_run, problems=list(batch.problems))
    people = _people_by_personnummer(municipality_id, [r.personnummer for r in batch.records])
    plans = _current(people.values())
    for record in batch.records:
        person = people.get(record.personnummer)
        outcome = RecordOutcome(
            record.rows, UNMATCHED, personnummer.masked(record.personnummer), person
        )
        if person is not None and unit_id is not None and person.unit_id != unit_id:
            outcome.status, outcome.person = NOT_IN_UNIT, None
        elif person is not None:
            _diff(record, person, plans, today, outcome)
        report.outcomes.append(outcome)
    writes = not dry_run and not report.blocked
    for outcome in report.outcomes:
        if outcome.person is not None:
            # Comparing reads the person's AF data; a real import changes it.
            action = "update" if writes and outcome.status in WRITTEN else "read"
            audit.record(action, "af_action_plan", person=outcome.person, actor=actor)
    if not writes:
        return report
    records = {r.rows: r for r in batch.records}
    try:
        with db.session.begin_nested():
            _lock([o.person.id for o in report.outcomes if o.status in WRITTEN])
            for outcome in report.outcomes:
                if outcome.status in WRITTEN:
                    _apply(records[outcome.rows], outcome.person, plans, actor, today)
    except sa.exc.SQLAlchemyError:
        raise DomainError(
            "af_import_failed",
            _l("Importen kunde inte sparas. Ingenting har ändrats. Försök igen."),
            status=500,
        ) from None
    report.applied = True
    return report


def _people_by_personnummer(municipality_id: int, numbers: list[str]) -> dict[str, Person]:
    found: dict[str, Person] = {}
    unique = sorted(set(numbers))
    for start in range(0, len(unique), 500):
        chunk = unique[start : start + 500]
        rows = db.session.execute(
            sa.select(PersonIdentity.personnummer, Person)
            .join(Person, Person.id == PersonIdentity.person_id)
            .where(
                PersonIdentity.personnummer.in_(chunk), Person.municipality_id == municipality_id
            )
        ).all()
        found.update((pnr, person) for pnr, person in rows)
    return found


@dataclass
class _Current:
    """A person's AF data as stored now."""

    plan: AfActionPlan | None
    activities: dict[str, ExternalOccupation]


def _current(people) -> dict[int, _Current]:
    ids = [p.id for p in people]
    if not ids:
        return {}
    plans = {
        p.person_id: p
        for p in db.session.scalars(sa.select(AfActionPlan).where(AfActionPlan.person_id.in_(ids)))
    }
    activities: dict[int, dict[str, ExternalOccupation]] = defaultdict(dict)
    for row in db.session.scalars(
        sa.select(ExternalOccupation).where(
            ExternalOccupation.person_id.in_(ids),
            ExternalOccupation.source == ExternalSource.AF,
            ExternalOccupation.af_reference.is_not(None),
        )
    ):
        activities[row.person_id][row.af_reference] = row
    return {pid: _Current(plans.get(pid), activities.get(pid, {})) for pid in ids}


def _description(name: str) -> str:
    return f"Arbetsförmedlingen: {name}"[:200]


def _stale_needs_ending(row: ExternalOccupation, today: date) -> bool:
    return row.to_date is None or row.to_date >= today


def _diff(record: AfRecord, person: Person, plans, today: date, outcome: RecordOutcome) -> None:
    current = plans[person.id]
    plan = current.plan
    plan_changed = plan is None or (
        plan.af_reference,
        list(plan.obligations or []),
        plan.hours_per_week_needed,
        plan.part_time_reason,
    ) != (
        record.action_plan_reference,
        list(record.obligations),
        record.hours_per_week_needed,
        record.part_time_reason,
    )
    for activity in record.activities:
        row = current.activities.get(activity.reference)
        if row is None:
            outcome.added += 1
        elif (
            row.kind,
            Decimal(row.hours_per_week),
            row.from_date,
            row.to_date,
            row.description,
        ) != (
            ExternalKind.AF_PROGRAMME,
            activity.hours_per_week,
            activity.from_date,
            activity.to_date,
            _description(activity.name),
        ):
            outcome.changed += 1
    wanted = {a.reference for a in record.activities}
    outcome.ended = sum(
        1
        for ref, row in current.activities.items()
        if ref not in wanted and _stale_needs_ending(row, today)
    )
    if plan is None:
        outcome.status = CREATE
    elif plan_changed or outcome.added or outcome.changed or outcome.ended:
        outcome.status = UPDATE
    else:
        outcome.status = UNCHANGED


def _lock(person_ids: list[int]) -> None:
    """Serialise imports of the same people, so a re-import never duplicates an activity."""
    if person_ids:
        db.session.execute(
            sa.select(Person.id).where(Person.id.in_(person_ids)).with_for_update()
        ).all()


def _apply(record: AfRecord, person: Person, plans, actor: StaffUser | None, today: date) -> None:
    current = plans[person.id]
    plan = current.plan
    if plan is None:
        plan = AfActionPlan(person_id=person.id)
        db.session.add(plan)
    plan.af_reference = record.action_plan_reference
    plan.obligations = list(record.obligations)
    plan.hours_per_week_needed = record.hours_per_week_needed
    plan.part_time_reason = record.part_time_reason
    plan.imported_at = utcnow()
    plan.imported_by_id = actor.id if actor else None
    for activity in record.activities:
        row = current.activities.get(activity.reference)
        if row is None:
            row = ExternalOccupation(
                person_id=person.id,
                source=ExternalSource.AF,
                af_reference=activity.reference,
            )
            db.session.add(row)
        row.kind = ExternalKind.AF_PROGRAMME
        row.hours_per_week = activity.hours_per_week
        row.from_date = activity.from_date
        row.to_date = activity.to_date
        row.description = _description(activity.name)
        row.recorded_at = utcnow()
    wanted = {a.reference for a in record.activities}
    for ref, row in current.activities.items():
        if ref in wanted or not _stale_needs_ending(row, today):
            continue
        if row.from_date >= today:
            db.session.delete(row)
        else:
            row.to_date = today - timedelta(days=1)
            row.recorded_at = utcnow()
    db.session.flush()


def action_plan(person: Person) -> AfActionPlan | None:
    """The AF action plan last imported for the person, if any."""
    return db.session.get(AfActionPlan, person.id)


def af_activities(person: Person) -> list[ExternalOccupation]:
    """The person's activities imported from AF, newest first."""
    return list(
        db.session.scalars(
            sa.select(ExternalOccupation)
            .where(
                ExternalOccupation.person_id == person.id,
                ExternalOccupation.source == ExternalSource.AF,
            )
            .order_by(ExternalOccupation.from_date.desc())
        )
    )


# --------------------------------------------------------------------------------------------
# Export


def parse_month(text: str) -> tuple[date, date]:
    """A month written YYYY-MM as its first and last day, or a clear refusal."""
    try:
        return month_bounds((text or "").strip())
    except DomainError:
        raise DomainError(
            "af_month", _l("Skriv månaden som år och månad, till exempel 2026-08.")
        ) from None


def _months_back(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def _hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def build_export(
    municipality: Municipality,
    month: str,
    *,
    unit_id: int | None,
    today: date,
    actor: StaffUser | None,
) -> AfExport:
    """What AF may ask about the people in scope for one month, audited per person.

    People in scope are those with assistance that month or an imported AF action plan. The
    month is counted up to yesterday while it is still running.
    """
    first, last = parse_month(month)
    if first >= today:
        raise DomainError(
            "af_month_not_started",
            _l(
                "Månaden har inte börjat än. Välj en månad som har börjat, "
                "till exempel förra månaden."
            ),
        )
    end = min(last, today - timedelta(days=1))
    window_from = _months_back(first, REQUIREMENT_LOOKBACK_MONTHS)
    month_key = f"{first.year:04d}-{first.month:02d}"
    ids = _export_people(municipality.id, unit_id, month_key)
    people = []
    if ids:
        scope = Scope(municipality.id, unit_id=unit_id)
        inputs = Inputs(fetch_rows(scope, window_from, end), window_from, end)
        numbers = _personnummer_of(ids)
        planned = _planned(ids, first, end)
        for row in inputs.rows.people:
            if row.id not in ids:
                continue
            scenario, _inputs_at = inputs.scenario(row)
            try:
                result = evaluate(parse_scenario(scenario))
            except ScenarioError as error:
                raise DomainError("invalid_input", str(error), status=500) from None
            people.append(_export_person(numbers[row.id], result.days, first, planned[row.id]))
    people.sort(key=lambda p: p.personnummer)
    for pid in sorted(ids):
        audit.record(
            "export",
            "af_export",
            person=db.session.get(Person, pid),
            object_ref=month_key,
            actor=actor,
        )
    return AfExport(
        municipality_code=municipality.code,
        month=month_key,
        generated_at=local_now().isoformat(timespec="seconds"),
        people=tuple(people),
    )


def _export_people(municipality_id: int, unit_id: int | None, month: str) -> set[int]:
    scope = sa.select(Person.id).where(Person.municipality_id == municipality_id)
    if unit_id is not None:
        scope = scope.where(Person.unit_id == unit_id)
    assisted = sa.select(Decision.person_id).where(
        Decision.month == month, Decision.outcome.in_(ASSISTED)
    )
    with_af = sa.select(AfActionPlan.person_id)
    return set(
        db.session.scalars(scope.where(sa.or_(Person.id.in_(assisted), Person.id.in_(with_af))))
    )


def _personnummer_of(ids: set[int]) -> dict[int, str]:
    return dict(
        db.session.execute(
            sa.select(PersonIdentity.person_id, PersonIdentity.personnummer).where(
                PersonIdentity.person_id.in_(ids)
            )
        ).all()
    )


def _export_person(pnr: str, days, first: date, activities) -> ExportPerson:
    in_month = [d for d in days if d.day >= first]
    if any(d.subject for d in in_month):
        requirement = "applies"
    elif any(d.exempt_reason for d in in_month):
        requirement = "exempt"
    else:
        requirement = "not_applicable"
    since = None
    if requirement == "applies":
        # Walk back from the month's last subject day through the uninterrupted run of them.
        index = max(i for i, d in enumerate(days) if d.subject)
        while index > 0 and days[index - 1].subject:
            index -= 1
        since = days[index].day
    return ExportPerson(
        personnummer=pnr,
        requirement=requirement,
        requirement_from=since,
        scheduled_hours=_hours(sum(d.scheduled_minutes for d in in_month)),
        attended_hours=_hours(sum(d.attended_minutes for d in in_month)),
        activities=tuple(activities),
    )


def _planned(ids: set[int], first: date, end: date) -> dict[int, list[ExportActivity]]:
    """Per person, the activities of the plan version in force on the month's last counted day."""
    versions = db.session.scalars(
        sa.select(PlanVersion)
        .where(PlanVersion.person_id.in_(ids), PlanVersion.valid_from <= end)
        .order_by(PlanVersion.person_id, PlanVersion.valid_from, PlanVersion.version)
    ).all()
    in_force: dict[int, PlanVersion] = {}
    for version in versions:
        in_force[version.person_id] = version  # the last one wins: latest valid_from, version
    out: dict[int, list[ExportActivity]] = defaultdict(list)
    for pid, version in in_force.items():
        for item in version.items:
            if item.from_date > end or (item.to_date is not None and item.to_date < first):
                continue
            out[pid].append(_export_activity(item, first, end))
    return out


def _export_activity(item: PlanItem, first: date, end: date) -> ExportActivity:
    activity: Activity = item.activity
    chosen = set(item.session_ids or [])
    minutes = sum(
        s.minutes
        for s in activity.sessions
        if (not chosen or s.id in chosen)
        and s.valid_from <= end
        and (s.valid_to is None or s.valid_to >= first)
    )
    return ExportActivity(
        name=activity.name,
        type=str(activity.type),
        hours_per_week=_hours(minutes),
        from_date=item.from_date,
        to_date=item.to_date,
    )


# --------------------------------------------------------------------------------------------
# A previewed file waits here until the caseworker confirms the import


#: A preview can be confirmed for this long.
PREVIEW_SECONDS = 3600


def _preview_path(folder: Path, user_id: int, token: str) -> Path:
    if not token.isalnum() or len(token) != 32:
        raise DomainError("af_preview_missing", _PREVIEW_GONE)
    return folder / "af-preview" / f"{user_id}-{token}.bin"


_PREVIEW_GONE = _l("Förhandsgranskningen finns inte längre. Ladda upp filen igen.")


def keep_for_confirmation(folder: Path, user_id: int, data: bytes) -> str:
    """Store a previewed file for its uploader; returns the token the confirm form carries.

    Kept on disk under the upload folder (shared by every app server, like attachments), so
    the confirmation imports exactly the bytes that were previewed.
    """
    token = secrets.token_hex(16)
    path = _preview_path(folder, user_id, token)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    _forget_old_previews(path.parent)
    return token


def confirmed_file(folder: Path, user_id: int, token: str) -> bytes:
    """The previewed file of this user, or a refusal when it is gone or too old."""
    path = _preview_path(folder, user_id, token)
    try:
        if time.time() - path.stat().st_mtime > PREVIEW_SECONDS:
            path.unlink(missing_ok=True)
            raise FileNotFoundError(path)
        return path.read_bytes()
    except FileNotFoundError:
        raise DomainError("af_preview_missing", _PREVIEW_GONE) from None


def forget_preview(folder: Path, user_id: int, token: str) -> None:
    """Remove a previewed file once it has been imported."""
    _preview_path(folder, user_id, token).unlink(missing_ok=True)


def _forget_old_previews(folder: Path) -> None:
    limit = time.time() - PREVIEW_SECONDS
    for old in folder.glob("*.bin"):
        with contextlib.suppress(FileNotFoundError):
            if old.stat().st_mtime < limit:
                old.unlink()
