"""Residence registration dates: when a residence was registered, and when a temporary one ends.

Real registers keep them (Law on Residence 2020: a temporary registration lasts at most two years), and the
person survivorship needs them to say where someone lives now (assets/survivorship.py). Both are optional:
many old systems have neither. They are read with the manifest's ``date_formats`` like a date of birth, but
a value no format reads (or a year alone: a registration needs its day) does not reject the record — it is
stored null with a flag (``registration_date_unparseable`` / ``registration_end_date_unparseable``).
An end date may lie in the future (the term still runs); a registration date may not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import pandas as pd

from assets.dates import parse_dates
from schemas import canonical as c

__all__ = ["DEFAULT_FORMATS", "registration_columns"]

DEFAULT_FORMATS = ("%d/%m/%Y", "%Y-%m-%d")
_NO_CEILING = dt.date(9999, 12, 31)


def _present(value: object) -> bool:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return False
    return bool(str(value).strip())


def _parse(values: Sequence[object], numeric: Sequence[bool], formats: Sequence[str], today: dt.date) -> tuple:
    texts = [str(v).strip() if _present(v) else None for v in values]
    results = parse_dates(texts, formats, numeric_mask=numeric, today=today)
    dates = [r.value if r.ok and r.precision == "day" else None for r in results]
    unreadable = [t is not None and d is None for t, d in zip(texts, dates, strict=True)]
    return dates, unreadable


def registration_columns(
    accepted: pd.DataFrame, date_formats: Mapping[str, Sequence[str]], today: dt.date
) -> tuple[dict[str, list[dt.date | None]], list[list[str]]]:
    """Parsed ``registration_date`` / ``registration_end_date`` per row of ``accepted`` (raw text columns plus
    the manifest and numeric-cell lineage columns), and the flag names of each row.

    ``date_formats`` maps a manifest name to its formats (a manifest not in it gets :data:`DEFAULT_FORMATS`).
    """
    columns: dict[str, list[dt.date | None]] = {f: [None] * len(accepted) for f in c.REGISTRATION_DATE_FIELDS}
    flags: list[list[str]] = [[] for _ in range(len(accepted))]
    for manifest, positions in accepted.groupby(c.MANIFEST, sort=False).indices.items():
        part = accepted.iloc[positions]
        formats = tuple(date_formats.get(str(manifest)) or DEFAULT_FORMATS)
        for field in c.REGISTRATION_DATE_FIELDS:
            if field not in part.columns:
                continue
            ceiling = today if field == "registration_date" else _NO_CEILING
            numeric = c.numeric_cells(part[c.NUMERIC_FIELDS], field)
            dates, unreadable = _parse(list(part[field]), numeric, formats, ceiling)
            for i, value, bad in zip(positions, dates, unreadable, strict=True):
                columns[field][i] = value
                if bad:
                    flags[i].append(f"{field}_unparseable")
    return columns, flags
