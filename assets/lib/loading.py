"""Loading one former ward's records of one dataset: each source row in exactly one place, in one transaction.

Accepted (and placed) records go to the dataset's record table (the integration layer), rejected ones to
`quarantine` (with one `quarantine_rule` row per broken rule), unplaceable ones to `review_queue`. Before the
commit the accounting invariant is evaluated against the extracted rows; an unbalanced load raises, which
rolls the transaction back, naming the rows. Unchanged rows are not rewritten, so re-running identical
inputs changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from assets.lib.change_capture import FINGERPRINT_ATTR, carried_rows
from assets.lib.warehouse import SyncCounts, Warehouse, with_hash
from data_quality.rules import rule
from schemas import canonical as c
from schemas import warehouse as w
from schemas.datasets import Dataset
from schemas.errors import WardmergeError

_SAMPLE = 10


class AccountingError(WardmergeError, RuntimeError):
    """Source rows are missing from, or doubled in, the warehouse tables of a partition."""


def _quarantine_rules(quarantine: pd.DataFrame, dataset: str) -> pd.DataFrame:
    """One row per (quarantined record, broken rule), with the rule's field and masked value."""
    rows = []
    for ward, raw_hash, file, row, run_id, names, masked_json in zip(
        quarantine["former_ward_code"],
        quarantine["raw_hash"],
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
                    "raw_hash": raw_hash,
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


def partition_frames(
    routed: pd.DataFrame, former_ward: str, dataset: Dataset, now: dt.datetime | None = None
) -> dict[str, pd.DataFrame]:
    """Split a partition's processed rows into the rows of each table a source record can end in."""
    base = routed.rename(columns=c.WAREHOUSE_LINEAGE)
    base["former_ward_code"] = former_ward
    base["dataset"] = dataset.name
    base["as_of"] = base[c.AS_OF]
    base["valid_from"] = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    records = base[base[c.DISPOSITION] == c.ACCEPTED]
    quarantine = base[base[c.DISPOSITION] == c.QUARANTINED].copy()
    quarantine["rule_count"] = [len(c.split_names(r)) for r in quarantine[c.RULES]]
    review = base[base[c.DISPOSITION] == c.REVIEW].copy()
    review["reason"] = review[c.RULES]
    # The review queue shows an officer the fields residents carry; another dataset's rows leave them empty.
    for name in (col.name for col in w.review_queue.columns):
        if name not in review.columns and name != "record_hash":
            review[name] = None
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
        rows: Any = conn.execute(
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


def _deliveries(raw: pd.DataFrame, former_ward: str, dataset: str) -> pd.DataFrame:
    """One `source_delivery` row per delivered file: its checksum and rows (the run that first read it)."""
    files = raw.groupby(c.SOURCE_FILE, sort=True).agg(file_sha256=(c.FILE_SHA256, "first"), rows=(c.ROW_KEY, "size"))
    files = files.reset_index().rename(columns={c.SOURCE_FILE: "source_file"})
    files["former_ward_code"], files["dataset"] = former_ward, dataset
    files["run_id"] = raw[c.RUN_ID].iloc[0] if len(raw) else ""
    return with_hash(files, w.source_delivery)


def load_partition(
    conn: Connection,
    warehouse: Warehouse,
    final: pd.DataFrame,
    raw: pd.DataFrame,
    former_ward: str,
    dataset: Dataset,
    now: dt.datetime | None = None,
) -> PartitionLoad:
    """Bring the partition's tables to this delivery and check the accounting; raise to roll back.

    ``final`` holds the rows processed this time; ``raw`` every delivered row, those carried over from the last
    load marked (assets/lib/change_capture.py): they are kept as stored, at their place in the file now. A record
    that changes or goes away leaves its previous version in the record table's history.
    """
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rows, changes = {}, {}
    scope = {"former_ward_code": former_ward, "dataset": dataset.name}
    record_table = w.RECORD_TABLES[dataset.name]
    frames = partition_frames(final, former_ward, dataset, now)
    for table in (record_table, w.review_queue):
        kept = carried_rows(conn, table, former_ward, dataset.name, raw)
        if len(kept):
            frames[table.name] = pd.concat([kept, frames[table.name]], ignore_index=True)
    frames[w.source_delivery.name] = _deliveries(raw, former_ward, dataset.name)
    fingerprint = raw.attrs.get(FINGERPRINT_ATTR, "")
    state = pd.DataFrame([{**scope, "fingerprint": fingerprint, "run_id": raw[c.RUN_ID].iloc[0]}])
    frames[w.partition_state.name] = with_hash(state, w.partition_state)
    for name, frame in frames.items():
        history = w.HISTORY_TABLES[dataset.name] if name == record_table.name else None
        changes[name] = warehouse.replace_scope(conn, w.metadata.tables[name], frame, scope, history=history, now=now)
        rows[name] = len(frame)
    problems = accounting_problems(conn, raw, former_ward, dataset.name)
    if any(problems.values()):
        raise AccountingError(describe_problems(problems, former_ward, dataset.name) + "; the load was rolled back")
    return PartitionLoad(rows, changes)
