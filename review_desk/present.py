"""How records appear on a page: personal fields masked unless an audited "show" asked for them."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from data_quality.masking import mask_value
from review_desk.i18n import format_date

LOCAL_TIME = ZoneInfo("Asia/Ho_Chi_Minh")
_MASKED_ISO_DATE = re.compile(r"^#{4}-#{2}-#{2}$")

# (field, label key) in the order a clerk reads a roster line.
RECORD_FIELDS = (
    ("full_name", "full_name"),
    ("date_of_birth", "date_of_birth"),
    ("sex", "sex"),
    ("national_id", "national_id"),
    ("phone", "phone"),
    ("house_number", "house_number"),
    ("alley", "alley"),
    ("street", "street"),
    ("residential_group", "group"),
)


def local_time(value: dt.datetime | None) -> dt.datetime | None:
    """Warehouse times are UTC; officers read Vietnam time."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC).astimezone(LOCAL_TIME).replace(tzinfo=None)


def _date_text(value: Any, precision: str | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        if _MASKED_ISO_DATE.match(value):
            return "##/##/####"
        return value
    if precision == "year":
        return str(value.year)
    return format_date(value)


PERSONAL = frozenset({"full_name", "date_of_birth", "national_id", "phone", "house_number", "alley"})
MASK, CLEAR, PREMASKED = "mask", "clear", "premasked"


def field_values(record: Mapping[str, Any], mode: str, t: Callable[..., str]) -> list[tuple[str, str | None, bool]]:
    """(label, value shown, personal?) per field.

    ``mode``: MASK masks the personal fields (the default view), CLEAR shows them (only after an audited
    "show"), PREMASKED shows values that were masked when stored (match_review's fields) as they are.
    """
    out = []
    for field, label in RECORD_FIELDS:
        value = record.get(field)
        if field == "date_of_birth":
            value = _date_text(value, record.get("dob_precision"))
        elif field == "sex" and value in ("M", "F"):
            value = t(f"sex_{value}")
        elif field == "residential_group" and value:
            value = f"Tổ {value}"
        personal = field in PERSONAL
        shown = None if value is None else str(value)
        if personal and mode == MASK and shown is not None:
            shown = mask_value(field, shown)
        out.append((t(label), shown, personal))
    return out
