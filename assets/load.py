"""Load stage: one transaction per former ward and dataset puts each source row in exactly one place.

The work is assets/lib/loading.py. The accounting invariant is evaluated before the commit (an unbalanced load
is rolled back and fails the run, naming the rows); the blocking `accounting_balanced` check then re-counts from
the committed tables. Staging files of the partition (personal data at rest) are removed after the commit.
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
    AssetsDefinition,
    MaterializeResult,
    MetadataValue,
    PartitionsDefinition,
    asset,
)

from assets.errors import sealed
from assets.lib.harmonisation import harmonised_columns
from assets.lib.loading import accounting_problems, load_partition
from assets.metadata import table_metadata
from assets.resources import DeploymentSettings, WarehouseResource, remove_staging
from data_quality.masking import preview_markdown
from schemas import canonical as c
from schemas import warehouse as w
from schemas.datasets import Dataset
from schemas.names import CHECK_ACCOUNTING, GROUP_LOAD, final_stage, partition_stages, raw_asset


def _records_asset(ds: Dataset, partitions: PartitionsDefinition) -> AssetsDefinition:
    record_table = w.RECORD_TABLES[ds.name]

    @asset(
        name=ds.records_asset,
        group_name=GROUP_LOAD,
        partitions_def=partitions,
        ins={"final": AssetIn(final_stage(ds)), "raw": AssetIn(raw_asset(ds.name))},
        check_specs=[
            AssetCheckSpec(
                name=CHECK_ACCOUNTING,
                asset=ds.records_asset,
                blocking=True,
                description="Every source row of the former ward is in exactly one of "
                f"{record_table.name}, quarantine, review_queue (counted from the committed tables).",
            )
        ],
        description=f"One former ward's {ds.name} in the warehouse, in one transaction: {record_table.name}, "
        "quarantine (+ quarantine_rule), review_queue; the accounting invariant is checked before the commit.",
    )
    def records(
        context: AssetExecutionContext,
        settings: DeploymentSettings,
        warehouse: WarehouseResource,
        final: pd.DataFrame,
        raw: pd.DataFrame,
    ) -> Iterator[MaterializeResult]:
        former_ward = context.partition_key
        with sealed(f"former ward {former_ward}, {ds.name}"):
            wh = warehouse.warehouse
            with wh.engine.begin() as conn:
                loaded = load_partition(conn, wh, final, raw, former_ward, ds)
                changes = loaded.changes.values()
                conn.execute(
                    sa.insert(w.load_audit).values(
                        run_id=context.run.run_id,
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
        with wh.engine.connect() as conn:
            problems = accounting_problems(conn, raw, former_ward, ds.name)
            total = conn.execute(sa.select(sa.func.count()).select_from(record_table)).scalar_one()
        yield MaterializeResult(
            metadata={
                **table_metadata(record_table, total, partition_rows=loaded.rows[record_table.name]),
                "rows_read": len(raw),
                "loaded": loaded.rows[record_table.name],
                "quarantined": loaded.rows[w.quarantine.name],
                "review": loaded.rows[w.review_queue.name],
                "changes": MetadataValue.json({k: v.__dict__ for k, v in loaded.changes.items()}),
                "staging_files_removed": removed,
                "preview": MetadataValue.md(preview_markdown(accepted[list(harmonised_columns(ds))])),
            },
            check_results=[
                AssetCheckResult(
                    check_name=CHECK_ACCOUNTING,
                    passed=not any(problems.values()),
                    metadata={
                        "rows_read": len(raw),
                        "missing": len(problems["missing"]),
                        "doubled": len(problems["doubled"]),
                        "unexpected": len(problems["unexpected"]),
                    },
                )
            ],
        )

    return records


def build_load_assets(datasets: Sequence[Dataset], partitions: PartitionsDefinition) -> list[AssetsDefinition]:
    """One `<record table>s` asset per dataset (e.g. `resident_records`), with the blocking accounting check."""
    return [_records_asset(ds, partitions) for ds in datasets]
