"""The stable codes of check-in's refusals, their messages, and the errors that carry them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l

from portal.errors import DomainError

if TYPE_CHECKING:
    from checkin.rows import EventRow, PersonRow

#: The stable codes of refused scans and what they mean to the person at the scanner.
MESSAGES = {
    "unknown_code": _l("Koden känns inte igen."),
    "bad_signature": _l("Koden är inte äkta eller har ändrats."),
    "revoked_card": _l("Kortet är spärrat. Använd ditt nya kort eller visa koden i mobilen."),
    "revoked_key": _l(
        "Kortet är utfärdat med en spärrad nyckel och gäller inte längre. Skriv ut ett nytt kort."
    ),
    "expired_code": _l("Koden har gått ut. Skanna en ny kod."),
    "wrong_site": _l("Personen ska vara på en annan plats just nu."),
    "not_enrolled": _l("Personen har ingen aktivitet här just nu."),
    "device_revoked": _l("Den här enheten är avregistrerad. Kontakta en administratör."),
    "unauthorized": _l("Enheten är inte registrerad."),
    "refused_offline": _l("Personen släpptes inte in när enheten var utan nät."),
    "invalid_request": _l("Begäran är felaktig."),
    "enrolment_code_invalid": _l("Koden är fel, redan använd eller för gammal."),
    "event_not_correctable": _l("Den här händelsen går inte att rätta."),
    "not_found": _l("Hittades inte."),
    "event_id_conflict": _l("Händelsens id används redan för en annan plats."),
}
#: Codes of refusals where the person was still identified by a genuine code.
IDENTIFIED_REFUSALS = {"revoked_card", "expired_code", "wrong_site", "not_enrolled"}


def refusal(code: str, status: int = 422) -> DomainError:
    """A DomainError with the message for a stable code (translated when it is shown)."""
    return DomainError(code, MESSAGES.get(code, code), status)


class ScanRejected(DomainError):
    """A refused scan; the rejected event has been stored (its transaction is committed)."""

    status = 422

    def __init__(self, code: str, event: EventRow | None, person: PersonRow | None):
        super().__init__(code, MESSAGES.get(code, code))
        self.event = event
        self.person = person
        #: For wrong_site: the name of the site where the person is expected now.
        self.expected_site: str | None = None
        #: The device's clock is off by this many seconds (more than allowed), if it is.
        self.clock_off_s: int | None = None


class Refusal(Exception):
    """Internal: a scan that cannot be accepted, with the person if the code was genuine."""

    def __init__(
        self, code: str, person: PersonRow | None = None, expected_site: str | None = None
    ):
        super().__init__(code)
        self.code = code
        self.person = person
        self.expected_site = expected_site
