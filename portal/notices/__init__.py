"""Notices and reminders (P10): portal messages first, then e-mail and SMS via the outbox.

Other code calls ``notify(session_or_none, person, kind, *, key, **context)`` in the
transaction of the event that causes the notice; ``flask notices queue`` creates the notices
that fall due with time and ``flask notices send`` delivers the queue.
"""

from portal.notices.kinds import APPLICANT_KINDS, KINDS, STAFF_KINDS
from portal.notices.services import notify

__all__ = ["APPLICANT_KINDS", "KINDS", "STAFF_KINDS", "notify"]
