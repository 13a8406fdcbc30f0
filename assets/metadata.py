"""What every stage hands to Dagster: its result (frame, metadata, check results), and the table metadata of a
stage that writes the warehouse."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import sqlalchemy as sa
from dagster import AssetCheckResult, MetadataValue, TableColumn, TableSchema


@dataclass
class StageResult:
    """One stage's work for one former ward and dataset, whichever way it runs (one step per stage with staging
    between them, or every stage of a former ward in one step: assets/former_ward.py)."""

    frame: pd.DataFrame | None
    """What the next stage reads (None for the load, which writes the warehouse, and for an extract whose files
    are unchanged since their last load: the dataset has nothing to do)."""
    metadata: dict[str, Any]
    """What the UI shows on the materialisation (counts, masked preview)."""
    checks: list[AssetCheckResult] = field(default_factory=list)


def table_metadata(table: sa.Table, rows: int, *, partition_rows: int | None = None) -> dict[str, Any]:
    """Table name, column schema (types and descriptions) and row counts of a warehouse table an asset wrote."""
    schema = TableSchema(
        columns=[TableColumn(name=col.name, type=str(col.type), description=col.comment or "") for col in table.columns]
    )
    out: dict[str, Any] = {
        "dagster/table_name": table.name,
        "dagster/column_schema": MetadataValue.table_schema(schema),
        "dagster/row_count": rows,
    }
    if partition_rows is not None:
        out["dagster/partition_row_count"] = partition_rows
    return out
