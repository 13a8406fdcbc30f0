"""Harmonise stage: each dataset's accepted records in one standard form (assets/lib/harmonisation.py)."""

from collections.abc import Sequence

import pandas as pd
from dagster import (
    AssetExecutionContext,
    AssetIn,
    AssetsDefinition,
    MetadataValue,
    Output,
    PartitionsDefinition,
    asset,
)

from assets.errors import sealed
from assets.lib.harmonisation import harmonise_frame, harmonised_columns
from assets.metadata import StageResult
from data_quality.masking import preview_markdown
from schemas import canonical as c
from schemas.datasets import Dataset
from schemas.names import GROUP_HARMONISE, harmonised_asset, validated_asset


def description(ds: Dataset) -> str:
    return (
        f"Accepted {ds.name} records in standard form: NFC names with match keys, dates, codes, IDs with zeros "
        "restored only for numeric cells, 10-digit phones, address parts."
    )


def harmonise_step(validated: pd.DataFrame, ds: Dataset, former_ward: str) -> StageResult:
    with sealed(f"former ward {former_ward}, {ds.name}"):
        out = harmonise_frame(validated, ds)
    accepted = out[out[c.DISPOSITION] == c.ACCEPTED]
    flags = pd.Series([f for cell in accepted[c.FLAGS] for f in c.split_names(cell)], dtype="object")
    return StageResult(
        out,
        {
            "dagster/row_count": len(out),
            "harmonised": len(accepted),
            "flags": MetadataValue.json({k: int(v) for k, v in flags.value_counts().items()}),
            "preview": MetadataValue.md(preview_markdown(accepted[list(harmonised_columns(ds))])),
        },
    )


def _harmonised_asset(ds: Dataset, partitions: PartitionsDefinition) -> AssetsDefinition:
    @asset(
        name=harmonised_asset(ds.name),
        group_name=GROUP_HARMONISE,
        partitions_def=partitions,
        ins={"validated": AssetIn(validated_asset(ds.name))},
        description=description(ds),
    )
    def harmonised(context: AssetExecutionContext, validated: pd.DataFrame) -> Output[pd.DataFrame]:
        result = harmonise_step(validated, ds, context.partition_key)
        return Output(result.frame, metadata=result.metadata)

    return harmonised


def build_harmonise_assets(datasets: Sequence[Dataset], partitions: PartitionsDefinition) -> list[AssetsDefinition]:
    """One `harmonised_<dataset>` asset per dataset."""
    return [_harmonised_asset(ds, partitions) for ds in datasets]
