"""Amounts as ward offices write them: "1.234.567" (Vietnamese), "1,234,567" (English), spreadsheet numbers.

Budget reports and registers mix the two styles within one file, and Excel stores some cells as numbers. An
amount is read exactly (``Decimal``, never a float sum), and a reject says why: an empty cell is ``missing``,
anything that is no number in either style ("12tr", "1.234.56") is ``unparseable``; a lone dash ("-"), the
accountants' nil, is empty.

The one ambiguous shape is a single separator: "1.234" is one thousand two hundred and thirty-four in
Vietnamese, 1.234 in English. The manifest's ``decimal_mark`` decides it: ``none`` (whole amounts, such as đồng:
every separator groups thousands), ``","`` (Vietnamese: a comma is the decimal mark, dots group thousands) or
``"."``. A value with both separators says which is which itself (the last one is the decimal mark).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal

AmountError = Literal["missing", "unparseable"]
DecimalMark = Literal[",", ".", "none"]

# Currency words and signs that clerks type after an amount.
_UNITS = re.compile(r"(?i)\s*(?:vnđ|vnd|đồng|đ|d)\.?\s*$")
_PLAIN = re.compile(r"\d+")
# A dash alone is how accountants write "nothing" in a report's cell: read as empty, never as a number.
_NIL = frozenset({"-", "–", "—"})
_GROUPED = re.compile(r"\d{1,3}(?:[.,]\d{3})+")


@dataclass(frozen=True, slots=True)
class AmountResult:
    value: Decimal | None
    error: AmountError | None


_MISSING = AmountResult(None, "missing")
_UNPARSEABLE = AmountResult(None, "unparseable")


def parse_amount(value: str | None, *, numeric: bool = False, decimal_mark: DecimalMark = "none") -> AmountResult:
    """Read one amount cell; ``numeric``: the spreadsheet stored it as a number (its text is Python's)."""
    if value is None:
        return _MISSING
    text = value.strip()
    if not text or text in _NIL:
        return _MISSING
    if numeric:
        try:
            number = Decimal(text)
        except InvalidOperation:
            return _UNPARSEABLE
        return AmountResult(number, None) if number.is_finite() else _UNPARSEABLE
    negative = False
    if text.startswith("(") and text.endswith(")"):  # accountants' negative
        negative, text = True, text[1:-1].strip()
    elif text.startswith(("-", "−")):
        negative, text = True, text[1:].strip()
    text = _UNITS.sub("", text).replace(" ", "").replace("\u00a0", "")
    digits = _digits(text, decimal_mark)
    if digits is None:
        return _UNPARSEABLE
    number = Decimal(digits)
    return AmountResult(-number if negative else number, None)


def _digits(text: str, decimal_mark: DecimalMark) -> str | None:
    """The amount as plain decimal text ("1234567.5"), or None when it is no amount in either style."""
    if _PLAIN.fullmatch(text):
        return text
    separators = [c for c in text if c in ".,"]
    if not separators or any(not (c.isdigit() or c in ".,") for c in text):
        return None
    kinds = set(separators)
    if len(kinds) == 2:
        # Both styles in one value: the last separator is the decimal mark and occurs once; the other groups.
        mark = separators[-1]
        whole, _, fraction = text.rpartition(mark)
        if not fraction.isdigit() or not _GROUPED.fullmatch(whole) or mark in whole:
            return None
        return whole.replace("," if mark == "." else ".", "") + "." + fraction
    (sep,) = kinds
    if len(separators) > 1 or decimal_mark == "none" or sep != decimal_mark:
        # Thousands groups only ("1.234.567", "1,234"): every group after the first has three digits.
        return text.replace(sep, "") if _GROUPED.fullmatch(text) else None
    whole, _, fraction = text.partition(sep)
    if not whole.isdigit() or not fraction.isdigit():
        return None
    return f"{whole}.{fraction}"


def parse_amounts(
    values: list[str | None], numeric_mask: list[bool], decimal_mark: DecimalMark = "none"
) -> list[AmountResult]:
    """A column of amounts (reports repeat values such as zeros: each distinct cell is read once)."""
    cache: dict[tuple[str | None, bool], AmountResult] = {}
    out = []
    for value, numeric in zip(values, numeric_mask, strict=True):
        key = (value, numeric)
        if key not in cache:
            cache[key] = parse_amount(value, numeric=numeric, decimal_mark=decimal_mark)
        out.append(cache[key])
    return out
