"""The kinds of notice, and their texts: a full message in the portal, a short one elsewhere.

The portal is a secure channel and its message may name the activity, the month or the plan
version. E-mail and SMS are not: they only say that there is something new (or that an activity
is tomorrow, with its time) and link to the portal. They never carry a personnummer, an amount,
a decision, a reason or anything else of the case (the test suite checks this).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

#: Notices to applicants, in the order the municipality's settings list them.
APPLICANT_KINDS = (
    "reminder_tomorrow",
    "missed_checkin",
    "application_decision",
    "absence_decision",
    "plan_to_acknowledge",
    "intended_decision",
)
#: Service-level reminders to caseworkers (e-mail only; no person is named).
STAFF_KINDS = ("sla_overdue",)
KINDS = APPLICANT_KINDS + STAFF_KINDS
#: The one-time code that verifies an address. Not a notice: it cannot be switched off.
VERIFY_CODE = "verify_code"

#: What each kind is called on the administrator's page.
KIND_LABELS = {
    "reminder_tomorrow": _l("Påminnelse dagen före en aktivitet"),
    "missed_checkin": _l("Saknad incheckning"),
    "application_decision": _l("Beslut om ansökan"),
    "absence_decision": _l("Bedömning av frånvaroanmälan"),
    "plan_to_acknowledge": _l("Ny planversion att bekräfta"),
    "intended_decision": _l("Kommunicering inför beslut (svara senast)"),
    "sla_overdue": _l("Påminnelse till handläggare om passerad servicenivå"),
    VERIFY_CODE: _l("Kod för att bekräfta e-post eller mobilnummer"),
}


@dataclass(frozen=True)
class PortalText:
    """A message as the applicant reads it in the portal."""

    title: str
    body: str
    #: Where the message leads (a local path), or None.
    link: str | None
    link_label: str


@dataclass(frozen=True)
class OutboxText:
    """A short e-mail or SMS."""

    subject: str
    body: str


def _day(iso: str | None) -> str:
    return format_date(date.fromisoformat(iso), "EEEE d MMMM") if iso else ""


def _long_day(iso: str | None) -> str:
    return format_date(date.fromisoformat(iso), "d MMMM yyyy") if iso else ""


def _month(key: str | None) -> str:
    if not key:
        return ""
    year, month = key.split("-")
    return format_date(date(int(year), int(month), 1), "LLLL yyyy")


def portal_text(kind: str, params: dict, link: str | None) -> PortalText:
    """The title and text of a portal message in the current language."""
    p = params
    if kind == "reminder_tomorrow":
        lines = [
            _(
                "kl. %(start)s–%(end)s %(activity)s, %(site)s",
                start=s["start"],
                end=s["end"],
                activity=s["activity"],
                site=s["site"],
            )
            for s in p.get("slots", [])
        ]
        body = _("I morgon, %(day)s, ska du vara på:", day=_day(p.get("date")))
        return PortalText(
            _("Påminnelse: aktivitet i morgon"),
            "\n".join([body, *lines]),
            link,
            _("Se din plan"),
        )
    if kind == "missed_checkin":
        return PortalText(
            _("Vi saknar din incheckning"),
            _(
                "Du skulle ha varit på %(activity)s %(day)s kl. %(start)s–%(end)s, men vi har "
                "ingen incheckning. Om du var där, prata med personalen på platsen. Om du var "
                "borta, anmäl frånvaro och berätta varför.",
                activity=p.get("activity", ""),
                day=_day(p.get("date")),
                start=p.get("start", ""),
                end=p.get("end", ""),
            ),
            link,
            _("Anmäl frånvaro"),
        )
    if kind == "application_decision":
        return PortalText(
            _("Beslut om ditt försörjningsstöd"),
            _(
                "Det finns ett beslut om ditt försörjningsstöd för %(month)s. Du kan läsa "
                "beslutet, skälen för det och hur du överklagar under Beslut.",
                month=_month(p.get("month")),
            ),
            link,
            _("Läs beslutet"),
        )
    if kind == "absence_decision":
        return PortalText(
            _("Din frånvaroanmälan är bedömd"),
            _(
                "Handläggaren har bedömt din frånvaroanmälan för %(day)s. Du ser bedömningen "
                "under Frånvaro.",
                day=_long_day(p.get("date")),
            ),
            link,
            _("Se bedömningen"),
        )
    if kind == "plan_to_acknowledge":
        return PortalText(
            _("Ny version av din plan"),
            _(
                "Din handläggare har gjort version %(version)s av din plan. Den gäller från "
                "%(day)s. Läs planen och bekräfta att du har läst den.",
                version=p.get("version", ""),
                day=_long_day(p.get("valid_from")),
            ),
            link,
            _("Läs planen"),
        )
    if kind == "intended_decision":
        return PortalText(
            _("Du har fått en underrättelse inför ett beslut"),
            _(
                "Din handläggare tänker fatta ett beslut som kan gå dig emot. Innan beslutet "
                "fattas får du läsa underlaget och säga vad du tycker. Svara senast %(day)s.",
                day=_long_day(p.get("reply_by")),
            ),
            link,
            _("Läs och svara"),
        )
    raise ValueError(f"unknown notice kind {kind!r}")


def outbox_text(kind: str, params: dict, link: str, channel: str) -> OutboxText:
    """The e-mail or SMS of a notice, in the current language. Says little on purpose."""
    sms = channel == "sms"
    if kind == "reminder_tomorrow":
        slots = params.get("slots") or [{"start": ""}]
        values = {"day": _day(params.get("date")), "time": slots[0]["start"], "link": link}
        if sms:
            return OutboxText(
                "",
                _(
                    "Påminnelse: du har en aktivitet i morgon, %(day)s, kl. %(time)s. "
                    "Mer i Aktivitetsportalen: %(link)s",
                    **values,
                ),
            )
        return OutboxText(
            _("Påminnelse: aktivitet i morgon"),
            _(
                "Hej!\n\nDu har en aktivitet i morgon, %(day)s. Den börjar kl. %(time)s.\n\n"
                "Du ser var och vilka aktiviteter du har i Aktivitetsportalen:\n%(link)s\n\n"
                "Det här meddelandet går inte att svara på.",
                **values,
            ),
        )
    if kind == "sla_overdue":
        return OutboxText(
            _("Ärenden som har passerat servicenivån"),
            _(
                "Hej!\n\nI din enhet finns %(count)s ansökningar som har passerat tiden för "
                "första kontakt eller för en plan. Se kön i Aktivitetsportalen:\n%(link)s",
                count=params.get("count", 0),
                link=link,
            ),
        )
    if kind == VERIFY_CODE:
        if sms:
            return OutboxText(
                "",
                _(
                    "Din kod för Aktivitetsportalen är %(code)s. Den gäller i %(minutes)s minuter.",
                    code=params["code"],
                    minutes=params["minutes"],
                ),
            )
        return OutboxText(
            _("Din kod för Aktivitetsportalen"),
            _(
                "Hej!\n\nDin kod är %(code)s. Skriv in den i Aktivitetsportalen för att "
                "bekräfta din e-postadress. Koden gäller i %(minutes)s minuter.\n\n"
                "Om det inte var du som bad om koden kan du bortse från det här meddelandet.",
                code=params["code"],
                minutes=params["minutes"],
            ),
        )
    deadline = _long_day(params.get("reply_by")) if kind == "intended_decision" else ""
    if sms:
        if deadline:
            return OutboxText(
                "",
                _(
                    "Du har ett nytt meddelande i Aktivitetsportalen. Svara senast %(day)s: "
                    "%(link)s",
                    day=deadline,
                    link=link,
                ),
            )
        return OutboxText(
            "", _("Du har ett nytt meddelande i Aktivitetsportalen: %(link)s", link=link)
        )
    body = _(
        "Hej!\n\nDu har fått ett nytt meddelande i Aktivitetsportalen. Logga in för att läsa "
        "det:\n%(link)s",
        link=link,
    )
    if deadline:
        body += "\n\n" + _("Meddelandet ska besvaras senast %(day)s.", day=deadline)
    body += "\n\n" + _("Det här meddelandet går inte att svara på.")
    return OutboxText(_("Nytt meddelande i Aktivitetsportalen"), body)
