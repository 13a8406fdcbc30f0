"""Columns every staged record carries, whatever its dataset: row key, lineage, and the verdict of validation.

A dataset's own fields are declared in :mod:`schemas.datasets`; what is here is shared by all of them and named
once, so the stages, the loaders, the generator's truth and the tests spell them the same way.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

# A staged record's key within one partition's run (0..n-1 in file order); never stored in the warehouse.
ROW_KEY = "_row_key"

# Lineage columns added by extraction (file relative to the landing zone, row as a person finds it there).
SOURCE_FILE = "_source_file"
SOURCE_ROW = "_source_row"
FILE_SHA256 = "_file_sha256"
MANIFEST = "_manifest"
AS_OF = "_as_of"
RUN_ID = "_run_id"
# Comma-separated canonical fields whose cell was stored as a number (spreadsheets): only those get
# leading zeros restored, never text cells.
NUMERIC_FIELDS = "_numeric_fields"
# The delivered row's content hash (see assets/lib/change_capture.py), and whether a sync carries the row over
# unchanged from the previous delivery instead of processing it again.
RAW_HASH = "_raw_hash"
CARRIED = "_carried"
LINEAGE_COLUMNS: tuple[str, ...] = (
    SOURCE_FILE, SOURCE_ROW, FILE_SHA256, MANIFEST, AS_OF, RUN_ID, NUMERIC_FIELDS, RAW_HASH, CARRIED
)  # fmt: skip
# Their names in the warehouse tables.
WAREHOUSE_LINEAGE: dict[str, str] = {
    SOURCE_FILE: "source_file",
    SOURCE_ROW: "source_row",
    RUN_ID: "run_id",
    RAW_HASH: "raw_hash",
}

# What a source row is (extraction): a record, or a row that is not one and is set apart from the records (a
# report's total or subtotal row; an exact copy of an earlier row in an export that repeats rows across pages).
ROW_KIND = "_row_kind"
COPY_OF = "_copy_of"  # an exact copy: "file row N" of the row it repeats
RECORD, TOTAL, EXACT_COPY = "record", "total", "exact_copy"
# Set by validation for rows that are not records: a total's label and its check against the records it sums.
ASIDE_LABEL = "_aside_label"
TOTAL_CHECK = "_total_check"  # balanced | unbalanced | unreadable (the total's own amount is no amount)
TOTAL_DETAIL = "_total_detail"  # JSON: field -> {"reported", "records"} for each sum that does not balance

# The verdict columns added by validation (and routing): where the record goes, and why.
DISPOSITION = "_disposition"
RULES = "_rules"  # quarantine rules, or the review reason, of a record that is not accepted (see join_names)
FLAGS = "_flags"  # flag rules of an accepted record (accepted with a data-quality flag)
MASKED = "_masked"  # JSON: rule -> field -> masked offending value, for quarantined records

# Dispositions: each source row ends in exactly one of these places (a row that is no record: ``nonrecord_row``).
ACCEPTED, QUARANTINED, REVIEW, SET_ASIDE = "accepted", "quarantine", "review", "set_aside"
DISPOSITIONS: tuple[str, ...] = (ACCEPTED, QUARANTINED, REVIEW, SET_ASIDE)

# The key of a record across datasets and former wards (warehouse primary key of record tables and xrefs).
RECORD_KEY: tuple[str, ...] = ("former_ward_code", "dataset", "source_record_id")


def checked(field: str, part: str) -> str:
    """Column of a field's parse result in the validated frame: ``date_of_birth__value``, ``phone__error``."""
    return f"{field}__{part}"


def record_id(former_ward: str, dataset: str, source_record_id: str) -> str:
    """A record's id across the warehouse, as lineage columns and decisions write it: ``00304/residents/NK1``."""
    return f"{former_ward}/{dataset}/{source_record_id}"


def join_names(names: Iterable[str]) -> str:
    """Rule names in one cell, in the rules table's order ("dob_missing,sex_unmapped"); see split_names."""
    return ",".join(names)


def split_names(cell: object) -> list[str]:
    """The rule names of a cell written by join_names (none for an empty cell)."""
    return [n for n in cell.split(",") if n] if isinstance(cell, str) else []


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
