"""Harmonise: one standard form for every accepted record's text, dates, sex, IDs, phones and address.

Names are stored as their source spelled them (NFC, title case) with folded keys beside them for matching;
a numeric spreadsheet cell gets its leading zeros back, text never does; old 11-digit mobiles become 10-digit;
free-text addresses fill the address parts a source lacks. Quarantined rows pass through untouched.
"""

import datetime as dt
from collections.abc import Callable, Hashable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
from dagster import AssetExecutionContext, AssetIn, MetadataValue, Output, StaticPartitionsDefinition, asset

from assets.addresses import alley_key, normalise_group, parse_address
from assets.phones import normalise_phone
from assets.registrations import registration_columns
from assets.validate import ACCEPTED, DISPOSITION
from assets.vietnamese import match_key, nfc, normalise_punctuation, strip_marks, title_case_name
from data_quality.masking import preview_markdown
from pipelines.resources import DeploymentSettings
from schemas import canonical as c
from schemas.manifest import load_manifest
from schemas.names import GROUP_HARMONISE, HARMONISED_RESIDENTS, VALIDATED_RESIDENTS

HARMONISED_COLUMNS = (
    "full_name",
    "name_key",
    "name_unmarked",
    "date_of_birth",
    "dob_precision",
    "sex",
    "national_id",
    "national_id_kind",
    "phone",
    "phone_kind",
    "house_number",
    "alley",
    "street",
    "residential_group",
    "household_id",
    "relation_to_head",
    "residence_type",
    "registration_date",
    "registration_end_date",
    "dq_flags",
)


def _cached(fn: Callable[[Any], Any]) -> Callable[[Iterable[Hashable]], list[Any]]:
    """Apply ``fn`` once per distinct value (rosters repeat streets, groups and name parts a lot)."""
    memo = lru_cache(maxsize=None)(fn)

    def apply(values: Iterable[Hashable]) -> list[Any]:
        return [memo(v) for v in values]

    return apply


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = normalise_punctuation(nfc(str(value)))
    return text or None


def _name(value: Any) -> str | None:
    text = _text(value)
    return title_case_name(text) if text else None


def harmonise_frame(
    validated: pd.DataFrame,
    value_maps: dict[str, dict[str, dict[str, str]]],
    date_formats: dict[str, list[str]] | None = None,
    today: dt.date | None = None,
) -> pd.DataFrame:
    """Standardise the accepted rows; ``value_maps`` is manifest name → field → map (for residence_type),
    ``date_formats`` manifest name → date formats (for the registration dates)."""
    out = validated.copy()
    ok = out[DISPOSITION] == ACCEPTED
    acc = out.loc[ok]
    text = _cached(_text)
    names = _cached(_name)(acc["full_name"])
    harmonised: dict[str, list[Any]] = {
        "full_name": names,
        "name_key": _cached(lambda v: match_key(v) if v else None)(names),
        "name_unmarked": _cached(lambda v: strip_marks(v).lower() if v else None)(names),
        "date_of_birth": [v.date() if pd.notna(v) else None for v in acc["dob_value"]],
        "dob_precision": list(acc["dob_precision"]),
        "sex": list(acc["sex_code"]),
        "national_id": list(acc["national_id_norm"]),
        "national_id_kind": list(acc["national_id_kind"]),
    }
    numeric_phone = c.numeric_cells(acc[c.NUMERIC_FIELDS], "phone")
    phone_of = lru_cache(maxsize=None)(lambda v, n: normalise_phone(v, numeric=n))
    phones = [phone_of(_text(v), n) for v, n in zip(acc["phone"], numeric_phone, strict=True)]
    harmonised["phone"] = [p.value for p in phones]
    harmonised["phone_kind"] = [p.kind for p in phones]

    # Address parts: the source's columns first; a free-text address fills only what they lack.
    parsed = _cached(lambda v: parse_address(v) if v else None)(text(acc["address"]))
    parts = {f: text(acc[f]) for f in c.ADDRESS_PARTS}
    for field in parts:
        parts[field] = [
            own if own is not None else (getattr(p, field) if p is not None else None)
            for own, p in zip(parts[field], parsed, strict=True)
        ]
    harmonised["house_number"] = parts["house_number"]
    harmonised["alley"] = _cached(lambda v: (alley_key(v) or v) if v else None)(parts["alley"])
    harmonised["street"] = _cached(lambda v: title_case_name(v) if v else None)(parts["street"])
    harmonised["residential_group"] = _cached(lambda v: normalise_group(v) if v else None)(parts["residential_group"])
    harmonised["household_id"] = text(acc["household_id"])
    harmonised["relation_to_head"] = _cached(lambda v: v.capitalize() if v else None)(text(acc["relation_to_head"]))
    residence = []
    for manifest, value in zip(acc[c.MANIFEST], text(acc["residence_type"]), strict=True):
        mapping = value_maps.get(manifest, {}).get("residence_type")
        residence.append(_map_value(mapping, value) if mapping else value)
    harmonised["residence_type"] = residence
    registrations, registration_flags = registration_columns(acc, date_formats or {}, today or dt.date.today())
    harmonised.update(registrations)

    flags: list[str | None] = []
    for nid, raw_phone, phone, precision in zip(
        harmonised["national_id"], acc["phone"], phones, harmonised["dob_precision"], strict=True
    ):
        f = []
        if nid is None:
            f.append("national_id_missing")
        if phone.error == "missing" or _text(raw_phone) is None:
            f.append("phone_missing")
        elif phone.error is not None:
            f.append("phone_unparseable")
        if precision == "year":
            f.append("dob_year_only")
        f.extend(registration_flags[len(flags)])
        flags.append(",".join(f) or None)
    harmonised["dq_flags"] = flags

    # Standard values replace the raw text of accepted rows; rejected rows keep none (their masked values and
    # lineage travel in the validate columns), so a column never mixes raw text with typed values.
    for column in HARMONISED_COLUMNS:
        out[column] = c.object_column([None] * len(out), out.index)
        out.loc[ok, column] = pd.Series(harmonised[column], index=acc.index, dtype="object")
    return out


def _map_value(mapping: dict[str, str], value: str | None) -> str | None:
    if value is None:
        return None
    folded = {strip_marks(k).casefold(): v for k, v in mapping.items()}
    return folded.get(strip_marks(value).casefold(), value)


def build(partitions_def: StaticPartitionsDefinition):
    @asset(
        name=HARMONISED_RESIDENTS,
        group_name=GROUP_HARMONISE,
        partitions_def=partitions_def,
        ins={"validated": AssetIn(VALIDATED_RESIDENTS)},
        description="Accepted records in standard form: NFC title-case names with match keys, dates, sex, IDs, "
        "10-digit phones, address parts.",
    )
    def harmonised_residents(
        context: AssetExecutionContext, settings: DeploymentSettings, validated: pd.DataFrame
    ) -> Output[pd.DataFrame]:
        manifests = {name: load_manifest(Path(settings.sources) / name) for name in validated[c.MANIFEST].unique()}
        out = harmonise_frame(
            validated,
            {name: m.value_maps for name, m in manifests.items()},
            {name: m.date_formats for name, m in manifests.items()},
        )
        acc = out[out[DISPOSITION] == ACCEPTED]
        flags = acc["dq_flags"].dropna().str.split(",").explode().value_counts().to_dict()
        return Output(
            out,
            metadata={
                "rows": len(out),
                "harmonised": len(acc),
                "flags": MetadataValue.json({k: int(v) for k, v in flags.items()}),
                "preview": MetadataValue.md(
                    preview_markdown(acc[["full_name", "date_of_birth", "sex", "phone", "street", "residential_group"]])
                ),
            },
        )

    return harmonised_residents
