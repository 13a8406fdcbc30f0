"""Phone normalisation: Decision 798 prefix conversion, +84/84, separators, Excel-dropped zeros, landlines."""

from __future__ import annotations

import pytest

from assets.lib.phones import MOBILE_PREFIXES, OLD_MOBILE_PREFIXES, PhoneResult, normalise_phone

DECISION_798 = [
    ("0120", "070"), ("0121", "079"), ("0122", "077"), ("0126", "076"), ("0128", "078"),
    ("0123", "083"), ("0124", "084"), ("0125", "085"), ("0127", "081"), ("0129", "082"),
    ("0162", "032"), ("0163", "033"), ("0164", "034"), ("0165", "035"), ("0166", "036"),
    ("0167", "037"), ("0168", "038"), ("0169", "039"),
    ("0186", "056"), ("0188", "058"), ("0199", "059"),
]  # fmt: skip


def test_conversion_table_is_the_whole_decision() -> None:
    assert OLD_MOBILE_PREFIXES == dict(DECISION_798)
    assert set(OLD_MOBILE_PREFIXES.values()) <= MOBILE_PREFIXES


@pytest.mark.parametrize(("old", "new"), DECISION_798)
def test_old_eleven_digit_mobiles_become_ten_digits(old: str, new: str) -> None:
    assert normalise_phone(f"{old}4567890") == PhoneResult(f"{new}4567890", "mobile", None)


@pytest.mark.parametrize(("old", "new"), DECISION_798)
def test_old_mobiles_in_numeric_cells_and_with_country_code(old: str, new: str) -> None:
    expected = PhoneResult(f"{new}4567890", "mobile", None)
    assert normalise_phone(f"{old[1:]}4567890", numeric=True) == expected
    assert normalise_phone(f"+84 {old[1:]} 456 7890") == expected


@pytest.mark.parametrize(
    ("raw", "numeric", "expected"),
    [
        ("0912345678", False, "0912345678"),
        ("0912 345 678", False, "0912345678"),
        ("0912.345.678", False, "0912345678"),
        ("0912-345-678", False, "0912345678"),
        ("(091) 234 5678", False, "0912345678"),
        ("+84912345678", False, "0912345678"),
        ("+84 912 345 678", False, "0912345678"),
        ("+84 (0) 912 345 678", False, "0912345678"),
        ("84912345678", False, "0912345678"),
        ("84 98 765 4321", False, "0987654321"),
        ("0084 912 345 678", False, "0912345678"),
        ("0868123456", False, "0868123456"),
        ("0325123456", False, "0325123456"),
        ("0523123456", False, "0523123456"),
        ("0559123456", False, "0559123456"),
        ("0703123456", False, "0703123456"),
        ("0878123456", False, "0878123456"),
        ("0997123456", False, "0997123456"),
        ("912345678", True, "0912345678"),
        ("912345678.0", True, "0912345678"),
        ("9.12345678E8", True, "0912345678"),
        ("84912345678", True, "0912345678"),
        ("842345678", True, "0842345678"),  # 084 lost its zero; not a country code
        ("0912345678 / 0987654321", False, "0912345678"),
        ("0912345678; 0987654321", False, "0912345678"),
        ("0912 345 678 - 0987 654 321", False, "0912345678"),
        ("abc / 0987654321", False, "0987654321"),
    ],
)
def test_mobiles(raw: str, numeric: bool, expected: str) -> None:
    assert normalise_phone(raw, numeric=numeric) == PhoneResult(expected, "mobile", None)


@pytest.mark.parametrize(
    ("raw", "numeric", "expected"),
    [
        ("02438691234", False, "02438691234"),
        ("024 3869 1234", False, "02438691234"),
        ("(024) 3869.1234", False, "02438691234"),
        ("+84 24 3869 1234", False, "02438691234"),
        ("2438691234", True, "02438691234"),
        ("02363812345", False, "02363812345"),  # Đà Nẵng 0236
        ("04 3869 1234", False, "02438691234"),  # Hà Nội before the 2017 renumbering
        ("438691234", True, "02438691234"),
    ],
)
def test_landlines(raw: str, numeric: bool, expected: str) -> None:
    assert normalise_phone(raw, numeric=numeric) == PhoneResult(expected, "landline", None)


@pytest.mark.parametrize(
    ("raw", "numeric"),
    [
        ("912345678", False),  # text is never padded
        ("1689123456", False),
        ("0123456789", False),  # 01x is no 10-digit mobile
        ("0212345678", False),  # 02x needs 11 digits
        ("0612345678", False),
        ("0952345678", False),  # S-Fone, closed
        ("0312345678", False),
        ("01304567890", False),  # 0130 was never converted
        ("0912345", False),
        ("09123456789", False),
        ("38691234", False),  # local number without area code
        ("không có", False),
        ("ĐT: 0912345678", False),
        ("+84 91234567", False),
        ("091234567a", False),
        ("0912345678.5", True),
        ("12", True),
    ],
)
def test_unparseable(raw: str, numeric: bool) -> None:
    assert normalise_phone(raw, numeric=numeric) == PhoneResult(None, None, "unparseable")


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_missing(raw: str | None) -> None:
    result = normalise_phone(raw)
    assert result == PhoneResult(None, None, "missing") and not result.ok


def test_mobile_prefix_set_excludes_landline_and_unused_blocks() -> None:
    assert not {p for p in MOBILE_PREFIXES if p[:2] in {"01", "02", "04", "06"}}
    assert {
        "032",
        "039",
        "052",
        "055",
        "056",
        "058",
        "059",
        "070",
        "076",
        "079",
        "081",
        "089",
        "090",
        "099",
    } <= (MOBILE_PREFIXES)
