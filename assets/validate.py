"""Validate stage: each dataset's raw records judged by its rules; failing records marked for quarantine.

The work is assets/lib/validation.py (parsing by field kind, record identity, the Great Expectations suite
built from the rules table); this module makes one asset per dataset, with one asset check per quarantine
rule that reports how many records broke it (data checks warn; the quarantine itself is done by the asset).
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
    AssetsDefinition,
    MetadataValue,
    Output,
    PartitionsDefinition,
    asset,
)

from assets.errors import sealed
from assets.lib.extraction import manifests_of
from assets.lib.validation import validate_frame
from data_quality.masking import preview_markdown
from data_quality.rules import rules_of
from schemas import canonical as c
from schemas.datasets import Dataset, Kind
from schemas.names import CHECK_TOTALS, GROUP_VALIDATE, raw_asset, validated_asset


def _validated_asset(ds: Dataset, partitions: PartitionsDefinition) -> AssetsDefinition:
    name = validated_asset(ds.name)
    quarantine_rules = rules_of(ds.name, "quarantine")
    # A dataset with amounts can come as a report with total rows: each total is checked against its records.
    totals_check = (
        [AssetCheckSpec(name=CHECK_TOTALS, asset=name, description="Each total or subtotal row of a report equals "
                        "the sum of the records it covers (manifest key total_rows); totals are never loaded as "
                        "records.")]
        if ds.of_kind(Kind.AMOUNT)
        else []
    )  # fmt: skip

    @asset(
        name=name,
        group_name=GROUP_VALIDATE,
        partitions_def=partitions,
        ins={"raw": AssetIn(raw_asset(ds.name))},
        check_specs=[
            AssetCheckSpec(name=r.name, asset=name, description=f"Quarantine rule: {r.description}.")
            for r in quarantine_rules
        ]
        + totals_check,
        description=f"Raw {ds.name} records judged by the {ds.name} suite; failing records marked for quarantine "
        "with their rules, flags noted.",
    )
    def validated(context: AssetExecutionContext, raw: pd.DataFrame) -> Iterator[Output | AssetCheckResult]:
        with sealed(f"former ward {context.partition_key}, {ds.name}"):
            # Rows unchanged since the last load keep their verdict (assets/lib/change_capture.py).
            frame, counts = validate_frame(raw[~raw[c.CARRIED]], ds, manifests_of(raw), dt.date.today())
        rejected = frame[frame[c.DISPOSITION] == c.QUARANTINED]
        aside = frame[frame[c.DISPOSITION] == c.SET_ASIDE]
        totals = aside[aside[c.ROW_KIND] == c.TOTAL]
        verdicts = {str(k): int(v) for k, v in totals[c.TOTAL_CHECK].value_counts().items()}
        yield Output(
            frame,
            metadata={
                "dagster/row_count": len(frame),
                "accepted": len(frame) - len(rejected) - len(aside),
                "quarantined": len(rejected),
                "set_aside": MetadataValue.json(
                    {str(k): int(v) for k, v in aside[c.ROW_KIND].value_counts().items()}
                ),
                "totals": MetadataValue.json(verdicts),
                "failed_per_rule": MetadataValue.json({k: v for k, v in counts.items() if v}),
                "preview": MetadataValue.md(
                    preview_markdown(rejected[[c.SOURCE_FILE, c.SOURCE_ROW, c.RULES, c.MASKED]])
                ),
            },
        )
        for r in quarantine_rules:
            failed = counts.get(r.name, 0)
            yield AssetCheckResult(
                check_name=r.name,
                passed=failed == 0,
                severity=AssetCheckSeverity.WARN,
                metadata={"failed_records": failed, "share": round(failed / max(len(frame), 1), 5)},
            )
        if totals_check:
            off = totals[totals[c.TOTAL_CHECK] != "balanced"]
            yield AssetCheckResult(
                check_name=CHECK_TOTALS,
                passed=off.empty,
                severity=AssetCheckSeverity.WARN,
                metadata={
                    "totals": len(totals),
                    "not_balanced": len(off),
                    "rows": MetadataValue.json([f"{f} row {r}" for f, r in zip(off[c.SOURCE_FILE], off[c.SOURCE_ROW],
                                                                                 strict=True)][:20]),
                },
            )

    return validated


def build_validate_assets(datasets: Sequence[Dataset], partitions: PartitionsDefinition) -> list[AssetsDefinition]:
    """One `validated_<dataset>` asset per dataset, with its quarantine rules as asset checks."""
    return [_validated_asset(ds, partitions) for ds in datasets]
