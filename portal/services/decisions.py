"""My decisions (P3): every decision on my assistance as a letter with its reasons, legal basis
and how to appeal, and the notices of intended decisions I may answer before they are made.

Everything is looked up by public reference *and* owner, so another person's reference is a
404 (DomainError 'not_found'). Services flush and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.errors import DomainError
from portal.extensions import db
from portal.i18n import STOCKHOLM
from portal.models import (
    Application,
    Decision,
    DecisionNotice,
    DecisionOutcome,
    Person,
    SanctionDecision,
    SanctionKind,
    utcnow,
)

#: Kinds of letter, as they appear in the letter's URL.
APPLICATION, ACTIVITY = "ansokan", "aktivitetskrav"
#: The longest reply a person can write (about four pages).
MAX_REPLY_CHARS = 10_000

OUTCOME_TITLES = {
    DecisionOutcome.APPROVED: _l("Försörjningsstöd beviljas"),
    DecisionOutcome.PARTLY_APPROVED: _l("Försörjningsstöd beviljas delvis"),
    DecisionOutcome.REFUSED: _l("Försörjningsstöd avslås"),
    SanctionKind.REDUCTION: _l("Försörjningsstödet minskas"),
    SanctionKind.REFUSAL: _l("Försörjningsstöd vägras för månaden"),
}

LEGAL_BASIS = {
    APPLICATION: _l(
        "Beslutet är fattat enligt socialtjänstlagens bestämmelser om rätt till ekonomiskt "
        "bistånd (försörjningsstöd) och den riksnorm som gäller för året."
    ),
    ACTIVITY: _l(
        "Beslutet är fattat enligt socialtjänstlagens bestämmelser om ekonomiskt bistånd och "
        "kravet att delta i aktiviteter (aktivitetskravet). Biståndet får minskas eller vägras "
        "bara efter en individuell bedömning, när någon utan godtagbart skäl inte deltar i "
        "planerade aktiviteter."
    ),
}

#: Förvaltningslagen 44 §: in writing, within three weeks, to the authority that decided.
APPEAL = _l(
    "Om du inte håller med om beslutet kan du överklaga det till förvaltningsrätten. "
    "Skriv vilket beslut du överklagar, varför du tycker att det är fel och hur du vill att "
    "det ändras. Skicka eller lämna överklagandet till socialnämnden i %(municipality)s, "
    "inte direkt till förvaltningsrätten. Överklagandet måste ha kommit in inom tre veckor "
    "från den dag du fick del av beslutet (förvaltningslagen 44 §). Din handläggare hjälper "
    "dig gärna att skriva det."
)


@dataclass
class Letter:
    """One decision as the person reads it."""

    kind: str
    ref: str
    month: str
    outcome: str
    amount_sek: int | None
    reasons: str
    decided_at: datetime
    #: The basis sent with the notice of the intended decision (activity decisions only).
    basis: dict | None

    @property
    def title(self) -> str:
        return str(OUTCOME_TITLES[self.outcome])

    @property
    def legal_basis(self) -> str:
        return str(LEGAL_BASIS[self.kind])

    @property
    def negative(self) -> bool:
        return self.outcome in (
            DecisionOutcome.REFUSED,
            DecisionOutcome.PARTLY_APPROVED,
            SanctionKind.REDUCTION,
            SanctionKind.REFUSAL,
        )


def _application_letter(decision: Decision, ref: str) -> Letter:
    return Letter(
        kind=APPLICATION,
        ref=ref,
        month=decision.month,
        outcome=DecisionOutcome(decision.outcome),
        amount_sek=decision.amount_sek,
        reasons=decision.reasons,
        decided_at=decision.decided_at,
        basis=None,
    )


def _activity_letter(row: SanctionDecision, notice: DecisionNotice | None) -> Letter:
    return Letter(
        kind=ACTIVITY,
        ref=row.public_ref,
        month=row.month,
        outcome=SanctionKind(row.kind),
        amount_sek=row.amount_sek,
        reasons=row.individual_assessment,
        decided_at=row.decided_at,
        basis=notice.basis if notice else None,
    )


def letters_of(person: Person) -> list[Letter]:
    """Every decision on the person's assistance, newest first (no_action is no decision)."""
    letters = [
        _application_letter(decision, ref)
        for decision, ref in db.session.execute(
            sa.select(Decision, Application.public_ref)
            .join(Application, Decision.application_id == Application.id)
            .where(Decision.person_id == person.id)
        ).all()
    ]
    rows = db.session.execute(
        sa.select(SanctionDecision, DecisionNotice)
        .outerjoin(DecisionNotice, SanctionDecision.notice_id == DecisionNotice.id)
        .where(
            SanctionDecision.person_id == person.id,
            SanctionDecision.kind != SanctionKind.NO_ACTION,
            SanctionDecision.public_ref.is_not(None),
        )
    ).all()
    letters += [_activity_letter(row, notice) for row, notice in rows]
    return sorted(letters, key=lambda letter: letter.decided_at, reverse=True)


def letter_of(person: Person, kind: str, ref: str) -> Letter:
    """One of the person's decisions by kind and reference, or DomainError 'not_found' (404)."""
    if kind == APPLICATION:
        found = db.session.execute(
            sa.select(Decision)
            .join(Application, Decision.application_id == Application.id)
            .where(Application.public_ref == ref, Decision.person_id == person.id)
        ).scalar_one_or_none()
        if found is not None:
            return _application_letter(found, ref)
    elif kind == ACTIVITY:
        row = db.session.execute(
            sa.select(SanctionDecision, DecisionNotice)
            .outerjoin(DecisionNotice, SanctionDecision.notice_id == DecisionNotice.id)
            .where(
                SanctionDecision.public_ref == ref,
                SanctionDecision.person_id == person.id,
                SanctionDecision.kind != SanctionKind.NO_ACTION,
            )
        ).first()
        if row is not None:
            return _activity_letter(*row)
    raise DomainError("not_found", status=404)


def notices_of(person: Person) -> list[DecisionNotice]:
    """The person's notices of intended decisions, newest first."""
    return list(
        db.session.scalars(
            sa.select(DecisionNotice)
            .where(DecisionNotice.person_id == person.id)
            .order_by(DecisionNotice.sent_at.desc(), DecisionNotice.id.desc())
        )
    )


def awaiting_reply(person: Person, today: date) -> list[DecisionNotice]:
    """Notices the person can still answer, soonest deadline first."""
    return sorted((n for n in notices_of(person) if can_reply(n, today)), key=lambda n: n.reply_by)


def can_reply(notice: DecisionNotice, today: date) -> bool:
    """Not answered yet and the last day to answer has not passed."""
    return notice.reply is None and today <= notice.reply_by


def open_notice(person: Person, ref: str, now: datetime | None = None) -> DecisionNotice:
    """One of the person's notices; the first opening is recorded (the caseworker sees it)."""
    notice = db.session.scalar(
        sa.select(DecisionNotice).where(
            DecisionNotice.public_ref == ref, DecisionNotice.person_id == person.id
        )
    )
    if notice is None:
        raise DomainError("not_found", status=404)
    if notice.read_at is None:
        notice.read_at = now or utcnow()
        db.session.flush()
    return notice


def reply_to_notice(
    person: Person, ref: str, text: str, now: datetime | None = None
) -> DecisionNotice:
    """Save the person's answer to a notice; it becomes part of the case.

    Raises DomainError 'reply_required' for an empty answer, 'reply_too_long', and
    'reply_closed' (409) when the notice was answered already or its last day has passed.
    """
    moment = now or utcnow()
    notice = open_notice(person, ref, moment)
    if not can_reply(notice, moment.astimezone(STOCKHOLM).date()):
        raise DomainError("reply_closed", status=409)
    text = (text or "").strip()
    if not text:
        raise DomainError("reply_required")
    if len(text) > MAX_REPLY_CHARS:
        raise DomainError("reply_too_long")
    notice.reply = text
    notice.replied_at = moment
    db.session.flush()
    return notice


# --------------------------------------------------------------------------------------------
# The letter as PDF


def letter_pdf(letter: Letter, person: Person, municipality: str) -> bytes:
    """The decision as a printable letter: who, what, amount, reasons, legal basis, appeal."""
    from flask_babel import format_date, format_decimal, get_locale
    from flask_babel import gettext as _
    from fpdf import FPDF

    from portal.formatting import duration
    from portal.i18n import to_local
    from portal.pdf import align, unicode_font

    pdf = FPDF(format="A4", unit="mm")
    pdf.set_title(letter.title)
    pdf.set_author(_("Socialnämnden i %(municipality)s", municipality=municipality))
    pdf.set_margins(20, 20, 20)
    pdf.add_page()
    family = unicode_font(pdf)
    width = pdf.epw
    side = align(str(get_locale() or "sv"))

    def heading(text: str, size: int = 12) -> None:
        pdf.ln(3)
        pdf.set_font(family, "B", size)
        pdf.multi_cell(width, 7, text, align=side, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, "", 11)

    def paragraph(text: str) -> None:
        pdf.multi_cell(width, 6, text, align=side, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)

    pdf.set_font(family, "", 10)
    paragraph(_("Socialnämnden i %(municipality)s", municipality=municipality))
    paragraph(_("Datum: %(date)s", date=format_date(to_local(letter.decided_at).date(), "long")))
    paragraph(f"{person.first_name} {person.last_name}")
    heading(letter.title, 16)
    month = format_date(date.fromisoformat(f"{letter.month}-01"), "LLLL yyyy")
    paragraph(_("Beslutet gäller %(month)s.", month=month))
    if letter.amount_sek is not None:
        label = (
            _("Minskning: %(amount)s kr")
            if letter.outcome == SanctionKind.REDUCTION
            else _("Belopp: %(amount)s kr")
        )
        paragraph(label % {"amount": format_decimal(letter.amount_sek, format="#,##0")})
    heading(_("Skäl för beslutet"))
    paragraph(letter.reasons)
    if letter.basis:
        paragraph(
            _(
                "Frånvaro utan godtagbart skäl under månaden: %(duration)s.",
                duration=duration(letter.basis.get("unexcused_minutes", 0)),
            )
        )
        for line in letter.basis.get("sessions", []):
            paragraph(f"– {line['day']} {line['start']}–{line['end']} {line['activity']}")
    heading(_("Lagstöd"))
    paragraph(letter.legal_basis)
    heading(_("Hur du överklagar"))
    paragraph(str(APPEAL) % {"municipality": municipality})
    return bytes(pdf.output())
