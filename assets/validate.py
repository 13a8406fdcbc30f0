"""Validate stage: each dataset's raw records judged by its rules; failing records marked for quarantine.

The work is assets/lib/validation.py (parsing by field kind, record identity, the Great Expectations suite
built from the rules table); :func:`validate_step` is the stage, and this module makes one asset per dataset of
it. Its `quarantine_rules` check reports how many records broke each quarantine rule (it warns; the quarantine
itself is done by the asset), and for a dataset with amounts `totals_balanced` reports the report's totals.
"""

import datetime as dt
from collections.abc import Iterator, Sequence

import pandas as pd
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetIn,
    AssetKey,
    AssetsDefinition,
    MetadataValue,
    Output,
    PartitionsDefinition,
    asset,
)

from assets.errors import sealed
from assets.lib.extraction import manifests_of
from assets.lib.validation import validate_frame
from assets.metadata import StageResult
from data_quality.masking import preview_markdown
from data_quality.rules import rules_of
from schemas import canonical as c
from schemas.datasets import Dataset, Kind
from schemas.names import CHECK_RULES, CHECK_TOTALS, GROUP_VALIDATE, raw_asset, validated_asset


def description(ds: Dataset) -> str:
    return (
        f"Raw {ds.name} records judged by the {ds.name} suite; failing records marked for quarantine with their "
        "rules, flags noted."
    )


def check_specs(ds: Dataset) -> list[AssetCheckSpec]:
    name = validated_asset(ds.name)
    rules = ", ".join(r.name for r in rules_of(ds.name, "quarantine"))
    specs = [
        AssetCheckSpec(
            name=CHECK_RULES,
            asset=name,
            description=f"Records that broke each quarantine rule of the {ds.name} suite ({rules}); warns when any "
            "did. The records themselves are quarantined by the asset, with their rules and masked values.",
        )
    ]
    if ds.of_kind(Kind.AMOUNT):  # a report can come with total rows: each is checked against its records
        specs.append(
            AssetCheckSpec(
                name=CHECK_TOTALS,
                asset=name,
                description="Each total or subtotal row of a report equals the sum of the records it covers "
                "(manifest key total_rows); totals are never loaded as records.",
            )
        )
    return specs


def validate_step(raw: pd.DataFrame, ds: Dataset, former_ward: str) -> StageResult:
    """The raw frame judged (rows unchanged since the last load keep their verdict: assets/lib/change_capture.py)."""
    key = AssetKey(validated_asset(ds.name))
    with sealed(f"former ward {former_ward}, {ds.name}"):
        frame, counts = validate_frame(raw[~raw[c.CARRIED]], ds, manifests_of(raw), dt.date.today())
    rejected = frame[frame[c.DISPOSITION] == c.QUARANTINED]
    aside = frame[frame[c.DISPOSITION] == c.SET_ASIDE]
    totals = aside[aside[c.ROW_KIND] == c.TOTAL]
    verdicts = {str(k): int(v) for k, v in totals[c.TOTAL_CHECK].value_counts().items()}
    per_rule = {r.name: counts.get(r.name, 0) for r in rules_of(ds.name, "quarantine")}
    checks = [
        AssetCheckResult(
            asset_key=key,
            check_name=CHECK_RULES,
            passed=not any(per_rule.values()),
            severity=AssetCheckSeverity.WARN,
            metadata={
                "records_checked": len(frame),
                "failed_records": MetadataValue.json(per_rule),
                "records_quarantined": len(rejected),
            },
        )
    ]
    if ds.of_kind(Kind.AMOUNT):
        off = totals[totals[c.TOTAL_CHECK] != "balanced"]
        rows = [f"{f} row {r}" for f, r in zip(off[c.SOURCE_FILE], off[c.SOURCE_ROW], strict=True)]
        checks.append(
            AssetCheckResult(
                asset_key=key,
                check_name=CHECK_TOTALS,
                passed=off.empty,
                severity=AssetCheckSeverity.WARN,
                metadata={"totals": len(totals), "not_balanced": len(off), "rows": MetadataValue.json(rows[:20])},
            )
        )
    set_aside = {str(k): int(v) for k, v in aside[c.ROW_KIND].value_counts().items()}
    metadata = {
        "dagster/row_count": len(frame),
        "accepted": len(frame) - len(rejected) - len(aside),
        "quarantined": len(rejected),
        "set_aside": MetadataValue.json(set_aside),
        "totals": MetadataValue.json(verdicts),
        "failed_per_rule": MetadataValue.json({k: v for k, v in counts.items() if v}),
        "preview": MetadataValue.md(preview_markdown(rejected[[c.SOURCE_FILE, c.SOURCE_ROW, c.RULES, c.MASKED]])),
    }
    return StageResult(frame, metadata, checks)


def _validated_asset(ds: Dataset, partitions: PartitionsDefinition) -> AssetsDefinition:
    @asset(
        name=validated_asset(ds.name),
        group_name=GROUP_VALIDATE,
        partitions_def=partitions,
        ins={"raw": AssetIn(raw_asset(ds.name))},
        check_specs=check_specs(ds),
        description=description(ds),
    )
    def validated(context: AssetExecutionContext, raw: pd.DataFrame) -> Iterator[Output | AssetCheckResult]:
        result = validate_step(raw, ds, context.partition_key)
        yield Output(result.frame, metadata=result.metadata)
        yield from result.checks

    return validated


def build_validate_assets(datasets: Sequence[Dataset], partitions: PartitionsDefinition) -> list[AssetsDefinition]:
    """One `validated_<dataset>` asset per dataset, with its checks."""
    return [_validated_asset(ds, partitions) for ds in datasets]
