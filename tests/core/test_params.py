"""core.params: ids from a query string are ASCII digits within the database's range, or nothing."""

import pytest
from django.http import QueryDict
from hypothesis import given
from hypothesis import strategies as st

from core.params import MAX_ID, id_param, parse_id


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", 1),
        ("42", 42),
        ("007", 7),
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),
        ("99999999999999999999", None),
        ("0" * 20 + "1", None),  # longer than any id is written
        ("0", None),
        ("-1", None),
        ("+1", None),
        (" 1", None),
        ("1 ", None),
        ("1\n", None),
        ("1e3", None),
        ("1.0", None),
        ("0x1F", None),
        ("1_000", None),
        ("²", None),  # isdigit() is true, int() fails
        ("٨", None),  # Arabic-Indic eight: int() would read 8
        ("１２", None),  # full-width
        ("১", None),  # Bengali one
        ("abc", None),
        ("", None),
        (None, None),
    ],
)
def test_it_reads_only_ascii_digits_within_range(value, expected):
    assert parse_id(value) == expected


@given(st.text())
def test_it_reads_an_id_exactly_when_the_text_is_one(text):
    number = parse_id(text)
    if number is None:
        assert not (text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID)
    else:
        assert text.isascii() and text.isdigit() and int(text) == number
        assert 0 < number <= MAX_ID


@given(st.integers(min_value=1, max_value=MAX_ID))
def test_it_reads_back_every_id_it_may_be_given(number):
    assert parse_id(str(number)) == number


def test_it_reads_a_parameter_or_nothing():
    params = QueryDict("campaign=12&member=²&org=")
    assert id_param(params, "campaign") == 12
    assert id_param(params, "member") is None
    assert id_param(params, "org") is None
    assert id_param(params, "branch") is None
