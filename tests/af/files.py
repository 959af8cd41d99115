"""AF files for tests, written the way docs/af-format.md describes them."""

from __future__ import annotations

import json


def person_entry(pnr: str, *, ref="HP-1", activities=(), **kw) -> dict:
    entry = {
        "personnummer": pnr,
        "action_plan_reference": ref,
        "obligations": kw.pop("obligations", ["Söka minst sex arbeten i månaden"]),
        "hours_per_week_needed": kw.pop("needed", 40),
        "part_time_reason": kw.pop("reason", ""),
        "activities": list(activities),
    }
    entry.update(kw)
    return entry


def af_activity(ref="AKT-1", name="Rusta och matcha", hours=10, start="2026-09-01", end=None):
    return {"reference": ref, "name": name, "hours_per_week": hours, "from": start, "to": end}


def json_file(*people) -> bytes:
    return json.dumps({"format": "aktivitetsportalen-af/1", "people": list(people)}).encode()


CSV_HEADER = (
    "personnummer;action_plan_reference;obligations;hours_per_week_needed;part_time_reason;"
    "activity_reference;activity_name;activity_hours_per_week;activity_from;activity_to"
)


def csv_file(*rows: str) -> bytes:
    return ("\r\n".join([CSV_HEADER, *rows]) + "\r\n").encode()
