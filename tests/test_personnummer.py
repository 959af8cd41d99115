"""Personnummer and samordningsnummer validation."""

from datetime import date

import pytest

from portal.personnummer import InvalidPersonnummer, luhn_ok, masked, parse, with_check_digit

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("19811218-9876", "198112189876"),
        ("198112189876", "198112189876"),
        ("811218-9876", "198112189876"),
        ("8112189876", "198112189876"),
        ("121212+1212", "191212121212"),  # '+' means 100 years or older
        ("19701063-2391", "197010632391"),  # samordningsnummer: day + 60
    ],
)
def test_valid_numbers(text, expected):
    assert parse(text, today=TODAY) == expected


@pytest.mark.parametrize(
    "text, reason",
    [
        ("19811218-9875", "checksum"),
        ("1981121", "format"),
        ("abc", "format"),
        ("", "format"),
        ("19810230-1234", None),  # 30 Feb: date, or the checksum first
        ("20301218-9870", None),
    ],
)
def test_invalid_numbers(text, reason):
    with pytest.raises(InvalidPersonnummer) as err:
        parse(text, today=TODAY)
    if reason:
        assert err.value.reason == reason


def test_invalid_date_with_valid_checksum():
    nine = "810230123"
    number = "19" + with_check_digit(nine)
    with pytest.raises(InvalidPersonnummer, match="date"):
        parse(number, today=TODAY)


def test_check_digit_helper_and_mask():
    assert luhn_ok(with_check_digit("811218987"))
    assert masked("198112189876") == "19811218-****"
