"""The one masking layer: personal values never reach logs, Dagster metadata or error text in clear.

Masks keep the *shape* of a value (length, separators, which characters are digits) so a data engineer can
still see why it was rejected ("##/##/####" vs "##-##" vs "xxxx"), without the value itself.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

import pandas as pd

from schemas.canonical import PERSONAL_FIELDS

_DIGIT_RUN = re.compile(r"\d{4,}")


def mask_value(field: str, value: Any) -> str | None:
    """Masked text of one value of a canonical field (non-personal fields are returned as they are)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value)
    if field not in PERSONAL_FIELDS:
        return text
    if field == "full_name":
        # Initials only, each followed by the number of letters it hides: "N***** V** A*".
        return " ".join(w[0] + "*" * (len(w) - 1) for w in text.split()) if text.strip() else text
    if field in ("national_id", "phone"):
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
    return "".join(_shape(c) for c in text)


def _shape(char: str) -> str:
    if char.isdigit():
        return "#"
    if char.isalpha():
        return "x" if unicodedata.category(char) != "Lu" else "X"
    return char


def mask_record(values: Mapping[str, Any]) -> dict[str, str | None]:
    return {field: mask_value(field, value) for field, value in values.items()}


def mask_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every personal column masked (for previews in the UI)."""
    masked = frame.copy()
    for column in masked.columns:
        if column in PERSONAL_FIELDS:
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
