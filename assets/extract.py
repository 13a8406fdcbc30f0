"""Extract stage: each dataset's delivered files of one former ward, as delivered, with lineage per row.

The work is assets/lib/extraction.py; this module makes one partitioned asset per dataset. A former ward with
no manifest or no delivered file for a dataset materialises nothing for it (its later stages are skipped).
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
from assets.lib.change_capture import mark_carried
from assets.lib.extraction import extract_partition
from assets.resources import DeploymentSettings, WarehouseResource
from data_quality.masking import preview_markdown
from schemas import canonical as c
from schemas.datasets import Dataset
from schemas.names import GROUP_EXTRACT, raw_asset


def _raw_asset(ds: Dataset, partitions: PartitionsDefinition) -> AssetsDefinition:
    @asset(
        name=raw_asset(ds.name),
        group_name=GROUP_EXTRACT,
        partitions_def=partitions,
        output_required=False,
        description=f"{ds.description} One former ward's files as delivered: text fields plus lineage "
        "(file, row, checksum, run), and which rows are unchanged since the last load (carried over).",
    )
    def raw(
        context: AssetExecutionContext, settings: DeploymentSettings, warehouse: WarehouseResource
    ) -> Iterator[Output]:
        former_ward = context.partition_key
        with sealed(f"former ward {former_ward}, {ds.name}"):
            extracted = extract_partition(settings.landing, settings.manifests(), former_ward, ds, context.run.run_id)
            if extracted.files:
                with warehouse.warehouse.engine.connect() as conn:
                    mark_carried(conn, extracted.frame, ds, former_ward, extracted.manifests, settings.routing)
        if not extracted.files:
            context.log.info(f"former ward {former_ward}: no manifest or no delivered file for {ds.name}; skipped")
            return
        frame = extracted.frame
        carried = int(frame[c.CARRIED].sum())
        yield Output(
            frame,
            metadata={
                "dagster/row_count": len(frame),
                "unchanged_since_last_load": carried,
                "to_process": len(frame) - carried,
                "files": MetadataValue.json(extracted.files),
                "preview": MetadataValue.md(preview_markdown(frame[[f for f in ds.field_names if f in frame]])),
            },
        )

    return raw


def build_extract_assets(datasets: Sequence[Dataset], partitions: PartitionsDefinition) -> list[AssetsDefinition]:
    """One `raw_<dataset>` asset per dataset, partitioned by former ward."""
    return [_raw_asset(ds, partitions) for ds in datasets]
