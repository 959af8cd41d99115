"""The domain's closed vocabularies. Values are stored; Swedish labels live in the templates."""

import enum


class StaffRole(enum.StrEnum):
    SITE_STAFF = "site_staff"
    CASEWORKER = "caseworker"
    ADMINISTRATOR = "administrator"
    AUDITOR = "auditor"


class Gender(enum.StrEnum):
    WOMAN = "woman"
    MAN = "man"
    OTHER = "other"
    UNKNOWN = "unknown"


class MemberRole(enum.StrEnum):
    PARTNER = "partner"
    CHILD = "child"
    OTHER_ADULT = "other_adult"


class ApplicationState(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    DECIDED = "decided"
    WITHDRAWN = "withdrawn"


class ItemCategory(enum.StrEnum):
    INCOME = "income"
    COST = "cost"
    ASSET = "asset"


class DecisionOutcome(enum.StrEnum):
    APPROVED = "approved"
    PARTLY_APPROVED = "partly_approved"
    REFUSED = "refused"


class AssistanceReason(enum.StrEnum):
    UNEMPLOYMENT = "unemployment"
    SICKNESS = "sickness"
    SOCIAL_MEDICAL = "social_medical"
    OTHER = "other"


class StatusKind(enum.StrEnum):
    """Statuses with dates; some are exemptions in the rule book, the rest are information."""

    PARENTAL_LEAVE = "parental_leave"
    FULL_SICKNESS_COMPENSATION = "full_sickness_compensation"
    ACTIVITY_COMPENSATION = "activity_compensation"
    SICK_LEAVE = "sick_leave"
    CARE_OF_RELATIVE = "care_of_relative"
    OTHER = "other"


class ExternalKind(enum.StrEnum):
    WORK = "work"
    STUDIES = "studies"
    AF_PROGRAMME = "af_programme"
    OTHER = "other"


class ExternalSource(enum.StrEnum):
    MANUAL = "manual"
    AF = "af"


class ActivityType(enum.StrEnum):
    MOTIVATION = "motivation"
    LANGUAGE = "language"
    WORKPLACE = "workplace"
    JOB_SEARCH = "job_search"
    EDUCATION = "education"
    OTHER = "other"


class EnrolmentStatus(enum.StrEnum):
    ENROLLED = "enrolled"
    WAITING = "waiting"
    ENDED = "ended"


class EventKind(enum.StrEnum):
    IN = "in"
    OUT = "out"
    ANNUL = "annul"
    CORRECTION = "correction"
    AUTO_CLOSE = "auto_close"


class EventSource(enum.StrEnum):
    STAFF_SCAN = "staff_scan"
    SELF_SCAN = "self_scan"
    MANUAL = "manual"
    AUTO = "auto"


class EventStatus(enum.StrEnum):
    ACCEPTED = "accepted"
    FLAGGED = "flagged"
    REJECTED = "rejected"


class AbsenceReason(enum.StrEnum):
    SICK = "sick"
    CHILD_SICK = "child_sick"
    MEDICAL = "medical"
    JOB_INTERVIEW = "job_interview"
    OTHER = "other"


class AbsenceDecision(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class SanctionKind(enum.StrEnum):
    NO_ACTION = "no_action"
    REDUCTION = "reduction"
    REFUSAL = "refusal"


class ComplianceStatus(enum.StrEnum):
    NOT_SUBJECT = "not_subject"
    EXEMPT = "exempt"
    SHORTFALL = "shortfall"
    PENDING_REVIEW = "pending_review"
    FULFILLED = "fulfilled"


class Channel(enum.StrEnum):
    EMAIL = "email"
    SMS = "sms"


class OutboxStatus(enum.StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


class MissingCheckoutPolicy(enum.StrEnum):
    COUNT_TO_SLOT_END = "count_to_slot_end"
    COUNT_NOTHING = "count_nothing"


class NormStatus(enum.StrEnum):
    OFFICIAL = "official"
    EXAMPLE = "example"
