"""Loading one former ward's records of one dataset: each source row in exactly one place, in one transaction.

Accepted (and placed) records go to the dataset's record table (the integration layer), rejected ones to
`quarantine` (with one `quarantine_rule` row per broken rule), unplaceable ones to `review_queue`. Before the
commit the accounting invariant is evaluated against the extracted rows; an unbalanced load raises, which
rolls the transaction back, naming the rows. Unchanged rows are not rewritten, so re-running identical
inputs changes nothing.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from assets.lib.warehouse import SyncCounts, Warehouse, with_hash
from data_quality.rules import rule
from schemas import canonical as c
from schemas import warehouse as w
from schemas.datasets import Dataset

_SAMPLE = 10


class AccountingError(RuntimeError):
    """Source rows are missing from, or doubled in, the warehouse tables of a partition."""


def _quarantine_rules(quarantine: pd.DataFrame, dataset: str) -> pd.DataFrame:
    """One row per (quarantined record, broken rule), with the rule's field and masked value."""
    rows = []
    for ward, file, row, run_id, names, masked_json in zip(
        quarantine["former_ward_code"],
        quarantine["source_file"],
        quarantine["source_row"],
        quarantine["run_id"],
        quarantine[c.RULES],
        quarantine[c.MASKED],
        strict=True,
    ):
        masked = json.loads(masked_json) if isinstance(masked_json, str) else {}
        for name in c.split_names(names):
            values = masked.get(name, {})
            field = rule(dataset, name).field
            shown = values.get(field) if field is not None else (json.dumps(values, ensure_ascii=False) or None)
            rows.append(
                {
                    "former_ward_code": ward,
                    "dataset": dataset,
                    "source_file": file,
                    "source_row": row,
                    "rule": name,
                    "field": field,
                    "masked_value": shown,
                    "run_id": run_id,
                }
            )
    columns = [col.name for col in w.quarantine_rule.columns if col.name != "record_hash"]
    return pd.DataFrame(rows, columns=columns)


def partition_frames(routed: pd.DataFrame, former_ward: str, dataset: Dataset) -> dict[str, pd.DataFrame]:
    """Split a partition's final frame into the rows of each table a source record can end in."""
    base = routed.rename(columns=c.WAREHOUSE_LINEAGE)
    base["former_ward_code"] = former_ward
    base["dataset"] = dataset.name
    base["as_of"] = base[c.AS_OF]
    records = base[base[c.DISPOSITION] == c.ACCEPTED]
    quarantine = base[base[c.DISPOSITION] == c.QUARANTINED].copy()
    quarantine["rule_count"] = [len(c.split_names(r)) for r in quarantine[c.RULES]]
    review = base[base[c.DISPOSITION] == c.REVIEW].copy()
    review["reason"] = review[c.RULES]
    for column in ("residential_group", "residential_group_number", "street"):  # a dataset without them
        if column not in review.columns:
            review[column] = None
    aside = base[base[c.DISPOSITION] == c.SET_ASIDE].copy()
    for column, source in (("kind", c.ROW_KIND), ("label", c.ASIDE_LABEL), ("copy_of", c.COPY_OF),
                           ("total_check", c.TOTAL_CHECK), ("total_detail", c.TOTAL_DETAIL)):  # fmt: skip
        aside[column] = aside[source] if source in aside.columns else None
    # An exact copy keeps the id it repeats (not personal); a total has none.
    aside["source_record_id"] = aside["source_record_id"].where(aside["kind"] == c.EXACT_COPY, None)
    record_table = w.RECORD_TABLES[dataset.name]
    return {
        record_table.name: with_hash(records, record_table),
        w.quarantine.name: with_hash(quarantine, w.quarantine),
        w.quarantine_rule.name: with_hash(_quarantine_rules(quarantine, dataset.name), w.quarantine_rule),
        w.review_queue.name: with_hash(review, w.review_queue),
        w.nonrecord_row.name: with_hash(aside, w.nonrecord_row),
    }


def accounting_problems(conn: Connection, raw: pd.DataFrame, former_ward: str, dataset: str) -> dict[str, list]:
    """Each extracted row must be in exactly one of the partition's tables; returns what is not."""
    expected = Counter(zip(raw[c.SOURCE_FILE], raw[c.SOURCE_ROW].astype(int), strict=True))
    found: Counter = Counter()
    for table in w.partition_tables(dataset):
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


def describe_problems(problems: dict[str, list], former_ward: str, dataset: str) -> str:
    detail = "; ".join(
        f"{kind} {len(rows)} (e.g. {', '.join(f'{f} row {r}' for f, r in rows[:_SAMPLE])})"
        for kind, rows in problems.items()
        if rows
    )
    tables = " / ".join(t.name for t in w.partition_tables(dataset))
    return f"former ward {former_ward}, {dataset}: source rows not in exactly one of {tables}: {detail}"


@dataclass(frozen=True)
class PartitionLoad:
    """What one partition's load did: rows per table and the changes a sync made."""

    rows: dict[str, int]
    changes: dict[str, SyncCounts]


def load_partition(
    conn: Connection, warehouse: Warehouse, final: pd.DataFrame, raw: pd.DataFrame, former_ward: str, dataset: Dataset
) -> PartitionLoad:
    """Replace the partition's rows in its tables and check the accounting; raise to roll back."""
    rows, changes = {}, {}
    scope = {"former_ward_code": former_ward, "dataset": dataset.name}
    for name, frame in partition_frames(final, former_ward, dataset).items():
        changes[name] = warehouse.replace_scope(conn, w.metadata.tables[name], frame, scope)
        rows[name] = len(frame)
    problems = accounting_problems(conn, raw, former_ward, dataset.name)
    if any(problems.values()):
        raise AccountingError(describe_problems(problems, former_ward, dataset.name) + "; the load was rolled back")
    return PartitionLoad(rows, changes)
