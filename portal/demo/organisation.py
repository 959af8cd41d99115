"""The demo municipality's staff, one user per role with published sign-ins, and its norm
years."""

from __future__ import annotations

from portal.auth.services import hash_password
from portal.extensions import db
from portal.models import NormAmount, NormStatus, NormYear, StaffRole, StaffUser, utcnow

DEMO_PASSWORD = "Demo-losen-2026"  # noqa: S105 - published demo password, dev only
#: Fixed TOTP secrets so `flask demo totp EMAIL` can print the current code in development.
DEMO_STAFF = [
    ("admin@demo.aktivitetsportalen.se", "Ada Administratör", StaffRole.ADMINISTRATOR, None),
    (
        "handlaggare@demo.aktivitetsportalen.se",
        "Hanna Handläggare",
        StaffRole.CASEWORKER,
        "Enhet Norr",
    ),
    (
        "handlaggare.soder@demo.aktivitetsportalen.se",
        "Sami Söder",
        StaffRole.CASEWORKER,
        "Enhet Söder",
    ),
    ("anordnare@demo.aktivitetsportalen.se", "Anders Anordnare", StaffRole.SITE_STAFF, None),
    ("analytiker@demo.aktivitetsportalen.se", "Alva Analytiker", StaffRole.AUDITOR, None),
]
DEMO_TOTP_SECRETS = {
    "admin@demo.aktivitetsportalen.se": "JBSWY3DPEHPK3PXPADMINAAA",
    "handlaggare@demo.aktivitetsportalen.se": "JBSWY3DPEHPK3PXPCASEAAAA",
    "handlaggare.soder@demo.aktivitetsportalen.se": "JBSWY3DPEHPK3PXPCASEBBBB",
    "anordnare@demo.aktivitetsportalen.se": "JBSWY3DPEHPK3PXPSITEAAAA",
    "analytiker@demo.aktivitetsportalen.se": "JBSWY3DPEHPK3PXPAUDITAAA",
}

#: Socialstyrelsen's published 2019 norm (spec/norm.md), verified there.
NORM_2019 = {
    "child": {
        "0": 2130,
        "1-2": 2380,
        "3": 2120,
        "4-6": 2380,
        "7-10": 2990,
        "11-14": 3440,
        "15-18": 3880,
        "19-20": 3910,
    },
    "child_no_lunch": {"0": 2000, "1-2": 2190, "3": 1940, "4-6": 2120},
    "adult": {"single": 3090, "couple": 5570},
    "household_common": {
        "1": 990,
        "2": 1100,
        "3": 1380,
        "4": 1570,
        "5": 1810,
        "6": 2050,
        "7": 2220,
        "extra": 170,
    },
}


class _Organisation:
    """Norm years and staff users (part of the builder)."""

    def _norms(self) -> None:
        official = NormYear(
            year=2019,
            status=NormStatus.OFFICIAL,
            source_note="Socialstyrelsen, riksnormen 2019 (verifierad).",
        )
        official.amounts = _amounts(2019, NORM_2019, 1.0)
        db.session.add(official)
        for year, factor in ((self.today.year - 1, 1.24), (self.today.year, 1.27)):
            example = NormYear(
                year=year,
                status=NormStatus.EXAMPLE,
                source_note="Exempelbelopp för demo – inte Socialstyrelsens siffror. "
                "En administratör ska föra in och kontrollera årets riksnorm.",
            )
            example.amounts = _amounts(year, NORM_2019, factor)
            db.session.add(example)

    def _staff(self) -> None:
        password_hash = hash_password(DEMO_PASSWORD)
        self.staff = {}
        for email, name, role, unit_name in DEMO_STAFF:
            user = StaffUser(
                municipality_id=self.municipality.id,
                email=email,
                name=name,
                role=role,
                unit=self.units.get(unit_name) if unit_name else None,
                password_hash=password_hash,
                totp_secret=DEMO_TOTP_SECRETS[email],
                totp_confirmed_at=utcnow(),
            )
            if role == StaffRole.SITE_STAFF:
                user.sites = self.sites[:2]
            db.session.add(user)
            self.staff[role if role != StaffRole.CASEWORKER else unit_name] = user
        db.session.flush()


def _amounts(year: int, table: dict, factor: float) -> list[NormAmount]:
    return [
        NormAmount(
            year=year, category=category, key=key, amount_sek=int(round(value * factor / 10) * 10)
        )
        for category, rows in table.items()
        for key, value in rows.items()
    ]
