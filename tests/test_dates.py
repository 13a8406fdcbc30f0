"""Date parsing: manifest formats, year-only dates, Excel serials, ISO cells and the defect kinds of §4."""

from __future__ import annotations

from datetime import date

import pytest

from assets.lib.dates import (
    DateArgumentError,
    DateFormatError,
    DateResult,
    check_formats,
    parse_date,
    parse_dates,
)

FORMATS = ["%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d", "%Y"]
TODAY = date(2026, 11, 27)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("05/07/1990", date(1990, 7, 5)),
        ("5/7/1990", date(1990, 7, 5)),
        ("  12/11/1958 ", date(1958, 11, 12)),
        ("29-02-2000", date(2000, 2, 29)),
        ("1985-03-30", date(1985, 3, 30)),
        ("1985-03-30 00:00:00", date(1985, 3, 30)),  # a real date cell, as the readers render it
        ("1985-03-30T00:00:00", date(1985, 3, 30)),
        ("01/01/1900", date(1900, 1, 1)),
        ("27/11/2026", TODAY),
        ("05/07/1990 00:00", date(1990, 7, 5)),
        ("05 / 07 / 1990", date(1990, 7, 5)),
    ],
)
def test_day_precision_dates_parse(raw: str, expected: date) -> None:
    assert parse_date(raw, FORMATS, today=TODAY) == DateResult(expected, "day", None)


@pytest.mark.parametrize(("raw", "year"), [("1990", 1990), (" 1947 ", 1947), ("2026", 2026)])
def test_year_only_gives_first_of_january_with_year_precision(raw: str, year: int) -> None:
    result = parse_date(raw, FORMATS, today=TODAY)
    assert result == DateResult(date(year, 1, 1), "year", None)


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ("31/02/1990", "impossible"),
        ("30/13/1985", "impossible"),
        ("00/05/1990", "impossible"),
        ("29/02/1900", "impossible"),  # 1900 was not a leap year
        ("31-04-1975", "impossible"),
        ("1990-02-30", "impossible"),  # ISO shape, no calendar date
        ("không rõ", "unparseable"),
        ("12/ab/1990", "unparseable"),
        ("5/7/90", "unparseable"),  # two-digit years only with a %y format
        ("05.07.1990", "unparseable"),  # not one of the manifest's formats
        ("Tháng 7/1990", "unparseable"),
        ("05/07/2031", "too_late"),
        ("28/11/2026", "too_late"),
        ("2027", "too_late"),
        ("05/07/1899", "too_early"),
        ("1899", "too_early"),
        ("", "missing"),
        ("   ", "missing"),
        (None, "missing"),
    ],
)
def test_defective_dates_name_their_defect(raw: str | None, error: str) -> None:
    result = parse_date(raw, FORMATS, today=TODAY)
    assert result.error == error
    assert result.value is None and result.precision is None and not result.ok


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("33239", date(1991, 1, 1)),
        ("33239.0", date(1991, 1, 1)),
        ("33239.75", date(1991, 1, 1)),  # the fraction is the time of day
        ("1", date(1900, 1, 1)),
        ("59", date(1900, 2, 28)),
        ("61", date(1900, 3, 1)),
        ("32874", date(1990, 1, 1)),
        ("45658", date(2025, 1, 1)),
    ],
)
def test_numeric_cells_are_excel_serial_dates(raw: str, expected: date) -> None:
    assert parse_date(raw, FORMATS, numeric=True, today=TODAY) == DateResult(expected, "day", None)


@pytest.mark.parametrize("raw", ["60", "0", "-5", "99999999"])
def test_serials_that_are_no_date_are_impossible(raw: str) -> None:
    """Serial 60 is Excel's phantom 29 February 1900; 0 and negatives are no date either."""
    assert parse_date(raw, FORMATS, numeric=True, today=TODAY).error == "impossible"


def test_serial_digits_as_text_are_not_a_date() -> None:
    assert parse_date("33239", FORMATS, today=TODAY).error == "unparseable"


def test_numeric_year_is_read_with_a_year_only_format() -> None:
    """A year typed into a number cell is a year when the manifest declares %Y, not serial 1990 (1905)."""
    assert parse_date("1990", FORMATS, numeric=True, today=TODAY) == DateResult(date(1990, 1, 1), "year", None)
    assert parse_date("1990", ["%d/%m/%Y"], numeric=True, today=TODAY).value == date(1905, 6, 12)


def test_numeric_flag_on_text_falls_back_to_formats() -> None:
    """A date cell in a column flagged numeric still arrives as ISO text; it must not be lost."""
    result = parse_date("1990-07-05 00:00:00", FORMATS, numeric=True, today=TODAY)
    assert result == DateResult(date(1990, 7, 5), "day", None)


def test_compact_format_reads_number_cells() -> None:
    assert parse_date("19900705", ["%Y%m%d"], numeric=True, today=TODAY).value == date(1990, 7, 5)
    assert parse_date("19900231", ["%Y%m%d"], numeric=True, today=TODAY).error == "impossible"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("05/07/90", date(1990, 7, 5)),
        ("05/07/26", date(2026, 7, 5)),
        ("05/07/27", date(1927, 7, 5)),
        ("01/01/00", date(2000, 1, 1)),
    ],
)
def test_two_digit_years_pivot_on_this_year(raw: str, expected: date) -> None:
    assert parse_date(raw, ["%d/%m/%y"], today=TODAY).value == expected


def test_formats_are_tried_in_order_and_a_later_valid_reading_wins() -> None:
    """13/05/1990 is impossible as month-first but valid day-first: the valid reading is kept."""
    formats = ["%m/%d/%Y", "%d/%m/%Y"]
    assert parse_date("13/05/1990", formats, today=TODAY).value == date(1990, 5, 13)
    assert parse_date("05/06/1990", formats, today=TODAY).value == date(1990, 5, 6)


def test_today_defaults_to_the_real_date() -> None:
    assert parse_date("01/01/2999", FORMATS).error == "too_late"
    assert parse_date(date.today().strftime("%d/%m/%Y"), FORMATS).ok


@pytest.mark.parametrize(
    "formats",
    [["%d/%b/%Y"], ["%m/%Y"], ["%d/%m"], [], ["%d/%m/%Y %"], ["%Y/%y"], ["%d/%d/%Y"]],
)
def test_unusable_formats_raise_naming_the_format(formats: list[str]) -> None:
    with pytest.raises(DateFormatError) as excinfo:
        check_formats(formats)
    if formats:
        assert formats[0] in str(excinfo.value)


def test_errors_never_echo_the_value() -> None:
    with pytest.raises(DateFormatError) as excinfo:
        parse_date("12/03/1961", ["%d/%B/%Y"], today=TODAY)
    assert "1961" not in str(excinfo.value)


def test_parse_dates_matches_parse_date_and_honours_the_numeric_mask() -> None:
    values = ["05/07/1990", "33239", "33239", None, "31/02/1990", "05/07/1990", "1990"]
    mask = [False, True, False, False, False, False, True]
    results = parse_dates(values, FORMATS, numeric_mask=mask, today=TODAY)
    expected = [parse_date(v, FORMATS, numeric=m, today=TODAY) for v, m in zip(values, mask, strict=True)]
    assert results == expected
    assert [r.error for r in results] == [None, None, "unparseable", "missing", "impossible", None, None]
    assert results[1].value == date(1991, 1, 1)


def test_parse_dates_without_mask_treats_all_as_text() -> None:
    assert [r.error for r in parse_dates(["33239", "1/1/1991"], FORMATS, today=TODAY)] == [
        "unparseable",
        None,
    ]


def test_parse_dates_rejects_a_mask_of_the_wrong_length() -> None:
    with pytest.raises(DateArgumentError, match="expected one per value"):
        parse_dates(["05/07/1990", "1990"], FORMATS, numeric_mask=[True])


def test_parse_dates_is_fast_on_a_large_repetitive_column() -> None:
    values = [f"{d:02d}/{m:02d}/{y}" for y in range(1930, 2020) for m in range(1, 13) for d in (1, 15, 28)] * 20
    results = parse_dates(values, FORMATS, today=TODAY)
    assert len(results) == len(values) and all(r.ok for r in results)
