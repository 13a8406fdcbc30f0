"""Harmonisation: one standard form for every accepted record's fields, whatever its source wrote.

Names are stored as their source spelled them (NFC, title case) with folded keys beside them for matching;
a numeric spreadsheet cell gets its leading zeros back, text never does; old 11-digit mobiles become 10-digit;
free-text addresses fill the address parts a source lacks (assets/lib/fields.py does it field by field, by
kind). Quarantined rows pass through with their verdict and no values: their masked offending values travel
in the verdict columns, so a column never mixes raw text with standard values.
"""

from __future__ import annotations

import pandas as pd

from assets.lib.fields import standardise_fields
from schemas import canonical as c
from schemas.datasets import Dataset

# Columns of the validated frame that harmonisation replaces by standard values or drops (parse results).
_PARSE_SUFFIXES = ("__value", "__error", "__precision", "__kind", "__agrees")


def harmonised_columns(dataset: Dataset) -> tuple[str, ...]:
    """The standard columns a harmonised frame carries for ``dataset`` (its stored columns and the flags)."""
    return (*(col for f in dataset.fields for col in f.stored_columns()), "dq_flags")


def harmonise_frame(validated: pd.DataFrame, dataset: Dataset) -> pd.DataFrame:
    """Standardise the accepted rows of a validated partition; every row stays, in order."""
    ok = validated[c.DISPOSITION] == c.ACCEPTED
    acc = validated.loc[ok]
    standard = standardise_fields(acc, dataset)
    standard["dq_flags"] = list(acc[c.FLAGS])
    out = validated.drop(columns=[col for col in validated.columns if col.endswith(_PARSE_SUFFIXES)])
    for column in harmonised_columns(dataset):
        values = pd.Series([None] * len(out), index=out.index, dtype="object")
        values.loc[ok] = pd.Series(standard[column], index=acc.index, dtype="object")
        out[column] = values
    # Every row keeps its source id as written (trimmed): quarantine and set-aside rows are listed by it.
    written_id = c.checked("source_record_id", "value")
    if written_id in validated.columns:
        out.loc[~ok, "source_record_id"] = validated.loc[~ok, written_id]
    return out
