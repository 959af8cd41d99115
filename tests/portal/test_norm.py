"""The preliminary estimate's pure arithmetic against spec/norm.md (no Flask, no database)."""

from datetime import date

import pytest

from portal.services import norm
from tests.portal.factories import NORM_2019

TABLE = norm.NormTable(
    year=2019,
    example=False,
    amounts={(c, k): a for c, rows in NORM_2019.items() for k, a in rows.items()},
)
ON = date(2019, 6, 1)


def adult(role="applicant", born=date(1985, 1, 1), name=""):
    return norm.Member(role, born, name)


def child(age_years, **kw):
    return norm.Member("child", date(ON.year - age_years, 1, 1), **kw)


def test_worked_example_adult_sharing_a_five_person_home():
    # spec/norm.md: 1 810 ÷ 5 + 3 090 = 3 452 kr
    members = [adult()] + [adult("other_adult") for _ in range(4)]
    lines, in_home, in_household = norm.household_norm(TABLE, members, ON)
    assert (in_home, in_household) == (5, 1)
    assert sum(line.amount for line in lines) == 3452
    assert [line.code for line in lines if line.amount] == ["adults_single", "common_share"]
    assert next(line for line in lines if line.code == "common_share").amount == 362


def test_single_adult_alone():
    result = norm.estimate(TABLE, [adult()], ON)
    assert result.norm_sek == 3090 + 990
    assert result.total_sek == result.payable_sek == 4080


def test_couple_with_two_children_of_different_bands():
    members = [adult(), adult("partner"), child(0, lunch_at_preschool=True), child(8)]
    result = norm.estimate(TABLE, members, ON, costs_sek=7000, incomes_sek=2500)
    # couple 5 570 + child 0 without lunch 2 000 + child 7–10 2 990 + common for 4: 1 570
    assert result.norm_sek == 5570 + 2000 + 2990 + 1570
    assert result.total_sek == result.norm_sek + 7000 - 2500
    assert result.people_in_home == result.people_in_household == 4


def test_lunch_flag_is_ignored_outside_the_preschool_bands():
    lines, _, _ = norm.household_norm(TABLE, [adult(), child(9, lunch_at_preschool=True)], ON)
    assert next(line for line in lines if line.code == "child").amount == 2990


@pytest.mark.parametrize(
    ("age", "at_school", "band"),
    [
        (0, False, "0"),
        (1, False, "1-2"),
        (2, False, "1-2"),
        (3, False, "3"),
        (6, False, "4-6"),
        (7, False, "7-10"),
        (14, False, "11-14"),
        (18, False, "15-18"),
        (19, True, "19-20"),
        (20, True, "19-20"),
        (19, False, None),
        (21, True, None),
    ],
)
def test_child_bands(age, at_school, band):
    assert norm.child_band(age, at_school) == band


def test_adult_child_not_at_school_shares_the_home_without_being_in_the_norm():
    members = [adult(), child(20, at_school=False)]
    lines, in_home, in_household = norm.household_norm(TABLE, members, ON)
    assert (in_home, in_household) == (2, 1)
    # 3 090 + half of 1 100
    assert sum(line.amount for line in lines) == 3090 + 550


def test_common_costs_beyond_seven_people():
    assert norm.common_costs(TABLE, 7) == 2220
    assert norm.common_costs(TABLE, 9) == 2220 + 2 * 170


def test_share_is_rounded_half_up_to_whole_kronor():
    # 990·... use a made-up table so that the share has a half: 1 001 ÷ 2 = 500.5 -> 501
    table = norm.NormTable(2019, True, {**TABLE.amounts, ("household_common", "2"): 1001})
    lines, _, _ = norm.household_norm(table, [adult(), adult("other_adult")], ON)
    assert next(line for line in lines if line.code == "common_share").amount == 501


def test_age_is_taken_on_the_given_day_and_leap_day_birthdays_fall_on_first_of_march():
    assert norm.age_on(date(2016, 2, 29), date(2019, 2, 28)) == 2
    assert norm.age_on(date(2016, 2, 29), date(2019, 3, 1)) == 3
    assert norm.age_on(date(2020, 1, 1), date(2019, 6, 1)) == 0


def test_incomes_above_the_norm_give_nothing_payable_but_keep_the_figure():
    result = norm.estimate(TABLE, [adult()], ON, costs_sek=1000, incomes_sek=9000)
    assert result.total_sek == 4080 + 1000 - 9000
    assert result.payable_sek == 0


def test_an_incomplete_table_refuses_rather_than_guessing():
    table = norm.NormTable(2019, False, {k: v for k, v in TABLE.amounts.items() if k[0] != "adult"})
    with pytest.raises(norm.NormTableError) as err:
        norm.estimate(table, [adult()], ON)
    assert (err.value.category, err.value.key) == ("adult", "single")


def test_the_household_must_have_one_applicant_and_at_most_one_partner():
    with pytest.raises(ValueError):
        norm.household_norm(TABLE, [adult("partner")], ON)
    with pytest.raises(ValueError):
        norm.household_norm(TABLE, [adult(), adult("partner"), adult("partner")], ON)
    with pytest.raises(ValueError):
        norm.estimate(TABLE, [adult()], ON, incomes_sek=-1)


def test_example_flag_and_year_are_carried_to_the_estimate():
    table = norm.NormTable(2026, True, TABLE.amounts)
    result = norm.estimate(table, [adult()], date(2026, 1, 1))
    assert (result.year, result.example) == (2026, True)
