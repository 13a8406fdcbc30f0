"""Validate: apply BRIEF §4's quarantine rules (data_quality/) and mark every failing record with its rules.

The parsers turn raw text into checked columns (parsed date and its error, ID with zeros restored only for
numeric cells, sex code, CCCD agreement); the Great Expectations suite judges those columns and returns the
failing row keys per rule. Quarantined rows travel on, marked, so the load can account for every row.
"""

import datetime as dt
import json
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetIn,
    MetadataValue,
    Output,
    StaticPartitionsDefinition,
    asset,
)

from assets.extract import ROW_KEY
from assets.lib.dates import parse_dates
from assets.lib.identity import cccd_agrees, parse_national_id, parse_sex
from assets.resources import DeploymentSettings
from data_quality.masking import mask_value
from data_quality.rules import QUARANTINE_RULES
from data_quality.suites import SUITE_RESIDENTS, resident_expectations, run_suite
from schemas import canonical as c
from schemas.manifest import SourceManifest, load_manifest
from schemas.names import GROUP_VALIDATE, RAW_RESIDENTS, VALIDATED_RESIDENTS

_ID_SEPARATORS = re.compile(r"[\s.\-]")
DISPOSITION = "_disposition"
RULES = "_rules"
MASKED = "_masked"
ACCEPTED, QUARANTINED, REVIEW = "accepted", "quarantine", "review"


def checked_columns(raw: pd.DataFrame, manifests: dict[str, SourceManifest], today: dt.date) -> pd.DataFrame:
    """The columns the suite judges (and harmonise reuses): parsed, but not yet standardised."""
    out = pd.DataFrame({ROW_KEY: raw[ROW_KEY].to_numpy()}, index=raw.index)
    out["full_name"] = c.object_column(
        (v if isinstance(v, str) and v.strip() else None for v in raw["full_name"]), raw.index
    )
    out["date_of_birth"] = c.object_column(raw["date_of_birth"], raw.index)
    dob_value: list[dt.date | None] = [None] * len(raw)
    dob_precision: list[str | None] = [None] * len(raw)
    dob_error: list[str | None] = [None] * len(raw)
    sex: list[str | None] = [None] * len(raw)
    for manifest_name, idx in raw.groupby(c.MANIFEST, sort=False).indices.items():
        manifest = manifests[str(manifest_name)]
        part = raw.iloc[idx]
        results = parse_dates(
            list(part["date_of_birth"]),
            manifest.date_formats,
            numeric_mask=c.numeric_cells(part[c.NUMERIC_FIELDS], "date_of_birth"),
            today=today,
        )
        value_map = manifest.sex_map
        for i, res, raw_sex in zip(idx, results, part["sex"], strict=True):
            dob_value[i], dob_precision[i], dob_error[i] = res.value, res.precision, res.error
            sex[i] = parse_sex(raw_sex, value_map)
    out["dob_error"] = c.object_column((None if e == "missing" else e for e in dob_error), raw.index)
    out["dob_value"] = pd.to_datetime(pd.Series(dob_value, index=raw.index, dtype="object"))
    out["dob_precision"] = c.object_column(dob_precision, raw.index)
    out["sex_key"] = c.object_column((s or "" for s in sex), raw.index)
    ids: list[str | None] = []
    kinds: list[str | None] = []
    agrees: list[bool | None] = []
    for value, numeric, s, d in zip(
        raw["national_id"], c.numeric_cells(raw[c.NUMERIC_FIELDS], "national_id"), sex, dob_value, strict=True
    ):
        nid = parse_national_id(value, numeric=numeric)
        # A rejected ID is judged as written (separators aside), so the suite sees why it fails.
        ids.append(_ID_SEPARATORS.sub("", str(value)) if nid.error in ("not_digits", "bad_length") else nid.value)
        kinds.append(nid.kind)
        agrees.append(cccd_agrees(nid.value, s, d.year if d else None) if nid.kind == "cccd" and nid.value else None)
    out["national_id_norm"] = c.object_column(ids, raw.index)
    out["national_id_kind"] = c.object_column(kinds, raw.index)
    out["cccd_agrees"] = pd.Series(agrees, index=raw.index, dtype="object")
    return out


def structural_failures(raw: pd.DataFrame) -> dict[str, list[int]]:
    """Record-identity rules: an id must exist and be unique within the former ward and dataset."""
    ids = raw["source_record_id"]
    missing = raw.loc[ids.isna() | (ids.astype(str).str.strip() == ""), ROW_KEY].tolist()
    present = raw[ids.notna()]
    duplicate = present.loc[present["source_record_id"].duplicated(keep="first"), ROW_KEY].tolist()
    return {"record_id_missing": missing, "record_id_duplicate": duplicate}


# Which raw field a rule's masked value is taken from.
_RULE_FIELD = {
    "record_id_missing": "source_record_id",
    "record_id_duplicate": "source_record_id",
    "name_missing": "full_name",
    "dob_missing": "date_of_birth",
    "dob_unparseable": "date_of_birth",
    "dob_impossible": "date_of_birth",
    "dob_in_future": "date_of_birth",
    "dob_before_1900": "date_of_birth",
    "national_id_not_digits": "national_id",
    "national_id_bad_length": "national_id",
    "national_id_contradicts_cccd": "national_id",
    "sex_unmapped": "sex",
}


def validate_frame(
    raw: pd.DataFrame, manifests: dict[str, SourceManifest], today: dt.date
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Raw rows plus checked columns and a disposition; returns failing counts per rule as well."""
    raw = c.text_as_object(raw.copy())
    checked = checked_columns(raw, manifests, today)
    failures = structural_failures(raw)
    for outcome in run_suite(checked, SUITE_RESIDENTS, resident_expectations(["M", "F"], today)):
        failures.setdefault(outcome.rule, [])
        failures[outcome.rule].extend(outcome.failed_keys)
    rules_of: dict[int, list[str]] = defaultdict(list)
    for rule_name in QUARANTINE_RULES:  # the rules table's order, so a record's rules read the same every run
        for key in dict.fromkeys(failures.get(rule_name, [])):
            rules_of[key].append(rule_name)
    out = raw.copy()
    for column in (
        "dob_error",
        "dob_value",
        "dob_precision",
        "sex_key",
        "national_id_norm",
        "national_id_kind",
    ):
        out[column] = checked[column]
    out = out.rename(columns={"sex_key": "sex_code"})
    out[RULES] = c.object_column((",".join(rules_of[k]) if k in rules_of else None for k in out[ROW_KEY]), out.index)
    out[DISPOSITION] = c.object_column((QUARANTINED if k in rules_of else ACCEPTED for k in out[ROW_KEY]), out.index)
    masked: list[str | None] = []
    for rec_rules, rec in zip(out[RULES], out.itertuples(index=False), strict=True):
        if rec_rules is None:
            masked.append(None)
            continue
        values = {}
        for rule_name in rec_rules.split(","):
            field = _RULE_FIELD[rule_name]
            values[field] = mask_value(field, getattr(rec, field))
        masked.append(json.dumps(values, ensure_ascii=False, sort_keys=True))
    out[MASKED] = c.object_column(masked, out.index)
    counts = {r: len(set(failures.get(r, []))) for r in QUARANTINE_RULES}
    return out, counts


def manifests_by_name(settings: DeploymentSettings, names: list[str]) -> dict[str, SourceManifest]:
    return {name: load_manifest(Path(settings.sources) / name) for name in names}


def build(partitions_def: StaticPartitionsDefinition):
    @asset(
        name=VALIDATED_RESIDENTS,
        group_name=GROUP_VALIDATE,
        partitions_def=partitions_def,
        ins={"raw": AssetIn(RAW_RESIDENTS)},
        check_specs=[AssetCheckSpec(name=r, asset=VALIDATED_RESIDENTS) for r in QUARANTINE_RULES],
        description="Raw rows judged by the residents expectation suite; failing rows marked for quarantine "
        "with their rules.",
    )
    def validated_residents(
        context: AssetExecutionContext, settings: DeploymentSettings, raw: pd.DataFrame
    ) -> Iterator[Output | AssetCheckResult]:
        manifests = manifests_by_name(settings, sorted(raw[c.MANIFEST].unique()))
        validated, counts = validate_frame(raw, manifests, dt.date.today())
        quarantined = int((validated[DISPOSITION] == QUARANTINED).sum())
        yield Output(
            validated,
            metadata={
                "rows": len(validated),
                "accepted": len(validated) - quarantined,
                "quarantined": quarantined,
                "failed_per_rule": MetadataValue.json({k: v for k, v in counts.items() if v}),
            },
        )
        # Checks only report (data checks warn); the quarantine itself is done above.
        for rule_name, failed in counts.items():
            yield AssetCheckResult(
                check_name=rule_name,
                passed=failed == 0,
                severity=AssetCheckSeverity.WARN,
                metadata={"failed_records": failed, "share": round(failed / max(len(validated), 1), 5)},
            )

    return validated_residents
