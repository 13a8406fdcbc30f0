"""Measure a warehouse against the sample generator's truth: dispositions, routing, accounting.

Used by the end-to-end tests and the benchmark, so both report the same numbers. Records are matched on
(former ward, source file, source row): every truth row names the file and row it was written to.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from assets.warehouse import Warehouse
from schemas import warehouse as w

TRUTH_FILE = "residents_truth.parquet"
_KEY = ["former_ward_code", "source_file", "source_row"]


@dataclass(frozen=True)
class ResidentMetrics:
    truth_rows: int
    warehouse_rows: int
    unaccounted: int  # truth rows in none of the three tables
    doubled: int  # truth rows in more than one place
    quarantine_precision: float
    quarantine_recall: float
    review_precision: float
    review_recall: float
    routing_accuracy: float  # among truly routable records: placed in the right new ward
    routable: int

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def _ratio(num: int, den: int) -> float:
    return num / den if den else 1.0


def load_truth(truth_dir: Path) -> pd.DataFrame:
    truth = pd.read_parquet(truth_dir / TRUTH_FILE)
    truth["source_row"] = truth["source_row"].astype("int64")
    return truth


def warehouse_dispositions(warehouse: Warehouse) -> pd.DataFrame:
    """One row per warehouse placement of a source row: where it went and (if loaded) its new ward."""
    parts = []
    with warehouse.engine.connect() as conn:
        for disposition, table in (
            ("loaded", w.resident_record),
            ("quarantine", w.quarantine),
            ("review", w.review_queue),
        ):
            cols = [table.c.former_ward_code, table.c.source_file, table.c.source_row]
            if table is w.resident_record:
                cols.append(table.c.new_ward_code)
            frame = warehouse.read_frame(conn, sa.select(*cols))
            frame["disposition"] = disposition
            parts.append(frame)
    out = pd.concat(parts, ignore_index=True)
    out["source_row"] = out["source_row"].astype("int64")
    return out


def evaluate_residents(warehouse: Warehouse, truth_dir: Path) -> ResidentMetrics:
    truth = load_truth(truth_dir)
    placed = warehouse_dispositions(warehouse)
    counts = placed.groupby(_KEY).size().rename("placements").reset_index()
    joined = truth.merge(counts, on=_KEY, how="left")
    unaccounted = int(joined["placements"].isna().sum())
    doubled = int((joined["placements"] > 1).sum())
    merged = truth.merge(placed.drop_duplicates(_KEY), on=_KEY, how="left")

    def pr(kind: str) -> tuple[float, float]:
        predicted = merged["disposition"] == kind
        actual = merged["expected_disposition"] == kind
        return _ratio(int((predicted & actual).sum()), int(predicted.sum())), _ratio(
            int((predicted & actual).sum()), int(actual.sum())
        )

    qp, qr = pr("quarantine")
    rp, rr = pr("review")
    routable = merged[merged["expected_disposition"] == "loaded"]
    right = (routable["disposition"] == "loaded") & (routable["new_ward_code"] == routable["expected_new_ward_code"])
    return ResidentMetrics(
        truth_rows=len(truth),
        warehouse_rows=len(placed),
        unaccounted=unaccounted,
        doubled=doubled,
        quarantine_precision=qp,
        quarantine_recall=qr,
        review_precision=rp,
        review_recall=rr,
        routing_accuracy=_ratio(int(right.sum()), len(routable)),
        routable=len(routable),
    )


def disagreements(warehouse: Warehouse, truth_dir: Path, limit: int = 20) -> pd.DataFrame:
    """Rows where the warehouse and the truth disagree (for diagnosing a metric below target)."""
    truth = load_truth(truth_dir)
    merged = truth.merge(warehouse_dispositions(warehouse).drop_duplicates(_KEY), on=_KEY, how="left")
    wrong = (merged["disposition"] != merged["expected_disposition"]) | (
        (merged["expected_disposition"] == "loaded") & (merged["new_ward_code"] != merged["expected_new_ward_code"])
    )
    return merged[wrong].head(limit)
