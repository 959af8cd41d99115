"""The application's closed vocabularies: stored codes with their Swedish labels.

Labels are marked with ``N_`` so Babel extracts them; templates and exports translate them at
display time with ``_(label)``. The Swedish label is also stored as an item's description, so
a caseworker reads "Hyra" rather than "rent".
"""

from __future__ import annotations


def N_(text: str) -> str:  # noqa: N802 - the conventional name of Babel's no-op marker
    """Mark a string for extraction without translating it now."""
    return text


#: Income kinds, in the order the form asks for them.
INCOME_KINDS: dict[str, str] = {
    "salary": N_("Lön"),
    "unemployment_benefit": N_("Ersättning från a-kassan"),
    "activity_support": N_("Aktivitetsstöd eller etableringsersättning"),
    "sickness_benefit": N_("Sjukpenning eller sjukersättning"),
    "parental_benefit": N_("Föräldrapenning"),
    "child_allowance": N_("Barnbidrag"),
    "maintenance_support": N_("Underhållsstöd eller underhållsbidrag"),
    "housing_allowance": N_("Bostadsbidrag"),
    "pension": N_("Pension"),
    "student_aid": N_("Studiemedel"),
    "other_income": N_("Annan inkomst"),
}

#: Costs the estimate counts as reasonable actual costs (the caseworker judges them).
COST_KINDS: dict[str, str] = {
    "rent": N_("Hyra eller avgift för bostaden"),
    "electricity": N_("Hushållsel"),
    "home_insurance": N_("Hemförsäkring"),
    "work_travel": N_("Resor till och från arbete"),
    "union_fee": N_("Avgift till fackförening och a-kassa"),
    "childcare": N_("Avgift för förskola eller fritids"),
    "medical": N_("Läkarvård och medicin"),
    "other_cost": N_("Annan kostnad"),
}

#: Assets: the value today, in kronor. They do not enter the estimate, but the caseworker
#: weighs them.
ASSET_KINDS: dict[str, str] = {
    "bank": N_("Pengar på bankkonton"),
    "cash": N_("Kontanter"),
    "shares": N_("Aktier, fonder och andra värdepapper"),
    "car": N_("Bil, motorcykel eller båt"),
    "property": N_("Bostadsrätt, hus eller mark"),
    "other_asset": N_("Annan tillgång"),
}

#: Kinds whose line needs a description from the applicant.
KINDS_WITH_DESCRIPTION = frozenset({"other_income", "other_cost", "other_asset"})

HOUSING_TYPES: dict[str, str] = {
    "rental": N_("Hyresrätt med eget kontrakt"),
    "sublet": N_("Hyr i andra hand"),
    "lodger": N_("Inneboende"),
    "owned": N_("Bostadsrätt eller eget hus"),
    "no_home": N_("Har ingen fast bostad"),
}

#: What an attachment shows; the applicant chooses it when uploading.
DOCUMENT_TYPES: dict[str, str] = {
    "rent": N_("Hyresavi eller hyreskontrakt"),
    "income": N_("Besked om lön eller annan inkomst"),
    "bank": N_("Kontoutdrag"),
    "medical": N_("Läkarintyg"),
    "other": N_("Annat"),
}

#: What a document sent with an absence report shows (AbsenceNewForm): an absence is shown by
#: a certificate or a summons, never by a rent or pay slip.
ABSENCE_DOCUMENT_TYPES: dict[str, str] = {
    "medical": N_("Läkarintyg"),
    "child_care": N_("Intyg om vård av sjukt barn"),
    "appointment": N_("Kallelse till vården, till exempel läkare eller tandläkare"),
    "interview": N_("Kallelse till anställningsintervju"),
    "other": N_("Annat intyg eller kallelse"),
}

#: Every document type, for showing a stored attachment's type.
ALL_DOCUMENT_TYPES: dict[str, str] = {**DOCUMENT_TYPES, **ABSENCE_DOCUMENT_TYPES}
ALL_DOCUMENT_TYPES["other"] = DOCUMENT_TYPES["other"]

MEMBER_ROLES: dict[str, str] = {
    "partner": N_("Make, maka, sambo eller registrerad partner"),
    "child": N_("Barn som bor hemma"),
    "other_adult": N_("Annan vuxen som bor i bostaden"),
}

APPLICATION_STATES: dict[str, str] = {
    "draft": N_("Utkast – inte skickad"),
    "submitted": N_("Skickad"),
    "in_review": N_("Handläggs"),
    "decided": N_("Beslut finns"),
    "withdrawn": N_("Återkallad"),
}

DECISION_OUTCOMES: dict[str, str] = {
    "approved": N_("Beviljad"),
    "partly_approved": N_("Delvis beviljad"),
    "refused": N_("Avslag"),
}

ABSENCE_REASONS: dict[str, str] = {
    "sick": N_("Jag är sjuk"),
    "child_sick": N_("Mitt barn är sjukt (vård av barn)"),
    "medical": N_("Besök hos läkare, tandläkare eller annan vård"),
    "job_interview": N_("Anställningsintervju"),
    "other": N_("Annat skäl"),
}

ABSENCE_DECISIONS: dict[str, str] = {
    "pending": N_("Inte bedömd än"),
    "approved": N_("Godkänd"),
    "rejected": N_("Inte godkänd"),
}

ACTIVITY_TYPES: dict[str, str] = {
    "motivation": N_("Motiverande insats"),
    "language": N_("Språk"),
    "workplace": N_("Arbetsplatsförlagd"),
    "job_search": N_("Jobbsökande"),
    "education": N_("Utbildning"),
    "other": N_("Annat"),
}

EXTERNAL_KINDS: dict[str, str] = {
    "work": N_("Arbete"),
    "studies": N_("Studier"),
    "af_programme": N_("Program hos Arbetsförmedlingen"),
    "other": N_("Annat"),
}

#: Labels of the norm lines in the estimate.
NORM_LINES: dict[str, str] = {
    "adults_single": N_("Personliga kostnader, ensamstående vuxen"),
    "adults_couple": N_("Personliga kostnader, sambor eller makar"),
    "child": N_("Personliga kostnader, barn"),
    "common": N_("Gemensamma kostnader för hushållet"),
    "common_share": N_("Din del av de gemensamma kostnaderna"),
    "outside": N_("Räknas inte in (vuxen som inte är din partner)"),
}

#: Labels of the application's steps, in order.
STEP_LABELS: dict[str, str] = {
    "household": N_("Hushåll"),
    "incomes": N_("Inkomster"),
    "costs": N_("Boende och kostnader"),
    "assets": N_("Tillgångar"),
    "attachments": N_("Bilagor"),
    "declaration": N_("Intyga"),
    "review": N_("Kontrollera och skicka"),
}

#: Recurring sessions' weekdays (ISO numbers), as in "Mondays 09:00–12:00".
WEEKDAYS: dict[int, str] = {
    1: N_("Måndagar"),
    2: N_("Tisdagar"),
    3: N_("Onsdagar"),
    4: N_("Torsdagar"),
    5: N_("Fredagar"),
}
