"""Load: one transaction per former ward puts each of its source rows in exactly one place.

Accepted, placed records go to `resident_record` (the integration layer that linking reads), rejected ones to
`quarantine`, unplaceable ones to `review_queue`. Before the commit the accounting invariant is evaluated against
the extracted rows; an unbalanced load is rolled back and fails the run, naming the rows. Unchanged rows are not
rewritten, so re-running identical inputs changes nothing.
"""

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from dagster import (
    AssetCheckResult,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetIn,
    Failure,
    MaterializeResult,
    MetadataValue,
    StaticPartitionsDefinition,
    asset,
)
from sqlalchemy.engine import Connection

from assets.lib.warehouse import Warehouse, content_hashes
from assets.resources import DeploymentSettings, WarehouseResource, remove_staging
from assets.validate import ACCEPTED, DISPOSITION, MASKED, QUARANTINED, REVIEW, RULES
from schemas import canonical as c
from schemas import warehouse as w
from schemas.names import (
    CHECK_ACCOUNTING,
    DATASET_RESIDENTS,
    GROUP_LOAD,
    PARTITION_STAGES,
    RAW_RESIDENTS,
    RESIDENT_RECORDS,
    ROUTED_RESIDENTS,
)

_SAMPLE = 10


class AccountingError(RuntimeError):
    """Source rows are missing from, or doubled in, the warehouse tables of a partition."""


def _with_hash(frame: pd.DataFrame, table: sa.Table) -> pd.DataFrame:
    content = [col.name for col in table.columns if col.name not in ("run_id", "record_hash")]
    frame["record_hash"] = content_hashes(frame, content)
    return frame[[col.name for col in table.columns]]


def partition_frames(routed: pd.DataFrame, former_ward: str, dataset: str) -> dict[str, pd.DataFrame]:
    """Split a routed partition into the rows of `resident_record`, `quarantine` and `review_queue`."""
    base = routed.rename(
        columns={
            c.SOURCE_FILE: "source_file",
            c.SOURCE_ROW: "source_row",
            c.FILE_SHA256: "file_sha256",
            c.RUN_ID: "run_id",
        }
    )
    base["former_ward_code"] = former_ward
    base["dataset"] = dataset
    base["as_of"] = base[c.AS_OF]
    records = base[base[DISPOSITION] == ACCEPTED].copy()
    quarantine = base[base[DISPOSITION] == QUARANTINED].copy()
    quarantine["rules"] = quarantine[RULES]
    quarantine["masked_values"] = quarantine[MASKED]
    review = base[base[DISPOSITION] == REVIEW].copy()
    review["reason"] = review[RULES]
    return {
        w.resident_record.name: _with_hash(records, w.resident_record),
        w.quarantine.name: _with_hash(quarantine, w.quarantine),
        w.review_queue.name: _with_hash(review, w.review_queue),
    }


def accounting_problems(conn: Connection, raw: pd.DataFrame, former_ward: str, dataset: str) -> dict[str, list]:
    """Each extracted row must be in exactly one of the partition's tables; returns what is not."""
    expected = Counter(zip(raw[c.SOURCE_FILE], raw[c.SOURCE_ROW].astype(int), strict=True))
    found: Counter = Counter()
    for table in w.PARTITION_TABLES:
        rows = conn.execute(
            sa.select(table.c.source_file, table.c.source_row).where(
                table.c.former_ward_code == former_ward, table.c.dataset == dataset
            )
        )
        found.update((f, int(r)) for f, r in rows)
    missing = sorted(set(expected) - set(found))
    extra = sorted(set(found) - set(expected))
    doubled = sorted(k for k, n in found.items() if n > expected.get(k, 0) and k in expected)
    return {"missing": missing, "doubled": doubled, "unexpected": extra}


def load_partition(
    conn: Connection, warehouse: Warehouse, routed: pd.DataFrame, raw: pd.DataFrame, former_ward: str, dataset: str
) -> dict[str, dict[str, int]]:
    """Replace the partition's rows in the three tables and check the accounting; raise to roll back."""
    counts = {}
    for name, frame in partition_frames(routed, former_ward, dataset).items():
        table = w.metadata.tables[name]
        sync = warehouse.replace_scope(conn, table, frame, {"former_ward_code": former_ward, "dataset": dataset})
        counts[name] = {"rows": len(frame), **sync.__dict__}
    problems = accounting_problems(conn, raw, former_ward, dataset)
    if any(problems.values()):
        detail = "; ".join(
            f"{kind} {len(rows)} (e.g. {', '.join(f'{f} row {r}' for f, r in rows[:_SAMPLE])})"
            for kind, rows in problems.items()
            if rows
        )
        raise AccountingError(
            f"former ward {former_ward}, {dataset}: source rows not in exactly one of resident_record / quarantine / "
            f"review_queue: {detail}; the load was rolled back"
        )
    return counts


def build(partitions_def: StaticPartitionsDefinition):
    @asset(
        name=RESIDENT_RECORDS,
        group_name=GROUP_LOAD,
        partitions_def=partitions_def,
        ins={"routed": AssetIn(ROUTED_RESIDENTS), "raw": AssetIn(RAW_RESIDENTS)},
        check_specs=[AssetCheckSpec(name=CHECK_ACCOUNTING, asset=RESIDENT_RECORDS)],
        description="One former ward's rows in the warehouse, in one transaction: resident_record, quarantine, "
        "review_queue; the accounting invariant is checked before the commit.",
    )
    def resident_records(
        context: AssetExecutionContext,
        settings: DeploymentSettings,
        warehouse: WarehouseResource,
        routed: pd.DataFrame,
        raw: pd.DataFrame,
    ) -> Iterator[MaterializeResult]:
        former_ward = context.partition_key
        wh = warehouse.warehouse
        try:
            with wh.engine.begin() as conn:
                counts = load_partition(conn, wh, routed, raw, former_ward, DATASET_RESIDENTS)
                conn.execute(
                    sa.insert(w.load_audit).values(
                        run_id=context.run.run_id,
                        stage=RESIDENT_RECORDS,
                        partition_key=former_ward,
                        rows_read=len(raw),
                        rows_loaded=counts[w.resident_record.name]["rows"],
                        rows_quarantined=counts[w.quarantine.name]["rows"],
                        rows_review=counts[w.review_queue.name]["rows"],
                        rows_inserted=sum(v["inserted"] for v in counts.values()),
                        rows_updated=sum(v["updated"] for v in counts.values()),
                        rows_deleted=sum(v["deleted"] for v in counts.values()),
                        finished_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
                    )
                )
        except AccountingError as exc:
            raise Failure(description=str(exc), metadata={"former_ward": former_ward}) from None
        # Staging files are personal data at rest: gone once the warehouse holds the rows.
        removed = remove_staging(Path(settings.data_dir) / "staging", former_ward, list(PARTITION_STAGES))
        yield MaterializeResult(
            metadata={
                "rows_read": len(raw),
                "loaded": counts[w.resident_record.name]["rows"],
                "quarantined": counts[w.quarantine.name]["rows"],
                "review": counts[w.review_queue.name]["rows"],
                "changes": MetadataValue.json(counts),
                "staging_files_removed": removed,
            },
            check_results=[
                AssetCheckResult(
                    check_name=CHECK_ACCOUNTING,
                    passed=True,
                    metadata={
                        "rows_read": len(raw),
                        "accounted": sum(v["rows"] for v in counts.values()),
                    },
                )
            ],
        )

    return resident_records
