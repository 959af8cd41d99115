"""The demo's sites, their activities and scanners, and a full activity with a waiting
list."""

from __future__ import annotations

import hashlib
from datetime import time

import sqlalchemy as sa

from portal.demo.any_day import DEMO_DEVICE_TOKEN
from portal.demo.common import add_months
from portal.extensions import db
from portal.models import (
    Activity,
    ActivitySession,
    ActivityType,
    Device,
    Enrolment,
    EnrolmentStatus,
    Person,
    Site,
    utcnow,
)
from portal.refs import new_ref


class _Activities:
    """Sites, activities, scanners and the waiting list (part of the builder)."""

    def _full_activity_with_waiting_list(self) -> None:
        """The study circle has four places: four people have them and two wait."""
        circle = self.activities[ActivityType.EDUCATION]
        people = db.session.scalars(
            sa.select(Person)
            .where(Person.municipality_id == self.municipality.id)
            .order_by(Person.id)
            .limit(6)
        ).all()
        start = add_months(self.this_month, -1)
        for i, person in enumerate(people):
            status = EnrolmentStatus.ENROLLED if i < 4 else EnrolmentStatus.WAITING
            db.session.add(
                Enrolment(person_id=person.id, activity=circle, status=status, from_date=start)
            )

    def _sites_and_activities(self) -> None:
        m = self.municipality.id
        sites = [
            Site(
                public_ref=new_ref(),
                municipality_id=m,
                name="Centrumhuset",
                provider="Demokommunens arbetsmarknadsförvaltning",
                address="Storgatan 12",
                postal_code="123 45",
                city="Demostad",
                latitude=59.3326,
                longitude=18.0649,
                opening_hours="Mån–fre 08.00–17.00",
                site_key=new_ref() + new_ref(),
            ),
            Site(
                public_ref=new_ref(),
                municipality_id=m,
                name="Arbetsmarknadsenheten Norr",
                provider="Demokommunens arbetsmarknadsförvaltning",
                address="Norra vägen 3",
                postal_code="123 50",
                city="Demostad",
                latitude=59.3493,
                longitude=18.0560,
                opening_hours="Mån–fre 08.30–16.30",
                site_key=new_ref() + new_ref(),
            ),
            Site(
                public_ref=new_ref(),
                municipality_id=m,
                name="Parkförvaltningens förråd",
                provider="Demokommunens parkförvaltning",
                address="Parkgatan 40",
                postal_code="123 60",
                city="Demostad",
                latitude=59.3201,
                longitude=18.0803,
                opening_hours="Mån–fre 07.00–16.00",
                site_key=new_ref() + new_ref(),
            ),
            Site(
                public_ref=new_ref(),
                municipality_id=m,
                name="Lärcentrum Söder",
                address="Skolvägen 8",
                postal_code="123 70",
                city="Demostad",
                latitude=59.3105,
                longitude=18.0712,
                opening_hours="Mån–fre 08.00–20.00",
                site_key=new_ref() + new_ref(),
            ),
        ]
        db.session.add_all(sites)
        start = add_months(self.this_month, -6)
        spec = [
            (
                0,
                "Svenska för arbetslivet",
                ActivityType.LANGUAGE,
                30,
                [(d, "09:00", "12:00") for d in range(1, 6)],
                "Anteckningsblock och penna.",
            ),
            (
                1,
                "Jobbsökarverkstan",
                ActivityType.JOB_SEARCH,
                20,
                [(d, "13:00", "16:00") for d in range(1, 5)],
                "Ditt CV om du har ett, och mobilladdare.",
            ),
            (
                2,
                "Arbetsträning i parken",
                ActivityType.WORKPLACE,
                12,
                [(5, "13:00", "16:00"), (1, "07:30", "11:30"), (3, "07:30", "11:30")],
                "Oömma kläder och skor. Arbetskläder finns på plats.",
            ),
            (
                1,
                "Motivationsgruppen",
                ActivityType.MOTIVATION,
                10,
                [(2, "09:00", "11:00"), (4, "09:00", "11:00")],
                "",
            ),
            (
                3,
                "Digital vardag – studiecirkel",
                ActivityType.EDUCATION,
                4,
                [(3, "13:00", "15:00")],
                "Egen mobil eller surfplatta om du har.",
            ),
            (3, "Språkcafé", ActivityType.OTHER, None, [(5, "09:00", "11:00")], ""),
        ]
        self.activities = {}
        for site_index, name, kind, capacity, sessions, bring in spec:
            activity = Activity(
                public_ref=new_ref(),
                site=sites[site_index],
                name=name,
                type=kind,
                capacity=capacity,
                from_date=start,
                what_to_bring=bring,
                description=_DESCRIPTIONS[kind],
            )
            activity.sessions = [
                ActivitySession(
                    weekday=wd,
                    start_time=time.fromisoformat(a),
                    end_time=time.fromisoformat(b),
                    valid_from=start,
                )
                for wd, a, b in sessions
            ]
            self.activities[kind] = activity
            db.session.add(activity)
        self.sites = sites
        db.session.flush()
        self.devices = {}
        for site in sites:
            device = Device(
                public_ref=new_ref(),
                site_id=site.id,
                name=f"Skanner {site.name}",
                enrolled_at=utcnow(),
            )
            db.session.add(device)
            self.devices[site.id] = device
        # Centrumhuset's scanner is enrolled with the published demo token.
        self.devices[sites[0].id].token_hash = hashlib.sha256(
            DEMO_DEVICE_TOKEN.encode("utf-8")
        ).hexdigest()
        db.session.flush()


_DESCRIPTIONS = {
    ActivityType.LANGUAGE: "Svenska med fokus på ord och situationer i arbetslivet.",
    ActivityType.JOB_SEARCH: "Vi hjälper dig med CV, personligt brev och att söka jobb.",
    ActivityType.WORKPLACE: "Arbetsträning i kommunens parker med handledare.",
    ActivityType.MOTIVATION: "Samtal i grupp om mål, hälsa och vägen till arbete.",
    ActivityType.EDUCATION: "Lär dig e-legitimation, 1177, Arbetsförmedlingen och banken "
    "i mobilen.",
    ActivityType.OTHER: "Träffa andra och öva svenska under enkla former.",
}
