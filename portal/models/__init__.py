"""The domain model. Import models from here: ``from portal.models import Person``."""

from portal.models.activities import Activity, ActivitySession, Enrolment, Site
from portal.models.applications import Application, ApplicationItem, Attachment, Decision
from portal.models.audit import AuditEntry, OutboxMessage
from portal.models.base import Base, UtcDateTime, utcnow
from portal.models.casework import (
    AbsenceReport,
    AfActionPlan,
    Assessment,
    ComplianceResult,
    DecisionNotice,
    DeclinedOffer,
    ExternalOccupation,
    PersonStatus,
    PlanItem,
    PlanVersion,
    SanctionDecision,
)
from portal.models.checkin import (
    AttendanceEvent,
    Device,
    DeviceEnrolmentCode,
    PersonalCard,
    SigningKey,
)
from portal.models.enums import *  # noqa: F403
from portal.models.guards import AppendOnlyViolation
from portal.models.notices import ContactVerification, NoticeSetting, PortalMessage
from portal.models.organisation import (
    IntakeRule,
    Municipality,
    MunicipalitySettings,
    NormAmount,
    NormYear,
    SettingsVersion,
    StaffUser,
    Unit,
    user_site,
)
from portal.models.people import Household, HouseholdMember, Person, PersonIdentity
from portal.models.reports import ReportText

__all__ = [
    "AbsenceReport",
    "AfActionPlan",
    "AppendOnlyViolation",
    "Activity",
    "ActivitySession",
    "Application",
    "ApplicationItem",
    "Assessment",
    "Attachment",
    "AttendanceEvent",
    "AuditEntry",
    "Base",
    "ComplianceResult",
    "Decision",
    "DeclinedOffer",
    "Device",
    "DeviceEnrolmentCode",
    "Enrolment",
    "ExternalOccupation",
    "Household",
    "HouseholdMember",
    "Municipality",
    "MunicipalitySettings",
    "NormAmount",
    "NormYear",
    "OutboxMessage",
    "Person",
    "PersonIdentity",
    "PersonStatus",
    "PersonalCard",
    "PlanItem",
    "PlanVersion",
    "ReportText",
    "SanctionDecision",
    "Site",
    "SigningKey",
    "StaffUser",
    "Unit",
    "IntakeRule",
    "DecisionNotice",
    "ContactVerification",
    "NoticeSetting",
    "PortalMessage",
    "SettingsVersion",
    "UtcDateTime",
    "user_site",
    "utcnow",
]
