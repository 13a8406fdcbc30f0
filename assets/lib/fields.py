"""Canonical fields by kind: how validation parses them and harmonisation standardises them, for any dataset.

A field's kind (schemas/datasets/) decides everything here, so a new dataset declares its fields and gets
parsing, checks and standard forms without new code:

- :func:`parse_fields` (validate) turns raw text into the columns the rules judge, named
  ``<field>__value`` / ``__error`` / ``__precision`` / ``__kind`` (a date parsed with the manifest's formats, an
  ID with zeros restored only for numeric cells, sex and categories through value maps, phones), and lists
  the text fields holding control characters;
- :func:`standardise_fields` (harmonise) gives the accepted rows their stored form: names as the source
  spelled them in NFC title case with folded match keys, address parts from their own columns or, where a
  source lacks them, from its free-text address.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Hashable, Iterable, Mapping
from functools import lru_cache
from typing import Any

import pandas as pd

from assets.lib.addresses import alley_key, normalise_group, parse_address
from assets.lib.amounts import parse_amounts
from assets.lib.dates import parse_dates
from assets.lib.identity import cccd_agrees, parse_national_id, parse_sex
from assets.lib.phones import normalise_phone
from assets.lib.vietnamese import match_key, nfc, normalise_punctuation, strip_marks, title_case_name
from data_quality.rules import CONTROL_FIELDS
from schemas import canonical as c
from schemas.datasets import Dataset, Field, Kind
from schemas.manifest import SourceManifest

# C0 controls (but tab, line feed, carriage return, which real cells hold) and DEL: never part of a real value.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ID_SEPARATORS = re.compile(r"[\s.\-]")

# Kinds whose raw text is judged for control characters (codes and text a person typed).
_TEXT_KINDS = frozenset(Kind) - {Kind.DATE, Kind.DATETIME}


def cached(fn: Callable[[Any], Any]) -> Callable[[Iterable[Hashable]], list[Any]]:
    """Apply ``fn`` once per distinct value (rosters repeat streets, groups and name parts a lot)."""
    memo = lru_cache(maxsize=None)(fn)

    def apply(values: Iterable[Hashable]) -> list[Any]:
        return [memo(v) for v in values]

    return apply


def clean_text(value: Any) -> str | None:
    """Text in NFC with typographic punctuation made plain; empty → None."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = normalise_punctuation(nfc(str(value)))
    return text or None


def _name(value: Any) -> str | None:
    text = clean_text(value)
    return title_case_name(text) if text else None


def _stripped(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def map_category(value: str | None, mapping: Mapping[str, str]) -> str | None:
    """A code through a value map, keys compared without marks and case ("THUONG TRU" = "Thường trú")."""
    if value is None:
        return None
    folded = {strip_marks(nfc(k)).casefold().strip(): v for k, v in mapping.items()}
    return folded.get(strip_marks(nfc(value)).casefold().strip())


# ------------------------------------------------------------------------------------------ validate: parse


def parse_fields(
    raw: pd.DataFrame, dataset: Dataset, manifests: Mapping[str, SourceManifest], today: dt.date
) -> pd.DataFrame:
    """The columns a dataset's rules judge, one set per field by its kind (see the module docstring)."""
    index = raw.index
    out = pd.DataFrame({c.ROW_KEY: raw[c.ROW_KEY].to_numpy()}, index=index)
    by_manifest = [(manifests[str(name)], idx) for name, idx in raw.groupby(c.MANIFEST, sort=False).indices.items()]
    columns: dict[str, list[Any]] = {}

    def per_source(field: Field, parse: Callable[[pd.DataFrame, SourceManifest], Iterable[Any]]) -> list[Any]:
        """Parse a field source by source (each manifest has its own formats and codes), in row order."""
        values: list[Any] = [None] * len(raw)
        for manifest, idx in by_manifest:
            for i, value in zip(idx, parse(raw.iloc[idx], manifest), strict=True):
                values[i] = value
        return values

    control: list[list[str]] = [[] for _ in range(len(raw))]
    for f in dataset.fields:
        column = raw[f.name]
        if f.kind in _TEXT_KINDS:
            for i, value in enumerate(column):
                if isinstance(value, str) and _CONTROL.search(value):
                    control[i].append(f.name)
        if f.kind in (Kind.PERSON_NAME, Kind.TEXT, Kind.CODE, Kind.RECORD_ID):
            columns[c.checked(f.name, "value")] = [_stripped(v) for v in column]
        elif f.kind in (Kind.DATE, Kind.DATETIME):

            def dates(part: pd.DataFrame, manifest: SourceManifest, f: Field = f) -> list[Any]:
                return parse_dates(
                    list(part[f.name]),
                    manifest.date_formats,
                    numeric_mask=c.numeric_cells(part[c.NUMERIC_FIELDS], f.name),
                    today=today,
                    earliest=f.earliest,
                    not_after_today=f.not_after_today,
                )

            results = per_source(f, dates)
            short = [f.day_only and r.precision == "year" for r in results]  # a year alone will not do
            if f.kind is Kind.DATETIME:  # the time of day where the value has one; precision says which
                columns[c.checked(f.name, "value")] = [
                    dt.datetime.combine(r.value, r.time or dt.time()) if r.value is not None and not s else None
                    for r, s in zip(results, short, strict=True)
                ]
                columns[c.checked(f.name, "precision")] = [
                    None if s else ("time" if r.time is not None else r.precision)
                    for r, s in zip(results, short, strict=True)
                ]
            else:
                columns[c.checked(f.name, "value")] = [
                    None if s else r.value for r, s in zip(results, short, strict=True)
                ]
                columns[c.checked(f.name, "precision")] = [
                    None if s else r.precision for r, s in zip(results, short, strict=True)
                ]
            columns[c.checked(f.name, "error")] = [
                "year_only" if s else r.error for r, s in zip(results, short, strict=True)
            ]
        elif f.kind is Kind.AMOUNT:

            def amounts(part: pd.DataFrame, manifest: SourceManifest, f: Field = f) -> list[Any]:
                numeric = c.numeric_cells(part[c.NUMERIC_FIELDS], f.name)
                return parse_amounts(list(part[f.name]), numeric, manifest.decimal_mark)

            results = per_source(f, amounts)
            columns[c.checked(f.name, "value")] = [r.value for r in results]
            columns[c.checked(f.name, "error")] = [r.error for r in results]
        elif f.kind is Kind.SEX:

            def sexes(part: pd.DataFrame, manifest: SourceManifest, f: Field = f) -> list[Any]:
                return [parse_sex(v, manifest.value_map(f.name)) for v in part[f.name]]

            columns[c.checked(f.name, "value")] = per_source(f, sexes)
        elif f.kind is Kind.CATEGORY:

            def codes(part: pd.DataFrame, manifest: SourceManifest, f: Field = f) -> list[Any]:
                return [map_category(_stripped(v), manifest.value_map(f.name)) for v in part[f.name]]

            values = per_source(f, codes)
            columns[c.checked(f.name, "value")] = values
            columns[c.checked(f.name, "error")] = [
                "unmapped" if v is None and _stripped(r) is not None else None
                for v, r in zip(values, column, strict=True)
            ]
        elif f.kind is Kind.PHONE:
            numeric = c.numeric_cells(raw[c.NUMERIC_FIELDS], f.name)
            phone_of = lru_cache(maxsize=None)(lambda v, n: normalise_phone(v, numeric=n))
            results = [phone_of(clean_text(v), n) for v, n in zip(column, numeric, strict=True)]
            columns[c.checked(f.name, "value")] = [r.value for r in results]
            columns[c.checked(f.name, "kind")] = [r.kind for r in results]
            columns[c.checked(f.name, "error")] = [r.error for r in results]
    for f in dataset.of_kind(Kind.NATIONAL_ID):
        _parse_national_id(raw, dataset, f, columns)
    for name, values in columns.items():
        if name.endswith("__value") and dataset.field(name.removesuffix("__value")).kind in (Kind.DATE, Kind.DATETIME):
            out[name] = pd.to_datetime(pd.Series(values, index=index, dtype="object"))
        elif name.endswith("__agrees"):
            out[name] = pd.Series(values, index=index, dtype="object")
        else:
            out[name] = c.object_column(values, index)
    out[CONTROL_FIELDS] = c.object_column((",".join(fs) if fs else None for fs in control), index)
    return out


def _parse_national_id(raw: pd.DataFrame, dataset: Dataset, f: Field, columns: dict[str, list[Any]]) -> None:
    """An ID is judged as written (separators aside) when rejected, so the rule sees why it fails; a CCCD is
    checked against the record's own sex and birth year when the dataset has them."""
    sex_fields = dataset.of_kind(Kind.SEX)
    sexes = columns[c.checked(sex_fields[0].name, "value")] if sex_fields else [None] * len(raw)
    births = (
        columns[c.checked("date_of_birth", "value")] if "date_of_birth" in dataset.field_names else [None] * len(raw)
    )
    values, kinds, errors, agrees = [], [], [], []
    for value, numeric, sex, born in zip(
        raw[f.name], c.numeric_cells(raw[c.NUMERIC_FIELDS], f.name), sexes, births, strict=True
    ):
        nid = parse_national_id(value, numeric=numeric)
        values.append(_ID_SEPARATORS.sub("", str(value)) if nid.error in ("not_digits", "bad_length") else nid.value)
        kinds.append(nid.kind)
        errors.append(nid.error)
        ok = nid.kind == "cccd" and nid.value
        agrees.append(cccd_agrees(nid.value, sex, born.year if born else None) if ok else None)  # type: ignore[arg-type]
    columns[c.checked(f.name, "value")] = values
    columns[c.checked(f.name, "kind")] = kinds
    columns[c.checked(f.name, "error")] = errors
    columns[c.checked(f.name, "agrees")] = agrees


# ------------------------------------------------------------------------------------------ harmonise: standardise


def standardise_fields(accepted: pd.DataFrame, dataset: Dataset) -> dict[str, list[Any]]:
    """Stored columns (schemas.datasets.Field.stored_columns) of accepted validated rows, by field kind."""
    text = cached(clean_text)
    out: dict[str, list[Any]] = {}
    free = dataset.of_kind(Kind.ADDRESS)
    parsed = cached(lambda v: parse_address(v) if v else None)(text(accepted[free[0].name])) if free else None
    for f in dataset.fields:
        if not f.stored:
            continue
        value = c.checked(f.name, "value")
        if f.kind is Kind.RECORD_ID:
            out[f.name] = list(accepted[value])
        elif f.kind is Kind.PERSON_NAME:
            names = cached(_name)(accepted[f.name])
            out[f.name] = names
            out[f.column("key")] = cached(lambda v: match_key(v) if v else None)(names)
            out[f.column("unmarked")] = cached(lambda v: strip_marks(v).lower() if v else None)(names)
        elif f.kind in (Kind.DATE, Kind.DATETIME):
            as_stored = (lambda v: v.date()) if f.kind is Kind.DATE else (lambda v: v.to_pydatetime())
            out[f.name] = [as_stored(v) if pd.notna(v) else None for v in accepted[value]]
            if "precision" in f.derived_parts:
                out[f.column("precision")] = list(accepted[c.checked(f.name, "precision")])
        elif f.kind in (Kind.SEX, Kind.CATEGORY, Kind.AMOUNT):
            out[f.name] = list(accepted[value])
        elif f.kind in (Kind.NATIONAL_ID, Kind.PHONE):
            out[f.name] = list(accepted[value])
            out[f.column("kind")] = list(accepted[c.checked(f.name, "kind")])
        elif f.kind in (Kind.TEXT, Kind.CODE):
            values = text(accepted[f.name])
            if f.case == "sentence":
                values = cached(lambda v: v.capitalize() if v else None)(values)
            out[f.name] = values
        else:  # an address part: the source's own column first; a free-text address fills only what it lacks
            own = text(accepted[f.name])
            if parsed is not None:
                own = [
                    o if o is not None else (getattr(p, f.kind.value) if p is not None else None)
                    for o, p in zip(own, parsed, strict=True)
                ]
            out[f.name] = cached(_ADDRESS_FORM[f.kind])(own)
            if f.kind is Kind.RESIDENTIAL_GROUP:
                out[f.column("number")] = cached(group_number)(out[f.name])
    return out


def group_number(group: str | None) -> int | None:
    """The number of a normalised residential group ("5A" → 5), so that groups sort as numbers."""
    digits = re.match(r"\d+", group) if group else None
    return int(digits.group()) if digits else None


_ADDRESS_FORM: dict[Kind, Callable[[Any], Any]] = {
    Kind.HOUSE_NUMBER: lambda v: v,
    Kind.ALLEY: lambda v: (alley_key(v) or v) if v else None,
    Kind.STREET: lambda v: title_case_name(v) if v else None,
    Kind.RESIDENTIAL_GROUP: lambda v: normalise_group(v) if v else None,
}
