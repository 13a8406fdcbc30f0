"""Load stage: one transaction per former ward and dataset puts each source row in exactly one place.

The work is assets/lib/loading.py; :func:`load_step` is the stage. The accounting invariant is evaluated before
the commit (an unbalanced load is rolled back and fails the run, naming the rows); the blocking
`accounting_balanced` check then re-counts from the committed tables. Staging files of the partition (personal
data at rest) are removed after the commit.
"""

import datetime as dt
from collections.abc import Iterator, Sequence

import pandas as pd
import sqlalchemy as sa
from dagster import (
    AssetCheckResult,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetIn,
    AssetKey,
    AssetsDefinition,
    MaterializeResult,
    MetadataValue,
    PartitionsDefinition,
    asset,
)

from assets.errors import sealed
from assets.lib.harmonisation import harmonised_columns
from assets.lib.loading import accounting_problems, load_partition
from assets.lib.warehouse import Warehouse
from assets.metadata import StageResult, table_metadata
from assets.resources import DeploymentSettings, WarehouseResource, remove_staging
from data_quality.masking import preview_markdown
from schemas import canonical as c
from schemas import warehouse as w
from schemas.datasets import Dataset
from schemas.names import CHECK_ACCOUNTING, GROUP_LOAD, final_stage, partition_stages, raw_asset


def description(ds: Dataset) -> str:
    return (
        f"One former ward's {ds.name} in the warehouse, in one transaction: {w.RECORD_TABLES[ds.name].name}, "
        "quarantine (+ quarantine_rule), review_queue; the accounting invariant is checked before the commit."
    )


def check_specs(ds: Dataset) -> list[AssetCheckSpec]:
    return [
        AssetCheckSpec(
            name=CHECK_ACCOUNTING,
            asset=ds.records_asset,
            blocking=True,
            description="Every source row of the former ward is in exactly one of "
            f"{w.RECORD_TABLES[ds.name].name}, quarantine, review_queue (counted from the committed tables).",
        )
    ]


def load_step(
    final: pd.DataFrame,
    raw: pd.DataFrame,
    settings: DeploymentSettings,
    warehouse: Warehouse,
    former_ward: str,
    ds: Dataset,
    run_id: str,
) -> StageResult:
    """Write the former ward's rows of ``ds`` in one transaction, then count them again from the tables."""
    record_table = w.RECORD_TABLES[ds.name]
    with sealed(f"former ward {former_ward}, {ds.name}"):
        with warehouse.engine.begin() as conn:
            loaded = load_partition(conn, warehouse, final, raw, former_ward, ds)
            changes = loaded.changes.values()
            conn.execute(
                sa.insert(w.load_audit).values(
                    run_id=run_id,
                    stage=ds.records_asset,
                    partition_key=former_ward,
                    rows_read=len(raw),
                    rows_loaded=loaded.rows[record_table.name],
                    rows_quarantined=loaded.rows[w.quarantine.name],
                    rows_review=loaded.rows[w.review_queue.name],
                    rows_inserted=sum(s.inserted for s in changes),
                    rows_updated=sum(s.updated for s in changes),
                    rows_deleted=sum(s.deleted for s in changes),
                    finished_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
                )
            )
    # Staging files are personal data at rest: gone once the warehouse holds the rows.
    removed = remove_staging(settings.staging, former_ward, list(partition_stages(ds)))
    accepted = final[final[c.DISPOSITION] == c.ACCEPTED]
    with warehouse.engine.connect() as conn:
        problems = accounting_problems(conn, raw, former_ward, ds.name)
        total = conn.execute(sa.select(sa.func.count()).select_from(record_table)).scalar_one()
    check = AssetCheckResult(
        asset_key=AssetKey(ds.records_asset),
        check_name=CHECK_ACCOUNTING,
        passed=not any(problems.values()),
        metadata={
            "rows_read": len(raw),
            "missing": len(problems["missing"]),
            "doubled": len(problems["doubled"]),
            "unexpected": len(problems["unexpected"]),
        },
    )
    metadata = {
        **table_metadata(record_table, total, partition_rows=loaded.rows[record_table.name]),
        "rows_read": len(raw),
        "loaded": loaded.rows[record_table.name],
        "quarantined": loaded.rows[w.quarantine.name],
        "review": loaded.rows[w.review_queue.name],
        "changes": MetadataValue.json({k: v.__dict__ for k, v in loaded.changes.items()}),
        "staging_files_removed": removed,
        "preview": MetadataValue.md(preview_markdown(accepted[list(harmonised_columns(ds))])),
    }
    return StageResult(None, metadata, [check])


def _records_asset(ds: Dataset, partitions: PartitionsDefinition) -> AssetsDefinition:
    @asset(
        name=ds.records_asset,
        group_name=GROUP_LOAD,
        partitions_def=partitions,
        ins={"final": AssetIn(final_stage(ds)), "raw": AssetIn(raw_asset(ds.name))},
        check_specs=check_specs(ds),
        description=description(ds),
    )
    def records(
        context: AssetExecutionContext,
        settings: DeploymentSettings,
        warehouse: WarehouseResource,
        final: pd.DataFrame,
        raw: pd.DataFrame,
    ) -> Iterator[MaterializeResult]:
        result = load_step(final, raw, settings, warehouse.warehouse, context.partition_key, ds, context.run.run_id)
        yield MaterializeResult(metadata=result.metadata, check_results=result.checks)

    return records


def build_load_assets(datasets: Sequence[Dataset], partitions: PartitionsDefinition) -> list[AssetsDefinition]:
    """One `<record table>s` asset per dataset (e.g. `resident_records`), with the blocking accounting check."""
    return [_records_asset(ds, partitions) for ds in datasets]
