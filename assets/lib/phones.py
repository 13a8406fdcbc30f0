"""Vietnamese phone numbers brought to today's 10-digit mobile / 11-digit landline form.

Rosters span the 2018 renumbering (Decision 798/QĐ-BTTTT: eleven-digit mobiles became ten, network prefix
changed, last 7 digits kept) and the 2017 landline renumbering, and write +84 / 84 for the leading 0. An
unparseable phone does not reject a record (the residents suite): the field is stored null with a flag, so this module
only says what it can prove and never invents digits, except the one leading zero Excel drops from numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from assets.lib.identity import numeric_cell_digits

PhoneKind = Literal["mobile", "landline"]
PhoneError = Literal["missing", "unparseable"]

# Decision 798/QĐ-BTTTT (applied 15 Sep 2018): old 4-digit network prefix → new 3-digit prefix.
OLD_MOBILE_PREFIXES: dict[str, str] = {
    # MobiFone
    "0120": "070", "0121": "079", "0122": "077", "0126": "076", "0128": "078",
    # VinaPhone
    "0123": "083", "0124": "084", "0125": "085", "0127": "081", "0129": "082",
    # Viettel
    "0162": "032", "0163": "033", "0164": "034", "0165": "035", "0166": "036",
    "0167": "037", "0168": "038", "0169": "039",
    # Vietnamobile
    "0186": "056", "0188": "058",
    # Gmobile
    "0199": "059",
}  # fmt: skip

# Network prefixes of 10-digit mobiles in use: Viettel 032–039, 086, 096–098; MobiFone 070, 076–079, 089,
# 090, 093; VinaPhone 081–085, 088, 091, 094; Vietnamobile 052, 056, 058, 092; Gmobile 059, 099;
# Reddi 055; Itelecom 087. 01x, 02x (landlines), 04x and 06x are never mobiles.
MOBILE_PREFIXES: frozenset[str] = frozenset(
    [f"03{d}" for d in "23456789"]
    + ["052", "055", "056", "058", "059", "070", "076", "077", "078", "079"]
    + [f"08{d}" for d in "123456789"]
    + ["090", "091", "092", "093", "094", "096", "097", "098", "099"]
)

MOBILE_LENGTH = 10
LANDLINE_LENGTH = 11  # 02 + area code + subscriber number, e.g. Hà Nội 024 + 8 digits
# Before the 2017 landline renumbering Hà Nội was 04 + 8 digits; 04x was never a mobile prefix, so the old
# form converts without ambiguity (other provinces' old codes collide with today's mobile prefixes).
_OLD_HANOI_PREFIX, _HANOI_PREFIX = "04", "024"

_NOISE = re.compile(r"[\s.\-\u2010-\u2015()\[\]]+")
_SEVERAL = re.compile(r"[;,/|\\\n]|\s+(?:hoặc|hoac|or)\s+", re.IGNORECASE)
_SPACED_DASH = re.compile(r"\s[-\u2010-\u2015]\s")
_DIGITS = re.compile(r"\+?\d+")


@dataclass(frozen=True, slots=True)
class PhoneResult:
    """A normalised phone: ``value`` and ``kind`` are set exactly when ``error`` is None."""

    value: str | None
    kind: PhoneKind | None
    error: PhoneError | None

    @property
    def ok(self) -> bool:
        return self.error is None


_MISSING = PhoneResult(None, None, "missing")
_UNPARSEABLE = PhoneResult(None, None, "unparseable")


def _drop_country_code(digits: str) -> str:
    """+84 / 0084 / 84 stand for the leading 0 (also "+84 (0) 912…", which keeps its own 0)."""
    for code in ("+84", "0084", "84"):
        if digits.startswith(code):
            rest = digits[len(code) :]
            if rest.startswith("0") and len(rest) in (MOBILE_LENGTH, LANDLINE_LENGTH):
                return rest
            if not rest.startswith("0") and len(rest) in (MOBILE_LENGTH - 1, LANDLINE_LENGTH - 1):
                return "0" + rest
            if code == "+84":
                return "+" + rest  # "+84" followed by the wrong count of digits: unparseable below
    return digits


def _classify(digits: str) -> PhoneResult:
    if len(digits) == MOBILE_LENGTH and digits[:3] in MOBILE_PREFIXES:
        return PhoneResult(digits, "mobile", None)
    if len(digits) == LANDLINE_LENGTH:
        new_prefix = OLD_MOBILE_PREFIXES.get(digits[:4])
        if new_prefix is not None:
            return PhoneResult(new_prefix + digits[4:], "mobile", None)
        if digits.startswith("02"):
            return PhoneResult(digits, "landline", None)
    if len(digits) == MOBILE_LENGTH and digits.startswith(_OLD_HANOI_PREFIX):
        return PhoneResult(_HANOI_PREFIX + digits[len(_OLD_HANOI_PREFIX) :], "landline", None)
    return _UNPARSEABLE


def _normalise_one(text: str, numeric: bool) -> PhoneResult:
    if numeric:
        digits = numeric_cell_digits(text)
        if digits is not None:
            digits = _drop_country_code(digits)
            if not digits.startswith("0"):
                digits = "0" + digits  # Excel dropped exactly one leading zero
            return _classify(digits)
    compact = _NOISE.sub("", text)
    if not _DIGITS.fullmatch(compact) or not compact.isascii():
        return _UNPARSEABLE
    digits = _drop_country_code(compact)
    if not digits.isdigit():
        return _UNPARSEABLE
    return _classify(digits)


def normalise_phone(value: str | None, *, numeric: bool = False) -> PhoneResult:
    """Bring a phone cell to today's form: 10-digit mobile (0xx…) or 11-digit landline (02x…).

    Spaces, dots, dashes and parentheses are ignored; +84/0084/84 become 0; old 11-digit mobiles are
    converted per Decision 798; old Hà Nội landlines 04 + 8 digits become 024 + 8 digits. A cell holding
    several numbers ("0912 345 678 / 0988 765 432") gives the first valid one. ``numeric`` (the file stored
    a number) restores the single leading zero Excel drops; text is never padded.
    """
    if value is None or not value.strip():
        return _MISSING
    for part in _SEVERAL.split(value):
        # "0912 345 678 - 0988 765 432": a spaced dash separates numbers only if the whole part fails.
        candidates = [part, *_SPACED_DASH.split(part)] if _SPACED_DASH.search(part) else [part]
        for candidate in candidates:
            if candidate.strip():
                result = _normalise_one(candidate.strip(), numeric)
                if result.ok:
                    return result
    return _UNPARSEABLE
