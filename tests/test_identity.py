"""Sex value maps, national IDs (CCCD/CMND, Excel-damaged numbers) and the CCCD–sex–birth-year agreement."""

from __future__ import annotations

import pytest

from assets.lib.identity import (
    IdentityArgumentError,
    IdentityConfigError,
    IdResult,
    cccd_agrees,
    cccd_province,
    numeric_cell_digits,
    parse_national_id,
    parse_sex,
)

SEX_MAP = {"Nam": "M", "Nữ": "F", "1": "M", "0": "F"}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Nam", "M"),
        ("nam", "M"),
        ("NAM", "M"),
        (" Nam ", "M"),
        ("Nữ", "F"),
        ("nữ", "F"),
        ("NỮ", "F"),
        ("NU", "F"),
        ("Nu", "F"),
        ("Nu\u0303", "F"),  # NFD "Nữ" without the horn: still the same letters
        ("Nư\u0303", "F"),  # NFD "Nữ"
        ("1", "M"),
        ("0", "F"),
        ("1.0", "M"),  # a numeric cell rendered as float
        ("Khác", None),
        ("x", None),
        ("2", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_sex_maps_through_the_manifest(raw: str | None, expected: str | None) -> None:
    assert parse_sex(raw, SEX_MAP) == expected


def test_parse_sex_uses_only_the_given_map() -> None:
    assert parse_sex("Nam", {"Trai": "M", "Gái": "F"}) is None
    assert parse_sex("GAI", {"Trai": "M", "Gái": "F"}) == "F"
    assert parse_sex("x", {"X": "f"}) == "F"  # codes are canonicalised


def test_parse_sex_does_not_match_mark_stripped_keys_that_clash() -> None:
    """If two keys fold to the same letters with different codes, only exact spellings match."""
    value_map = {"Nam": "M", "Nấm": "F"}
    assert parse_sex("nấm", value_map) == "F"
    assert parse_sex("Nam", value_map) == "M"
    assert parse_sex("NAM", value_map) == "M"  # exact, case-folded
    assert parse_sex("Nâm", value_map) is None


def test_parse_sex_rejects_a_map_to_other_codes() -> None:
    with pytest.raises(IdentityConfigError, match="expected 'M' or 'F'"):
        parse_sex("Nam", {"Nam": "male"})


@pytest.mark.parametrize(
    ("raw", "numeric", "expected"),
    [
        ("001085012345", False, IdResult("001085012345", "cccd", None)),
        ("001 085 012345", False, IdResult("001085012345", "cccd", None)),
        ("001.085.012.345", False, IdResult("001085012345", "cccd", None)),
        ("001-085-012345", False, IdResult("001085012345", "cccd", None)),
        (" 036190004567 ", False, IdResult("036190004567", "cccd", None)),
        ("012345678", False, IdResult("012345678", "cmnd", None)),
        ("012 345 678", False, IdResult("012345678", "cmnd", None)),
        # Excel number cells: leading zeros restored to the nearest valid length
        ("1085012345", True, IdResult("001085012345", "cccd", None)),
        ("1085012345.0", True, IdResult("001085012345", "cccd", None)),
        ("1.085012345E9", True, IdResult("001085012345", "cccd", None)),
        ("1.085012345e+09", True, IdResult("001085012345", "cccd", None)),
        ("36190004567", True, IdResult("036190004567", "cccd", None)),
        ("12345678", True, IdResult("012345678", "cmnd", None)),
        ("2345678", True, IdResult("002345678", "cmnd", None)),
        ("001085012345", True, IdResult("001085012345", "cccd", None)),
        ("168123456", True, IdResult("168123456", "cmnd", None)),
        # text is never padded
        ("1085012345", False, IdResult(None, None, "bad_length")),
        ("36190004567", False, IdResult(None, None, "bad_length")),
        ("12345678", False, IdResult(None, None, "bad_length")),
        ("0010850123456", False, IdResult(None, None, "bad_length")),
        ("12345", True, IdResult(None, None, "bad_length")),
        ("1234567890123", True, IdResult(None, None, "bad_length")),
        ("9" * 40, True, IdResult(None, None, "bad_length")),
        # not digits
        ("00108501234A", False, IdResult(None, None, "not_digits")),
        ("CMND 012345678", False, IdResult(None, None, "not_digits")),
        ("001085/012345", False, IdResult(None, None, "not_digits")),
        ("1085012345.0", False, IdResult(None, None, "not_digits")),  # a float rendering typed as text
        ("10850123.0", False, IdResult(None, None, "not_digits")),
        ("không có", False, IdResult(None, None, "not_digits")),
        ("٠١٢٣٤٥٦٧٨", False, IdResult(None, None, "not_digits")),  # Arabic-Indic digits
        ("1085012345.5", True, IdResult(None, None, "not_digits")),
        ("-1085012345", True, IdResult(None, None, "not_digits")),
        # missing
        ("", False, IdResult(None, None, "missing")),
        ("   ", True, IdResult(None, None, "missing")),
        (None, False, IdResult(None, None, "missing")),
    ],
)
def test_parse_national_id(raw: str | None, numeric: bool, expected: IdResult) -> None:
    assert parse_national_id(raw, numeric=numeric) == expected


def test_text_in_a_numeric_column_is_judged_as_text() -> None:
    assert parse_national_id("001 085 012345", numeric=True) == IdResult("001085012345", "cccd", None)


@pytest.mark.parametrize(
    ("national_id", "sex", "birth_year", "expected"),
    [
        ("001085012345", "M", 1985, True),
        ("001185012345", "F", 1985, True),
        ("036090004567", "M", 1990, True),
        ("001203012345", "M", 2003, True),
        ("001310012345", "F", 2010, True),
        ("001400012345", "M", 2100, True),
        ("001999012345", "F", 2399, True),
        ("001185012345", "M", 1985, False),  # female digit, male record
        ("001085012345", "F", 1985, False),
        ("001085012345", "M", 1986, False),  # year digits disagree
        ("001085012345", "M", 2085, False),  # century disagrees
        ("001285012345", "M", 1985, False),
        ("012345678", "M", 1985, None),  # CMND carries no such digits
        ("001085012345", None, 1985, None),
        ("001085012345", "M", None, None),
        ("001085012345", "M", 1885, None),
        ("00108501234A", "M", 1985, None),
    ],
)
def test_cccd_agrees(national_id: str, sex: str | None, birth_year: int | None, expected: bool | None) -> None:
    assert cccd_agrees(national_id, sex, birth_year) is expected


@pytest.mark.parametrize(("national_id", "province"), [("001085012345", "001"), ("038190004567", "038")])
def test_cccd_province(national_id: str, province: str) -> None:
    assert cccd_province(national_id) == province


def test_cccd_province_refuses_a_cmnd_without_echoing_it() -> None:
    with pytest.raises(IdentityArgumentError) as excinfo:
        cccd_province("012345678")
    assert "012345678" not in str(excinfo.value)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("912345678", "912345678"),
        ("9.12345678E8", "912345678"),
        ("12.0", "12"),
        ("12.5", None),
        ("abc", None),
    ],
)
def test_numeric_cell_digits(raw: str, expected: str | None) -> None:
    assert numeric_cell_digits(raw) == expected
