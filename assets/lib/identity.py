"""Sex codes and national identity numbers (CCCD / CMND) as the former wards recorded them.

Excel turns identity numbers into numbers and drops their leading zeros; that damage is repaired only for
cells the file stored as numbers, because on text it would be a guess. A CCCD's digits 4–6 encode century,
sex and birth year (Circular 07/2016/TT-BCA), so a record whose CCCD contradicts its own sex or birth year is
caught here rather than linked to the wrong person later.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Literal

from assets.lib.vietnamese import nfc, strip_marks
from schemas.errors import WardmergeError

IdKind = Literal["cccd", "cmnd"]
IdError = Literal["missing", "not_digits", "bad_length"]

CCCD_LENGTH = 12
CMND_LENGTH = 9
# Century-and-sex digit (4th digit of a CCCD): the century's index from 1900 times two, plus one for women.
_FIRST_ENCODED_CENTURY = 19  # 1900–1999 → 0/1 … 2300–2399 → 8/9
_LAST_ENCODED_CENTURY = 23

_SEX_CODES = frozenset({"M", "F"})
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_FLOAT_ZERO = re.compile(r"\.0+$")
# Separators people type inside an ID: spaces (incl. no-break), dots, hyphens and dashes between digit groups.
_ID_GROUPED = re.compile(r"\d+(?:[\s.\-\u2010-\u2015]+\d+)*")
_ID_SEPARATORS = re.compile(r"[\s.\-\u2010-\u2015]+")
# "1085012345.0" typed as text is a float rendering, not a dot used as a separator: never read it as digits.
_FLOAT_TAIL = re.compile(r"\d\.0{1,2}$")


class IdentityConfigError(WardmergeError, ValueError):
    """A manifest's sex value map cannot be used; names the offending key, never a person's value."""


class IdentityArgumentError(ValueError):
    """A function got an argument of the wrong shape (the message never echoes the value)."""


@dataclass(frozen=True, slots=True)
class IdResult:
    """A judged national ID: ``value`` (digits) and ``kind`` are set exactly when ``error`` is None."""

    value: str | None
    kind: IdKind | None
    error: IdError | None

    @property
    def ok(self) -> bool:
        return self.error is None


def numeric_cell_digits(text: str) -> str | None:
    """Digits of a spreadsheet cell stored as a number ("1085012345", "1085012345.0", "1.085012345E9").

    Returns None when the text is not a non-negative whole number, so callers treat it as text instead.
    """
    text = text.strip()
    if not _NUMBER.fullmatch(text):
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    if not number.is_finite() or number < 0 or number.adjusted() > 30:
        return None
    if number != number.to_integral_value():
        return None
    return str(int(number))


# --------------------------------------------------------------------------------------------------- sex


def _sex_key(text: str) -> str:
    return " ".join(nfc(text).split()).casefold()


def _stripped_key(text: str) -> str:
    return strip_marks(_sex_key(text)).casefold()


@lru_cache(maxsize=64)
def _sex_lookup(items: tuple[tuple[str, str], ...]) -> tuple[dict[str, str], dict[str, str]]:
    """Two lookups: exact (NFC, case-folded) and mark-stripped; stripped keys that clash are dropped."""
    exact: dict[str, str] = {}
    stripped: dict[str, str] = {}
    clashes: set[str] = set()
    for key, code in items:
        canonical = str(code).strip().upper()
        if canonical not in _SEX_CODES:
            raise IdentityConfigError(f"sex value map entry {key!r} maps to {code!r}; expected 'M' or 'F'")
        exact[_sex_key(key)] = canonical
        skey = _stripped_key(key)
        if stripped.get(skey, canonical) != canonical:
            clashes.add(skey)
        stripped[skey] = canonical
    for skey in clashes:
        del stripped[skey]
    return exact, stripped


def parse_sex(value: str | None, value_map: Mapping[str, str]) -> str | None:
    """Map a raw sex value through the manifest's value map to "M"/"F"; None when it is not in the map.

    Keys compare in NFC, case-folded, whitespace collapsed, and failing that without marks ("NU" and "nữ"
    match a key "Nữ"), unless two keys with different codes fold to the same letters. A whole number
    rendered as a float ("1.0", from a numeric cell) also matches the key "1".
    """
    if value is None or not value.strip():
        return None
    exact, stripped = _sex_lookup(tuple((str(k), str(v)) for k, v in value_map.items()))
    key = _sex_key(value)
    found = exact.get(key) or stripped.get(_stripped_key(value))
    if found is None and _FLOAT_ZERO.search(key):
        integer = _FLOAT_ZERO.sub("", key)
        found = exact.get(integer)
    return found


# ------------------------------------------------------------------------------------------ national ID


def _classify(digits: str) -> IdResult:
    if len(digits) == CCCD_LENGTH:
        return IdResult(digits, "cccd", None)
    if len(digits) == CMND_LENGTH:
        return IdResult(digits, "cmnd", None)
    return IdResult(None, None, "bad_length")


def _restore_zeros(digits: str) -> str:
    """Excel dropped the leading zeros: pad to the nearest valid length (CCCD province codes start with 0)."""
    if len(digits) in (CCCD_LENGTH - 2, CCCD_LENGTH - 1):
        return digits.zfill(CCCD_LENGTH)
    if len(digits) in (CMND_LENGTH - 2, CMND_LENGTH - 1):
        return digits.zfill(CMND_LENGTH)
    return digits


def parse_national_id(value: str | None, *, numeric: bool = False) -> IdResult:
    """Judge a national ID cell: 12 digits is a CCCD, 9 a CMND, after removing separators.

    ``numeric`` says the file stored the cell as a number; only then are leading zeros restored (10–11
    digits → 12, 7–8 → 9). A text cell "1085012345" stays 10 digits and is ``bad_length``.
    """
    if value is None or not value.strip():
        return IdResult(None, None, "missing")
    text = value.strip()
    if numeric:
        digits = numeric_cell_digits(text)
        if digits is not None:
            return _classify(_restore_zeros(digits))
        if _NUMBER.fullmatch(text) and not text.isdigit():  # negative, with a fraction: no ID
            return IdResult(None, None, "not_digits")
    if not _ID_GROUPED.fullmatch(text) or _FLOAT_TAIL.search(text):
        return IdResult(None, None, "not_digits")
    digits = _ID_SEPARATORS.sub("", text)
    if not digits.isascii():  # \d also matches other scripts' digits
        return IdResult(None, None, "not_digits")
    return _classify(digits)


def cccd_agrees(national_id: str, sex: str | None, birth_year: int | None) -> bool | None:
    """Do a CCCD's century-and-sex digit and year digits agree with the record's sex and birth year?

    True when consistent, False on a contradiction, None when it cannot be checked: not a 12-digit number
    (a CMND carries no such digits), sex or birth year unknown, or a birth year outside 1900–2399.
    Twelve-digit CMNDs issued 2012–2016 follow the same layout, so they are checked too.
    """
    if len(national_id) != CCCD_LENGTH or not national_id.isdigit() or not national_id.isascii():
        return None
    if sex not in _SEX_CODES or birth_year is None:
        return None
    century = birth_year // 100
    if not _FIRST_ENCODED_CENTURY <= century <= _LAST_ENCODED_CENTURY:
        return None
    expected_digit = 2 * (century - _FIRST_ENCODED_CENTURY) + (1 if sex == "F" else 0)
    return int(national_id[3]) == expected_digit and int(national_id[4:6]) == birth_year % 100


def cccd_province(national_id: str) -> str:
    """The 3-digit province code of birth registration (Hà Nội 001) that opens a CCCD."""
    if len(national_id) != CCCD_LENGTH or not national_id.isdigit() or not national_id.isascii():
        raise IdentityArgumentError(f"expected a {CCCD_LENGTH}-digit CCCD (digits only)")
    return national_id[:3]
