"""Extract stage: each dataset's delivered files of one former ward, as delivered, with lineage per row.

The work is assets/lib/extraction.py; :func:`extract_step` is the stage (shared by both ways of running the
stages, see assets/former_ward.py) and this module makes one partitioned asset per dataset of it. A former
ward with no manifest or no delivered file for a dataset materialises nothing for it (its later stages are
skipped).
"""

from collections.abc import Iterator, Sequence

from dagster import (
    AssetExecutionContext,
    AssetsDefinition,
    MetadataValue,
    Output,
    PartitionsDefinition,
    asset,
)

from assets.errors import sealed
from assets.lib.change_capture import UNCHANGED_ATTR, mark_carried
from assets.lib.extraction import extract_partition
from assets.lib.warehouse import Warehouse
from assets.metadata import StageResult
from assets.resources import DeploymentSettings, WarehouseResource
from data_quality.masking import preview_markdown
from schemas import canonical as c
from schemas.datasets import Dataset
from schemas.names import GROUP_EXTRACT, raw_asset


def description(ds: Dataset) -> str:
    return (
        f"{ds.description} One former ward's files as delivered: text fields plus lineage (file, row, checksum, "
        "run), and which rows are unchanged since the last load (carried over)."
    )


def extract_step(
    settings: DeploymentSettings, warehouse: Warehouse, former_ward: str, ds: Dataset, run_id: str
) -> StageResult | None:
    """The former ward's delivered files of ``ds`` as one frame; None when it delivered none, and no frame when
    they are the files its last load read (and nothing else their verdicts depend on changed)."""
    with sealed(f"former ward {former_ward}, {ds.name}"):
        extracted = extract_partition(settings.landing, settings.manifests(), former_ward, ds, run_id)
        if extracted.files:
            with warehouse.engine.connect() as conn:
                mark_carried(conn, extracted.frame, ds, former_ward, extracted.manifests, settings.routing)
    if not extracted.files:
        return None
    frame = extracted.frame
    carried = int(frame[c.CARRIED].sum())
    if frame.attrs.get(UNCHANGED_ATTR):  # the same files under the same code, rules and decisions: nothing to do
        return StageResult(None, {"unchanged_delivery": True, "files": MetadataValue.json(extracted.files)})
    return StageResult(
        frame,
        {
            "dagster/row_count": len(frame),
            "unchanged_since_last_load": carried,
            "to_process": len(frame) - carried,
            "files": MetadataValue.json(extracted.files),
            "preview": MetadataValue.md(preview_markdown(frame[[f for f in ds.field_names if f in frame]])),
        },
    )


def _raw_asset(ds: Dataset, partitions: PartitionsDefinition) -> AssetsDefinition:
    @asset(
        name=raw_asset(ds.name),
        group_name=GROUP_EXTRACT,
        partitions_def=partitions,
        output_required=False,
        description=description(ds),
    )
    def raw(
        context: AssetExecutionContext, settings: DeploymentSettings, warehouse: WarehouseResource
    ) -> Iterator[Output]:
        result = extract_step(settings, warehouse.warehouse, context.partition_key, ds, context.run.run_id)
        if result is None:
            context.log.info(f"former ward {context.partition_key}: no manifest or no delivered file for {ds.name}")
            return
        if result.frame is None:
            context.log.info(f"former ward {context.partition_key}: {ds.name} unchanged since its last load")
            return
        yield Output(result.frame, metadata=result.metadata)

    return raw


def build_extract_assets(datasets: Sequence[Dataset], partitions: PartitionsDefinition) -> list[AssetsDefinition]:
    """One `raw_<dataset>` asset per dataset, partitioned by former ward."""
    return [_raw_asset(ds, partitions) for ds in datasets]
