"""The one masking layer: personal values never reach logs, Dagster metadata or error text in clear.

Masks keep the *shape* of a value (length, separators, which characters are digits) so a data engineer can
still see why it was rejected ("##/##/####" vs "##-##" vs "xxxx"), without the value itself. Which fields are
personal is declared with the datasets (schemas/datasets/); how a value is masked follows its field's kind.
Values of fields that are not personal are shown when they are short codes ("Nam", "TT", "9"); anything longer,
or holding a run of digits, is masked too, since a shifted column can put a name or an ID anywhere.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

import pandas as pd

from schemas.datasets import Kind, personal_kinds

_DIGIT_RUN = re.compile(r"\d{4,}")
_SHORT_CODE = 16


def mask_value(field: str, value: Any) -> str | None:
    """Masked text of one value of a canonical field."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value)
    kind = personal_kinds().get(field)
    if kind is None:
        if not isinstance(value, str):  # a typed value (a date, a count) of a field that is not personal
            return text
        return text if len(text) <= _SHORT_CODE and not _DIGIT_RUN.search(text) else mask_text(text)
    if kind is Kind.PERSON_NAME:
        # Initials only, each followed by the number of letters it hides: "N***** V** A*".
        return " ".join(w[0] + "*" * (len(w) - 1) for w in text.split()) if text.strip() else text
    if kind in (Kind.NATIONAL_ID, Kind.PHONE):
        digits = sum(c.isdigit() for c in text)
        keep = 3 if digits >= 9 else 0  # the province / network prefix says nothing about the person
        out, seen = [], 0
        for c in text:
            if c.isdigit():
                seen += 1
                out.append(c if seen <= keep else "#")
            else:
                out.append(_shape(c))
        return "".join(out)
    return mask_text(text)


def mask_text(text: str) -> str:
    """Any text reduced to its shape: digits #, lower-case letters x, capitals X, the rest as it is."""
    return "".join(_shape(c) for c in text)


def _shape(char: str) -> str:
    if char.isdigit():
        return "#"
    if char.isalpha():
        return "x" if unicodedata.category(char) != "Lu" else "X"
    if unicodedata.category(char).startswith("C"):
        return "?"  # control characters (NUL, escape) would break a terminal or a log line
    return char


def mask_record(values: Mapping[str, Any]) -> dict[str, str | None]:
    return {field: mask_value(field, value) for field, value in values.items()}


def mask_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every column masked that could hold personal data (for previews in the UI).

    Columns whose name starts with ``_`` are the pipeline's own (lineage: file and row; verdicts: rules and
    already-masked values) and are shown as they are.
    """
    masked = frame.copy()
    for column in masked.columns:
        if not str(column).startswith("_"):
            masked[column] = [mask_value(column, v) for v in masked[column]]
    return masked


def scrub_text(text: str) -> str:
    """Last line of defence for free text from libraries (pandas, GX, drivers) that echo values: hide digit runs."""
    return _DIGIT_RUN.sub(lambda m: "#" * len(m.group()), text)


def preview_markdown(frame: pd.DataFrame, rows: int = 5) -> str:
    """A small masked preview for asset metadata (tabulate comes with Dagster)."""
    if frame.empty:
        return "(no rows)"
    return mask_frame(frame.head(rows)).to_markdown(index=False)
