"""Canonical records: the fields every source is mapped onto, and the lineage columns added on extraction."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

RESIDENT_FIELDS: tuple[str, ...] = (
    "source_record_id",
    "full_name",
    "date_of_birth",
    "sex",
    "national_id",
    "phone",
    "house_number",
    "alley",
    "street",
    "residential_group",
    "address",
    "household_id",
    "relation_to_head",
    "residence_type",
    "registration_date",
    "registration_end_date",
)
# Dates of the residence registration (Law on Residence 2020): when it was registered and, for a temporary
# one, when its term ends. Optional; parsed with the manifest's date formats (assets/registrations.py).
REGISTRATION_DATE_FIELDS: tuple[str, ...] = ("registration_date", "registration_end_date")
# The parts of an address, in the order they narrow down (the routing table and households use them).
ADDRESS_PARTS: tuple[str, ...] = ("house_number", "alley", "street", "residential_group")

RESIDENT_REQUIRED: frozenset[str] = frozenset({"source_record_id", "full_name", "date_of_birth", "sex"})

DATASET_FIELDS: dict[str, frozenset[str]] = {"residents": frozenset(RESIDENT_FIELDS)}
REQUIRED_FIELDS: dict[str, frozenset[str]] = {"residents": RESIDENT_REQUIRED}

# Fields whose values are personal data: masked wherever they could reach logs, metadata or errors.
PERSONAL_FIELDS: frozenset[str] = frozenset(
    {"full_name", "date_of_birth", "national_id", "phone", "house_number", "alley", "address"}
)

# Lineage columns added by the readers (file relative to the landing zone, row as a person finds it there).
SOURCE_FILE = "_source_file"
SOURCE_ROW = "_source_row"
FILE_SHA256 = "_file_sha256"
MANIFEST = "_manifest"
AS_OF = "_as_of"
RUN_ID = "_run_id"
# Comma-separated canonical fields whose cell was stored as a number (spreadsheets): only those get
# leading zeros restored, never text cells.
NUMERIC_FIELDS = "_numeric_fields"


def numeric_cells(marks: Iterable[object], field: str) -> list[bool]:
    """Per row: was ``field``'s cell stored as a number? (``marks`` is the NUMERIC_FIELDS column.)"""
    return [isinstance(m, str) and field in m.split(",") for m in marks]


def object_column(values: Iterable[object], index: pd.Index) -> pd.Series:
    """A column that keeps None for missing values (pandas 3 turns a list of str/None into str with NaN)."""
    return pd.Series(list(values), index=index, dtype="object")


def text_as_object(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns as object with None for missing, as the stages expect (pandas 3 reads str with NaN)."""
    for column in frame.columns:
        if pd.api.types.is_string_dtype(frame[column]) and frame[column].dtype != object:
            frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame


LINEAGE_COLUMNS: tuple[str, ...] = (
    SOURCE_FILE,
    SOURCE_ROW,
    FILE_SHA256,
    MANIFEST,
    AS_OF,
    RUN_ID,
    NUMERIC_FIELDS,
)
