"""The preliminary estimate against the national norm (spec/norm.md). Pure: no Flask, no database.

A household's norm is the personal costs of every member of the economic household (the
applicant, a partner and children living at home) plus the common household costs for the
number of people living together. When adults who are not partners share the home (a
room-mate, an adult child), the economic household pays its share of the common costs:
common costs ÷ people in the home × people in the economic household. For one adult in a
five-person home that is Socialstyrelsen's worked example, 1 810 ÷ 5 + 3 090 = 3 452 kr.

Assistance is then norm + reasonable actual costs − all incomes. It is only an indication; the
caseworker decides.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from math import floor
from typing import Literal

Role = Literal["applicant", "partner", "child", "other_adult"]

#: Children's age bands of the table, youngest first: (key, lowest age, highest age).
CHILD_BANDS: tuple[tuple[str, int, int], ...] = (
    ("0", 0, 0),
    ("1-2", 1, 2),
    ("3", 3, 3),
    ("4-6", 4, 6),
    ("7-10", 7, 10),
    ("11-14", 11, 14),
    ("15-18", 15, 18),
    ("19-20", 19, 20),
)
#: Bands with a lower amount for a child who eats lunch at preschool five days a week.
NO_LUNCH_BANDS = frozenset({"0", "1-2", "3", "4-6"})
#: The table gives common costs for 1..7 people and a fixed amount for each one more.
LARGEST_LISTED_HOUSEHOLD = 7


class NormTableError(ValueError):
    """The table lacks an amount the household needs; the estimate cannot be made."""

    def __init__(self, category: str, key: str):
        super().__init__(f"norm table has no amount for {category}/{key}")
        self.code = "norm_incomplete"
        self.category = category
        self.key = key


@dataclass(frozen=True)
class NormTable:
    """One year's table: amounts in kronor per month by (category, key)."""

    year: int
    #: True when the figures are demo examples, not Socialstyrelsen's published norm.
    example: bool
    amounts: Mapping[tuple[str, str], int]

    def amount(self, category: str, key: str) -> int:
        """The amount for (category, key), or NormTableError if the table lacks it."""
        try:
            return self.amounts[(category, key)]
        except KeyError:
            raise NormTableError(category, key) from None


def choose_year(wanted: int, available: Iterable[int]) -> int | None:
    """The norm year to use for an application of year ``wanted``: that year when entered,
    else the latest entered year before it, else the earliest after it (None: no year)."""
    years = sorted(set(available))
    if wanted in years:
        return wanted
    earlier = [year for year in years if year < wanted]
    if earlier:
        return earlier[-1]
    return years[0] if years else None


@dataclass(frozen=True)
class Member:
    """Someone living in the home. ``role`` is 'applicant' for the person applying."""

    role: Role
    birth_date: date
    name: str = ""
    at_school: bool = False
    lunch_at_preschool: bool = False


@dataclass(frozen=True)
class NormLine:
    """One line of the norm: what it is for, the table key used and the amount."""

    #: adults_single, adults_couple, child, common, common_share, outside (counts 0 kr)
    code: str
    key: str
    amount: int
    name: str = ""


@dataclass(frozen=True)
class Estimate:
    """The preliminary estimate: norm lines, their sum, costs, incomes and the result."""

    year: int
    example: bool
    lines: tuple[NormLine, ...]
    norm_sek: int
    costs_sek: int
    incomes_sek: int
    people_in_home: int
    people_in_household: int

    @property
    def total_sek(self) -> int:
        """Norm + costs − incomes; negative when the incomes are larger."""
        return self.norm_sek + self.costs_sek - self.incomes_sek

    @property
    def payable_sek(self) -> int:
        """What the estimate suggests could be paid (never below zero)."""
        return max(0, self.total_sek)


def age_on(born: date, day: date) -> int:
    """Completed years on ``day`` (a birthday on 29 February falls on 1 March)."""
    try:
        birthday = born.replace(year=day.year)
    except ValueError:
        birthday = date(day.year, 3, 1)
    return max(0, day.year - born.year - (1 if day < birthday else 0))


def child_band(age: int, at_school: bool = False) -> str | None:
    """The table's band for a child of ``age``; None when they count as an adult.

    19- and 20-year-olds are children in the norm only while at upper-secondary school.
    """
    for key, low, high in CHILD_BANDS:
        if low <= age <= high:
            if key == "19-20" and not at_school:
                return None
            return key
    return None


def common_costs(table: NormTable, people: int) -> int:
    """The common household costs for ``people`` living together."""
    if people < 1:
        raise ValueError("a home has at least one person")
    if people <= LARGEST_LISTED_HOUSEHOLD:
        return table.amount("household_common", str(people))
    extra = people - LARGEST_LISTED_HOUSEHOLD
    return table.amount("household_common", str(LARGEST_LISTED_HOUSEHOLD)) + extra * table.amount(
        "household_common", "extra"
    )


def household_norm(
    table: NormTable, members: Iterable[Member], on: date
) -> tuple[tuple[NormLine, ...], int, int]:
    """The norm's lines, the number of people in the home and in the economic household.

    ``members`` must contain exactly one applicant and at most one partner.
    """
    members = list(members)
    roles = [m.role for m in members]
    if roles.count("applicant") != 1:
        raise ValueError("exactly one applicant")
    if roles.count("partner") > 1:
        raise ValueError("at most one partner")
    lines: list[NormLine] = []
    in_household = 0
    applicant = next(m for m in members if m.role == "applicant")
    partner = next((m for m in members if m.role == "partner"), None)
    if partner is None:
        single = table.amount("adult", "single")
        lines.append(NormLine("adults_single", "single", single, applicant.name))
        in_household += 1
    else:
        names = f"{applicant.name}, {partner.name}" if applicant.name else partner.name
        lines.append(NormLine("adults_couple", "couple", table.amount("adult", "couple"), names))
        in_household += 2
    for member in members:
        if member.role != "child":
            continue
        band = child_band(age_on(member.birth_date, on), member.at_school)
        if band is None:
            lines.append(NormLine("outside", "", 0, member.name))
            continue
        category = (
            "child_no_lunch" if member.lunch_at_preschool and band in NO_LUNCH_BANDS else "child"
        )
        lines.append(NormLine("child", band, table.amount(category, band), member.name))
        in_household += 1
    lines.extend(NormLine("outside", "", 0, m.name) for m in members if m.role == "other_adult")
    in_home = len(members)
    common = common_costs(table, in_home)
    if in_household == in_home:
        lines.append(NormLine("common", str(in_home), common))
    else:
        share = _half_up(Fraction(common * in_household, in_home))
        lines.append(NormLine("common_share", f"{in_household}/{in_home}", share))
    return tuple(lines), in_home, in_household


def estimate(
    table: NormTable,
    members: Iterable[Member],
    on: date,
    *,
    costs_sek: int = 0,
    incomes_sek: int = 0,
) -> Estimate:
    """Norm for the household on ``on`` + reasonable actual costs − incomes (whole kronor)."""
    if costs_sek < 0 or incomes_sek < 0:
        raise ValueError("costs and incomes are never negative")
    lines, in_home, in_household = household_norm(table, members, on)
    return Estimate(
        year=table.year,
        example=table.example,
        lines=lines,
        norm_sek=sum(line.amount for line in lines),
        costs_sek=costs_sek,
        incomes_sek=incomes_sek,
        people_in_home=in_home,
        people_in_household=in_household,
    )


def _half_up(value: Fraction) -> int:
    """Round to whole kronor, halves up."""
    return floor(value + Fraction(1, 2))
